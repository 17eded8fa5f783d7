using System.Globalization;
using System.Text.Json;
using Marten;
using Nexus.Api.Features.Accounts;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.Infrastructure;
using Nexus.Api.Infrastructure.Email;
using Stripe;
using Wolverine;
using static Nexus.Api.Features.Billing.Subscribing.StripeJson;

namespace Nexus.Api.Features.Billing.Subscribing;

/// <summary>
/// What a Stripe event changes. Events arrive late, twice and out of order, so none is trusted for the subscription's
/// state: each one that concerns a subscription makes Nexus fetch it (<c>GET /v1/subscriptions/{id}</c>) after reading
/// the workspace's stream and record what Stripe says now. A change that commits between the read and the append
/// breaks the stream's version and the processing runs again with a newer fetch, so the last commit is never older
/// than the one before it.
/// </summary>
public static class StripeEffects
{
    public static async Task<OutgoingMessages> ApplyAsync(StripeEventRecord record, IDocumentSession session, StripeGateway stripe, BillingOptions billing,
        NexusUrls urls, ILogger logger, DateTimeOffset now, CancellationToken ct)
    {
        using var json = JsonDocument.Parse(record.Body);
        if (!json.RootElement.TryGetProperty("data", out var data) || !data.TryGetProperty("object", out var obj) || obj.ValueKind != JsonValueKind.Object)
        {
            return [];
        }

        string? subscriptionId;
        Guid? workspaceId;
        switch (Str(obj, "object"))
        {
            case "checkout.session" when Str(obj, "mode") == "subscription":
                subscriptionId = Str(obj, "subscription");
                workspaceId = GuidOf(Str(obj, "client_reference_id")) ?? WorkspaceIn(obj);
                break;
            case "subscription":
                subscriptionId = Str(obj, "id");
                workspaceId = WorkspaceIn(obj);
                break;
            case "invoice":
                var details = obj.TryGetProperty("parent", out var parent) && parent.ValueKind == JsonValueKind.Object &&
                    parent.TryGetProperty("subscription_details", out var d) && d.ValueKind == JsonValueKind.Object ? d : (JsonElement?)null;
                subscriptionId = (details is { } sd ? Str(sd, "subscription") : null) ?? Str(obj, "subscription");
                workspaceId = (details is { } md ? WorkspaceIn(md) : null) ?? WorkspaceIn(obj);
                workspaceId ??= await WorkspaceOfCustomerAsync(session, Str(obj, "customer"), ct);
                if (workspaceId is { } invoiceWorkspace)
                {
                    await RecordInvoiceAsync(session, invoiceWorkspace, obj, ct);
                }

                break;
            default:
                return [];
        }

        if (subscriptionId is null)
        {
            return [];
        }

        if (stripe.Client is not { } client)
        {
            throw new InvalidOperationException("Stripe's secret key is not configured: the subscription cannot be fetched.");
        }

        workspaceId ??= await WorkspaceOfCustomerAsync(session, Str(obj, "customer"), ct);
        if (workspaceId is not { } id)
        {
            logger.LogWarning("Stripe event {EventId} names no workspace Nexus knows; ignored", record.Id);
            return [];
        }

        // The stream is read before the fetch: see the class comment.
        var stream = await session.Events.FetchForWriting<Workspace>(id, ct);
        if (stream.Aggregate is not { } workspace)
        {
            return [];
        }

        Subscription subscription;
        try
        {
            subscription = await new SubscriptionService(client).GetAsync(subscriptionId, null, null, ct);
        }
        catch (StripeException ex) when (ex.HttpStatusCode == System.Net.HttpStatusCode.NotFound)
        {
            logger.LogWarning("Stripe event {EventId} names a subscription Stripe does not know; ignored", record.Id);
            return [];
        }

        if (GuidOf(subscription.Metadata?.GetValueOrDefault("workspaceId")) is { } owner && owner != id)
        {
            logger.LogWarning("Stripe event {EventId}: the subscription belongs to another workspace; ignored", record.Id);
            return [];
        }

        var changed = Changed(id, subscription, billing, now);
        var before = workspace.Subscription;
        // A former subscription's late news (it ended) does not end the one the workspace has now.
        if (before is { StripeSubscriptionId: { } current } && current != subscription.Id && IsLive(before.Status) && !IsLive(changed.Status))
        {
            return [];
        }

        if (before is not null && Same(before, changed))
        {
            return [];
        }

        stream.AppendOne(changed);
        if (changed.Status != SubscriptionStatus.PastDue || before?.Status == SubscriptionStatus.PastDue)
        {
            return [];
        }

        return await PastDueEmailsAsync(session, workspace, now + billing.PastDueGrace, urls, ct);
    }

