using GraphQL;
using GraphQL.Types;
using Marten;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Billing;
using Nexus.Api.Features.Billing.Subscribing;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.Infrastructure;
using Stripe;

namespace Nexus.Api.Features.Marketplace.Funding;

/// <summary>
/// The brand pays a contract's total on Stripe Checkout. The charge is on Nexus's own Stripe account ("separate
/// charges and transfers"), in the contract's transfer group: Nexus holds it and transfers the creator's share once the
/// work is done. The session is keyed by the contract's version, so a retried call opens the same session and a new
/// call after an abandoned one opens a fresh one.
/// </summary>
public sealed record FundContract(Guid ApplicationId, Guid UserId);

public static class FundContractHandler
{
    public static async Task<Outcome<Uri, ApplicationNotFoundError, NotYourTurnError, RoleRequiredError, ApplicationStateError, BillingNotConfiguredError, PaymentProviderError>> HandleAsync(
        FundContract command, IDocumentSession session, StripeGateway stripe, IOptions<MarketplaceOptions> options, IOptions<NexusUrls> urls, ILogger<FundContract> logger,
        DateTimeOffset now, CancellationToken ct)
    {
        var stream = await Parties.ForWritingAsync(session, command.ApplicationId, ct);
        if (stream?.Aggregate is not { } application || (await Parties.OfAsync(session, application, command.UserId, Role.Viewer, ct)) is not { Side: { } side } parties)
        {
            return new ApplicationNotFoundError();
        }

        if (side != Party.Brand)
        {
            return new NotYourTurnError("fund the contract");
        }

        if (parties.Brand!.Refuses(command.UserId, Role.Admin) is not null)
        {
            return new RoleRequiredError(Role.Admin);
        }

        if (application.Contract is not { Status: ContractStatus.AwaitingFunding } contract)
        {
            return new ApplicationStateError(application.Contract is { } c ? $"under contract ({c.Status.ToString().ToUpperInvariant()})" : application.Status.ToString().ToUpperInvariant(), "funded");
        }

        if (stripe.Client is not { } client)
        {
            return new BillingNotConfiguredError();
        }

        var campaign = await session.LoadAsync<Campaign>(application.CampaignId, ct);
        var back = options.Value.FundingReturnUrl?.Replace("{applicationId}", application.Id.ToString("N"), StringComparison.Ordinal)
            ?? $"{urls.Value.FrontendUrl.TrimEnd('/')}/marketplace/contracts/{application.Id:N}";
        Stripe.Checkout.Session checkout;
        try
        {
            checkout = await new Stripe.Checkout.SessionService(client).CreateAsync(new Stripe.Checkout.SessionCreateOptions
            {
                Mode = "payment",
                ClientReferenceId = application.Id.ToString(),
                Metadata = new Dictionary<string, string> { [ContractStripeEvents.MetadataKey] = application.Id.ToString() },
                PaymentIntentData = new Stripe.Checkout.SessionPaymentIntentDataOptions
                {
                    TransferGroup = ContractStripeEvents.TransferGroup(application.Id),
                    Metadata = new Dictionary<string, string> { [ContractStripeEvents.MetadataKey] = application.Id.ToString() },
                },
                LineItems =
                [
                    new Stripe.Checkout.SessionLineItemOptions
                    {
                        Quantity = 1,
                        PriceData = new Stripe.Checkout.SessionLineItemPriceDataOptions
                        {
                            Currency = contract.Currency.ToLowerInvariant(),
                            UnitAmount = contract.Total,
                            ProductData = new Stripe.Checkout.SessionLineItemPriceDataProductDataOptions { Name = $"Creator contract: {campaign?.Title ?? "campaign"}" },
                        },
                    },
                ],
                SuccessUrl = back + (back.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "funding=success",
                CancelUrl = back + (back.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "funding=cancelled",
                ExpiresAt = now.AddHours(24).UtcDateTime,
            }, new RequestOptions { IdempotencyKey = $"nexus-contract-{application.Id:N}-funding-v{application.Version}" }, ct);
        }
        catch (StripeException ex)
        {
            logger.LogWarning("Stripe refused a contract's checkout session ({Status} {Code})", (int)ex.HttpStatusCode, ex.StripeError?.Code);
            return new PaymentProviderError(ex.StripeError?.Code ?? ((int)ex.HttpStatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        stream.AppendOne(new ContractFundingOpened(application.Id, application.WorkspaceId, checkout.Id, now));
        return new Uri(checkout.Url);
    }
}

public sealed record FundContractInput([property: Id] string ApplicationId) : IApplicationInput;

public sealed class FundContractMutation() : Mutation<FundContractInput, FundContract, Uri>("fundContract",
    "Pays a contract's total on Stripe Checkout (send the browser to `url`); Nexus holds it until the work is done. The contract becomes ACTIVE when Stripe's webhook confirms the payment. ADMIN of the brand workspace.",
    Access.SignedIn.FirstPartyOnly(),
    Payload<Uri>.Of<StringGraphType>("url", "Stripe Checkout's page for this contract.", (_, url) => Task.FromResult<object?>(url.AbsoluteUri)),
    (input, caller) => new(MarketplaceIds.Of(input.ApplicationId, CampaignApplication.TypeName), caller.UserId));
