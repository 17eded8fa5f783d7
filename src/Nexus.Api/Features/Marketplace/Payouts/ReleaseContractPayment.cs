using Marten;
using Nexus.Api.Features.Billing;
using Nexus.Api.Features.Posts;
using Nexus.Api.Features.Storefront;
using Stripe;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Runtime.Handlers;

namespace Nexus.Api.Features.Marketplace.Payouts;

/// <summary>
/// Pays the creator their share of a contract, once: when every deliverable is published and still live, the brand
/// approved or the review window passed, nothing is disputed, and Stripe can pay the creator's account. Sent by
/// <c>approveContract</c>, by the review window's timer, and when a creator's payouts become enabled; each finds the
/// contract as it is and does nothing when it is not due.
/// </summary>
/// <remarks>
/// The transfer is one Stripe call keyed by the contract (<c>nexus-contract-…-payout</c>): two deliveries racing, or a
/// retry after the answer was lost, get the same transfer from Stripe, and the contract's stream, appended at the
/// version read, records it once.
/// </remarks>
public sealed record ReleaseContractPayment(Guid ApplicationId);

public static class ReleaseContractPaymentHandler
{
    /// <summary>How long a release waits for the creator to finish setting up payouts before it looks again (their webhook also sends it).</summary>
    public static readonly TimeSpan PayoutSetupWait = TimeSpan.FromHours(6);

    public static void Configure(HandlerChain chain) =>
        chain.OnException(e => e is StripeException or HttpRequestException)
            .RetryWithCooldown(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5))
            .Then.ScheduleRetry(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(10), TimeSpan.FromHours(1), TimeSpan.FromHours(6));

    public static async Task<OutgoingMessages> HandleAsync(ReleaseContractPayment message, IDocumentSession session, StripeGateway stripe, ILogger<ReleaseContractPayment> logger,
        TimeProvider clock, CancellationToken ct)
    {
        // The review window is judged on the application's clock (TimeProvider), which tests move past the window.
        var now = clock.GetUtcNow();
        var stream = await session.Events.FetchForWriting<CampaignApplication>(message.ApplicationId, ct);
        if (stream.Aggregate is not { Contract: { Status: ContractStatus.InReview, PaidAt: null } contract } application ||
            (contract.ApprovedAt is null && (contract.ReviewEndsAt is not { } ends || ends > now)))
        {
            return [];
        }

        // Done means published and still live: a post taken down since does not count, and the work goes back to the creator.
        var posts = (await session.LoadManyAsync<Post>(ct, contract.Deliverables.Where(d => d.PostId is not null).Select(d => d.PostId!.Value).Distinct()))
            .ToDictionary(p => p.Id);
        var gone = contract.Deliverables.Where(d => d.TargetId is not { } target || d.PostId is not { } post || !posts.TryGetValue(post, out var p) ||
            p.Target(target) is not { Status: TargetStatus.Published }).ToList();
        if (gone.Count > 0)
        {
            foreach (var deliverable in gone)
            {
                stream.AppendOne(new DeliverableRemoved(application.Id, application.WorkspaceId, deliverable.Index, "The published post is no longer live.", now));
            }

            return [.. await Parties.TellAsync(session, application, Party.Creator, "marketplace-removed", "A deliverable is no longer live",
                "A published deliverable of your contract is no longer live, so the payment is not released. Publish it again (submitDeliverable).", ct)];
        }

        if (stripe.Client is not { } client)
        {
            throw new InvalidOperationException("Stripe's secret key is not configured: the contract cannot be paid.");
        }

        var profile = await session.Query<CreatorProfile>().FirstOrDefaultAsync(p => p.UserId == application.CreatorUserId, ct);
        if (profile?.StripeAccountId is not { } account || !(await new AccountService(client).GetAsync(account, null, null, ct)).PayoutsEnabled)
        {
            Log.WaitingForPayouts(logger, application.Id);
            return [
                .. await Parties.TellAsync(session, application, Party.Creator, "marketplace-payout-setup", "Set up payouts to be paid",
                    $"{new Money(contract.CreatorShare, contract.Currency).Display()} is ready for you. Finish your payout set-up (startCreatorPayouts) to receive it.", ct),
                message.ScheduledAt(now + PayoutSetupWait),
            ];
        }

        var transfer = await new TransferService(client).CreateAsync(new TransferCreateOptions
        {
            Amount = contract.CreatorShare,
            Currency = contract.Currency.ToLowerInvariant(),
            Destination = account,
            TransferGroup = Funding.ContractStripeEvents.TransferGroup(application.Id),
            Metadata = new Dictionary<string, string> { [Funding.ContractStripeEvents.MetadataKey] = application.Id.ToString() },
        }, new RequestOptions { IdempotencyKey = $"nexus-contract-{application.Id:N}-payout" }, ct);
        stream.AppendOne(new ContractPaidOut(application.Id, application.WorkspaceId, transfer.Id, contract.CreatorShare, contract.PlatformFee, contract.Currency, now));
        await CampaignCompletion.CheckAsync(session, await session.Events.FetchForWriting<Campaign>(application.CampaignId, ct), application.Id, now, ct);
        var share = new Money(contract.CreatorShare, contract.Currency).Display();
        return [
            .. await Parties.TellAsync(session, application, Party.Creator, "marketplace-paid", $"You were paid {share}",
                $"Nexus transferred {share} to your Stripe account for this contract. Rate the brand (rateContract).", ct),
            .. await Parties.TellAsync(session, application, Party.Brand, "marketplace-paid", "Contract completed and paid",
                $"The creator was paid {share} (Nexus kept {new Money(contract.PlatformFee, contract.Currency).Display()}). Rate the creator (rateContract).", ct),
        ];
    }
}

internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Contract {ApplicationId} is due but its creator cannot be paid yet")]
    public static partial void WaitingForPayouts(ILogger logger, Guid applicationId);
}