    public static WorkspaceSubscriptionChanged Changed(Guid workspaceId, Subscription subscription, BillingOptions billing, DateTimeOffset now)
    {
        var item = subscription.Items?.Data?.FirstOrDefault();
        var priceId = item?.Price?.Id;
        var (plan, interval) = billing.Plans
            .SelectMany(p => p.Value.StripePrices.Select(price => (Plan: p.Key, Interval: price.Key, Price: price.Value)))
            .Where(p => p.Price == priceId && priceId is not null)
            .Select(p => ((string?)p.Plan, (BillingInterval?)p.Interval)).FirstOrDefault();
        plan ??= subscription.Metadata?.GetValueOrDefault("plan") is { } named && billing.Plans.ContainsKey(named) ? named : billing.FreePlan;
        interval ??= item?.Price?.Recurring?.Interval switch { "month" => BillingInterval.Month, "year" => BillingInterval.Year, _ => null };
        return new WorkspaceSubscriptionChanged(workspaceId, plan, StatusOf(subscription.Status), interval, Utc(item?.CurrentPeriodEnd), Utc(subscription.TrialEnd),
            subscription.CancelAtPeriodEnd, subscription.CustomerId, subscription.Id, now);
    }

    public static SubscriptionStatus StatusOf(string? status) => status switch
    {
        "trialing" => SubscriptionStatus.Trialing,
        "active" => SubscriptionStatus.Active,
        "past_due" => SubscriptionStatus.PastDue,
        "canceled" => SubscriptionStatus.Canceled,
        "unpaid" => SubscriptionStatus.Unpaid,
        "incomplete" => SubscriptionStatus.Incomplete,
        "incomplete_expired" => SubscriptionStatus.IncompleteExpired,
        "paused" => SubscriptionStatus.Paused,
        _ => SubscriptionStatus.None,
    };

    private static bool IsLive(SubscriptionStatus status) =>
        status is SubscriptionStatus.Trialing or SubscriptionStatus.Active or SubscriptionStatus.PastDue or SubscriptionStatus.Unpaid or SubscriptionStatus.Paused;

    private static bool Same(WorkspaceSubscription a, WorkspaceSubscriptionChanged b) =>
        a.Plan == b.Plan && a.Status == b.Status && a.Interval == b.Interval && a.CurrentPeriodEnd == b.CurrentPeriodEnd && a.TrialEnd == b.TrialEnd &&
        a.CancelAtPeriodEnd == b.CancelAtPeriodEnd && a.StripeCustomerId == b.StripeCustomerId && a.StripeSubscriptionId == b.StripeSubscriptionId;

    private static DateTimeOffset? Utc(DateTime? value) =>
        value is { } v && v > DateTime.UnixEpoch ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;

    private static async Task<OutgoingMessages> PastDueEmailsAsync(IDocumentSession session, Workspace workspace, DateTimeOffset graceEnd, NexusUrls urls, CancellationToken ct)
    {
        var admins = await session.LoadManyAsync<User>(ct, workspace.Members.Where(m => m.Value >= Role.Admin).Select(m => m.Key));
        var link = $"{urls.FrontendUrl.TrimEnd('/')}/billing";
        var messages = new OutgoingMessages();
        foreach (var admin in admins)
        {
            messages.Add(new SendEmail(new EmailMessage("subscription-past-due", admin.Email, $"Payment failed for \"{workspace.Name}\"",
                $"""
                Stripe could not charge the payment method of "{workspace.Name}", so its subscription is past due.

                The workspace keeps its plan until {graceEnd.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)} while Stripe tries again.
                After that it moves to the free plan until the payment goes through.

                Update the payment method: {link}
                """)));
        }

        return messages;
    }

    /// <summary>
    /// Upserts the invoice into the billing history. Its statuses only move forward (draft, open, then paid,
    /// uncollectible or void), so a late event about an earlier status leaves the later one.
    /// </summary>
    private static async Task RecordInvoiceAsync(IDocumentSession session, Guid workspaceId, JsonElement obj, CancellationToken ct)
    {
        if (Str(obj, "id") is not { Length: > 0 and <= 255 } invoiceId)
        {
            return;
        }

        var status = Str(obj, "status") ?? "open";
        if (await session.LoadAsync<BillingInvoice>(invoiceId, ct) is { } known && Rank(known.Status) > Rank(status))
        {
            return;
        }

        var created = Seconds(obj, "created") ?? DateTimeOffset.UnixEpoch;
        session.Store(new BillingInvoice(invoiceId, workspaceId, Str(obj, "number"), status, (Str(obj, "currency") ?? "").ToUpperInvariant(),
            Long(obj, "total") ?? Long(obj, "amount_due") ?? 0, Long(obj, "amount_due") ?? 0, Long(obj, "amount_paid") ?? 0,
            Seconds(obj, "period_start"), Seconds(obj, "period_end"), Str(obj, "hosted_invoice_url"), created, BillingInvoice.SortKeyOf(created, invoiceId)));
    }

    private static int Rank(string status) => status switch { "draft" => 0, "open" => 1, _ => 2 };

    private static async Task<Guid?> WorkspaceOfCustomerAsync(IDocumentSession session, string? customer, CancellationToken ct) =>
        customer is null ? null
            : (await session.Query<Workspace>().Where(w => w.Subscription!.StripeCustomerId == customer).Take(1).ToListAsync(ct)) is [var first, ..] ? first.Id : null;

}
