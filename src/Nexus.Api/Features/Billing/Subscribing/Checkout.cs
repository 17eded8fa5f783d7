using System.ComponentModel;
using GraphQL;
using GraphQL.Types;
using Marten;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Errors;
using Stripe;

namespace Nexus.Api.Features.Billing.Subscribing;

/// <summary>No Stripe secret key is configured on this Nexus.</summary>
public sealed record BillingNotConfiguredError()
    : MutationError("BILLING_NOT_CONFIGURED", "This Nexus is not set up to take payments yet; an operator must add its Stripe keys.", ["input"]);

/// <summary>The plan id names no plan.</summary>
public sealed record UnknownPlanError()
    : MutationError("UNKNOWN_PLAN", "There is no plan with that id.", ["input", "plan"]);

/// <summary>The plan has no Stripe price for the interval (the free plan, or one sold by contract).</summary>
public sealed record PlanNotPurchasableError()
    : MutationError("PLAN_NOT_PURCHASABLE", "That plan cannot be bought through checkout at that interval.", ["input", "interval"]);

/// <summary>The workspace has never checked out: Stripe has no customer for it yet.</summary>
public sealed record NoBillingCustomerError()
    : MutationError("NO_BILLING_CUSTOMER", "This workspace has no billing account yet; start a subscription through checkout first.", ["input", "workspaceId"]);

/// <summary>Stripe refused or could not be reached; nothing changed.</summary>
public sealed record PaymentProviderError(string Detail)
    : MutationError("PAYMENT_PROVIDER_ERROR", $"Stripe did not answer as expected ({Detail}); try again shortly.", ["input"]);

/// <summary>
/// A Stripe Checkout Session in subscription mode for a plan's price: the workspace is its <c>client_reference_id</c>
/// and in the subscription's metadata (the webhooks find the workspace by it), the workspace's Stripe customer is
/// reused when it has one, and a first subscription gets the plan's trial.
/// </summary>
public sealed record StartCheckout(Guid WorkspaceId, Guid ByUserId, string Plan, BillingInterval Interval);

