using System.Text.Json;
using Marten;
using Nexus.Api.Features.Billing;
using Nexus.Api.Features.Billing.Subscribing;
using Nexus.Api.Features.Marketplace.Payouts;
using Nexus.Api.Features.Storefront;
using Stripe;
using Wolverine;
using static Nexus.Api.Features.Billing.Subscribing.StripeJson;

namespace Nexus.Api.Features.Marketplace.Funding;

/// <summary>
/// The Stripe events about the marketplace: a contract's Checkout Session (the brand paid) and a creator's Connect
/// account (payouts enabled or not). As for orders, the event only says what to look at: what Stripe answers now is
/// what is recorded, so a late, repeated or reordered event leaves one state.
/// </summary>
public static class ContractStripeEvents
{
    public const string MetadataKey = "applicationId";

    public static string TransferGroup(Guid applicationId) => $"contract-{applicationId:N}";

    /// <summary>The event's effects; null when it is about neither a contract nor a creator's account.</summary>
    public static async Task<OutgoingMessages?> TryApplyAsync(StripeEventRecord record, IDocumentSession session, StripeGateway stripe, ILogger logger, DateTimeOffset now,
        CancellationToken ct)
    {
        using var json = JsonDocument.Parse(record.Body);
        if (!json.RootElement.TryGetProperty("data", out var data) || !data.TryGetProperty("object", out var obj) || obj.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (Str(obj, "object") == "checkout.session" && GuidOf(Metadata(obj, MetadataKey)) is { } applicationId && applicationId != Guid.Empty)
        {
            return await FundedAsync(Str(obj, "id"), applicationId, session, Client(stripe), logger, now, ct);
        }

        if (Str(obj, "object") == "account" && Str(obj, "id") is { Length: > 0 } account &&
            await session.Query<CreatorProfile>().FirstOrDefaultAsync(p => p.StripeAccountId == account, ct) is { } profile)
        {
            return await CreatorPayouts.RecordAccountAsync(profile, session, Client(stripe), now, ct);
        }

        return null;
    }

    private static IStripeClient Client(StripeGateway stripe) =>
        stripe.Client ?? throw new InvalidOperationException("Stripe's secret key is not configured: the event cannot be checked.");

    private static async Task<OutgoingMessages> FundedAsync(string? sessionId, Guid applicationId, IDocumentSession session, IStripeClient client, ILogger logger, DateTimeOffset now,
        CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<CampaignApplication>(applicationId, ct);
        if (sessionId is null || stream.Aggregate is not { Contract: { } contract } application)
        {
            logger.LogWarning("A Stripe checkout event names a contract Nexus does not know; ignored");
            return [];
        }

        if (contract.IsFunded)
        {
            return [];
        }

        Stripe.Checkout.Session checkout;
        try
        {
            checkout = await new Stripe.Checkout.SessionService(client).GetAsync(sessionId, null, null, ct);
        }
        catch (StripeException ex) when (ex.HttpStatusCode == System.Net.HttpStatusCode.NotFound)
        {
            logger.LogWarning("A Stripe checkout event names a session Stripe does not know; ignored");
            return [];
        }

        // Nexus set the metadata when it opened the session: a session of another contract (or forged ids) is not this one's payment.
        if (checkout.Metadata?.GetValueOrDefault(MetadataKey) != application.Id.ToString() || checkout.Status != "complete" || checkout.PaymentStatus != "paid" ||
            checkout.AmountTotal != contract.Total || !string.Equals(checkout.Currency, contract.Currency, StringComparison.OrdinalIgnoreCase))
        {
            return [];
        }

        stream.AppendOne(new ContractFunded(application.Id, application.WorkspaceId, checkout.PaymentIntentId, contract.Total, contract.Currency, now));
        var amount = new Money(contract.Total, contract.Currency).Display();
        return [.. await Parties.TellAsync(session, application, Party.Creator, "marketplace-funded", "The brand funded your contract: you can start",
            $"Nexus holds {amount} for this contract. Draft each deliverable's post in your workspace and submit it (submitDeliverable).", ct)];
    }
}