public static class StartCheckoutHandler
{
    public static async Task<Outcome<Uri, BillingNotConfiguredError, UnknownPlanError, PlanNotPurchasableError, PaymentProviderError>> HandleAsync(
        StartCheckout command, IQuerySession session, StripeGateway stripe, IOptions<BillingOptions> billing, ILogger<StartCheckout> logger, CancellationToken ct)
    {
        if (stripe.Client is not { } client)
        {
            return new BillingNotConfiguredError();
        }

        if (!billing.Value.Plans.TryGetValue(command.Plan.Trim(), out var plan))
        {
            return new UnknownPlanError();
        }

        if (!plan.StripePrices.TryGetValue(command.Interval, out var price) || string.IsNullOrWhiteSpace(price))
        {
            return new PlanNotPurchasableError();
        }

        var planId = billing.Value.Plans.First(p => p.Value == plan).Key;
        var workspace = await session.LoadAsync<Workspace>(command.WorkspaceId, ct);
        var metadata = new Dictionary<string, string> { ["workspaceId"] = command.WorkspaceId.ToString(), ["plan"] = planId };
        var options = new Stripe.Checkout.SessionCreateOptions
        {
            Mode = "subscription",
            LineItems = [new() { Price = price, Quantity = 1 }],
            ClientReferenceId = command.WorkspaceId.ToString(),
            Metadata = metadata,
            SubscriptionData = new()
            {
                Metadata = metadata,
                // A trial is for a workspace's first subscription only: one that had any before pays from the start.
                TrialPeriodDays = workspace?.Subscription?.StripeSubscriptionId is null && plan.TrialDays > 0 ? plan.TrialDays : null,
            },
            Customer = workspace?.Subscription?.StripeCustomerId,
            SuccessUrl = stripe.SuccessUrl,
            CancelUrl = stripe.CancelUrl,
        };
        try
        {
            var created = await new Stripe.Checkout.SessionService(client).CreateAsync(options, StripeCalls.Idempotent("checkout", command.WorkspaceId), ct);
            return new Uri(created.Url);
        }
        catch (StripeException ex)
        {
            logger.LogWarning("Stripe refused a checkout session ({Status} {Code})", (int)ex.HttpStatusCode, ex.StripeError?.Code);
            return new PaymentProviderError(ex.StripeError?.Code ?? ((int)ex.HttpStatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}

/// <summary>A Billing Portal Session for the workspace's Stripe customer: payment methods, invoices, cancelling.</summary>
public sealed record OpenBillingPortal(Guid WorkspaceId, Guid ByUserId);

public static class OpenBillingPortalHandler
{
    public static async Task<Outcome<Uri, BillingNotConfiguredError, NoBillingCustomerError, PaymentProviderError>> HandleAsync(
        OpenBillingPortal command, IQuerySession session, StripeGateway stripe, ILogger<OpenBillingPortal> logger, CancellationToken ct)
    {
        if (stripe.Client is not { } client)
        {
            return new BillingNotConfiguredError();
        }

        if ((await session.LoadAsync<Workspace>(command.WorkspaceId, ct))?.Subscription?.StripeCustomerId is not { } customer)
        {
            return new NoBillingCustomerError();
        }

        try
        {
            var portal = await new Stripe.BillingPortal.SessionService(client).CreateAsync(
                new Stripe.BillingPortal.SessionCreateOptions { Customer = customer, ReturnUrl = stripe.PortalReturnUrl }, StripeCalls.Idempotent("portal", command.WorkspaceId), ct);
            return new Uri(portal.Url);
        }
        catch (StripeException ex)
        {
            logger.LogWarning("Stripe refused a billing portal session ({Status} {Code})", (int)ex.HttpStatusCode, ex.StripeError?.Code);
            return new PaymentProviderError(ex.StripeError?.Code ?? ((int)ex.HttpStatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}

public static class StripeCalls
{
    /// <summary>
    /// A fresh idempotency key per call: Stripe.net resends it on its own retries, so a request that reached Stripe
    /// but whose answer was lost creates nothing twice.
    /// </summary>
    public static RequestOptions Idempotent(string what, Guid workspaceId) =>
        new() { IdempotencyKey = $"nexus-{what}-{workspaceId:N}-{Guid.NewGuid():N}" };
}

public sealed record StartCheckoutInput(
    [property: Id] string WorkspaceId,
    [property: Description("The plan's id, as in `Nexus:Billing:Plans` (starter, professional, business, …).")] string Plan,
    BillingInterval Interval) : IWorkspaceInput;

public sealed class StartCheckoutMutation() : Mutation<StartCheckoutInput, StartCheckout, Uri>("startCheckout",
    "Starts buying a plan: send the browser to `url`, Stripe Checkout's page (a first subscription gets the plan's trial). The subscription changes when Stripe's webhook confirms it, not when this answers.",
    WorkspaceAccess.Needs(Role.Admin).FirstPartyOnly(),
    Payload<Uri>.Of<StringGraphType>("url", "Stripe Checkout's page for this purchase.", (_, url) => Task.FromResult<object?>(url.AbsoluteUri)),
    (input, caller) => new(caller.WorkspaceId(), caller.UserId, input.Plan, input.Interval));

public sealed record OpenBillingPortalInput([property: Id] string WorkspaceId) : IWorkspaceInput;

public sealed class OpenBillingPortalMutation() : Mutation<OpenBillingPortalInput, OpenBillingPortal, Uri>("openBillingPortal",
    "Opens Stripe's billing portal for the workspace (payment methods, invoices, cancelling): send the browser to `url`.",
    WorkspaceAccess.Needs(Role.Admin).FirstPartyOnly(),
    Payload<Uri>.Of<StringGraphType>("url", "Stripe's billing portal page for this workspace.", (_, url) => Task.FromResult<object?>(url.AbsoluteUri)),
    (input, caller) => new(caller.WorkspaceId(), caller.UserId));
