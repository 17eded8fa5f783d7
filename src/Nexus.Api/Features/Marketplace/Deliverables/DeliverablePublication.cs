using Marten;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Marketplace.Payouts;
using Nexus.Api.Features.Media.Using;
using Nexus.Api.Features.Posts;
using Nexus.Api.Features.Posts.PublishingNow;
using Nexus.Api.Features.Posts.Scheduling;
using Nexus.Api.GraphQL;
using Wolverine;

namespace Nexus.Api.Features.Marketplace.Deliverables;

/// <summary>An approved deliverable's post goes to Nexus's publishing pipeline, as the creator, once the approval is committed.</summary>
public sealed record PublishDeliverable(Guid ApplicationId, int Index, Guid PostId, DateTimeOffset PublishAt);

/// <summary>Looks at an approved deliverable's post: published (the contract links it), failed (back to the creator), or not yet (again later).</summary>
public sealed record CheckDeliverablePublication(Guid ApplicationId, int Index, Guid PostId, DateTimeOffset Since);

public static class DeliverablePublicationHandler
{
    /// <summary>Below this, "at <c>PublishAt</c>" is "now": the pipeline refuses a schedule in the past, and a few seconds make no difference.</summary>
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(10);

    public static async Task<OutgoingMessages> HandleAsync(PublishDeliverable message, IDocumentSession session, IMessageBus bus, IOptions<MarketplaceOptions> options,
        DateTimeOffset now, CancellationToken ct)
    {
        if (await session.LoadAsync<CampaignApplication>(message.ApplicationId, ct) is not { Contract: { } contract } application ||
            contract.Deliverables.FirstOrDefault(d => d.Index == message.Index) is not { Status: DeliverableStatus.Approved } deliverable || deliverable.PostId != message.PostId ||
            await session.LoadAsync<Post>(message.PostId, ct) is not { } post)
        {
            return [];
        }

        // A redelivery after the post was handed over finds it scheduled or further: only the check remains.
        if (post.Status == PostStatus.Draft)
        {
            OutcomeOf<Guid> handed = message.PublishAt > now + Soon
                ? await bus.InvokeAsync<Outcome<Guid, PostNotFoundError, VersionConflictError, PostStateError, InThePastError, PlatformRuleError, NotConnectedError, EmptyPostError, MediaDeletedError,
                    Billing.PlanLimitError>>(new SchedulePost(post.Id, application.CreatorUserId, message.PublishAt, null, null, deliverable.PostVersion), ct)
                : await bus.InvokeAsync<Outcome<Guid, PostNotFoundError, VersionConflictError, PostStateError, PlatformRuleError, NotConnectedError, EmptyPostError, MediaDeletedError,
                    Billing.PlanLimitError>>(new PublishPostNow(post.Id, application.CreatorUserId, deliverable.PostVersion), ct);
            if (handed.Errors is [var refused, ..])
            {
                return await BackToCreatorAsync(session, application, deliverable, $"Nexus could not publish the post: {refused.Message}", now, ct);
            }
        }

        return [new CheckDeliverablePublication(application.Id, deliverable.Index, post.Id, now).ScheduledAt(Later(message.PublishAt, now, options.Value))];
    }

    public static async Task<OutgoingMessages> HandleAsync(CheckDeliverablePublication message, IDocumentSession session, IOptions<MarketplaceOptions> options, DateTimeOffset now,
        CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<CampaignApplication>(message.ApplicationId, ct);
        if (stream.Aggregate is not { Contract: { Status: ContractStatus.Active } contract } application ||
            contract.Deliverables.FirstOrDefault(d => d.Index == message.Index) is not { Status: DeliverableStatus.Approved } deliverable || deliverable.PostId != message.PostId)
        {
            return [];
        }

        var post = await session.LoadAsync<Post>(message.PostId, ct);
        var target = post?.Targets.FirstOrDefault(t => t.Platform == deliverable.Platform);
        if (post is null || target is null || post.Status == PostStatus.Cancelled || target.Status is TargetStatus.Failed or TargetStatus.Unconfirmed or TargetStatus.Cancelled)
        {
            var why = target?.LastError?.Message is { } error ? $"Publishing failed: {error}" : "The post was not published.";
            return await BackToCreatorAsync(session, application, deliverable, why, now, ct, stream);
        }

        if (target.Status != TargetStatus.Published)
        {
            return post.ScheduledAt is { } at && now - at > options.Value.PublicationWait
                ? await BackToCreatorAsync(session, application, deliverable, "The post was not published in time.", now, ct, stream)
                : [message.ScheduledAt(Later(post.ScheduledAt ?? now, now, options.Value))];
        }

        stream.AppendOne(new DeliverablePublished(application.Id, application.WorkspaceId, deliverable.Index, post.Id, target.Id, target.ExternalUrl, target.PublishedAt ?? now));
        OutgoingMessages messages = [];
        if (contract.Deliverables.All(d => d.Index == deliverable.Index || d.Status == DeliverableStatus.Published))
        {
            var ends = now + options.Value.ReviewWindow;
            stream.AppendOne(new ContractInReview(application.Id, application.WorkspaceId, ends, now));
            messages.Add(new ReleaseContractPayment(application.Id).ScheduledAt(ends));
            messages.AddRange(await Parties.TellAsync(session, application, Party.Brand, "marketplace-review", "Every deliverable is published",
                $"Every deliverable of the contract is published. Approve the work (approveContract) or dispute it (disputeContract) before {ends:u}; then the creator is paid.", ct));
        }

        return messages;
    }

    private static DateTimeOffset Later(DateTimeOffset publishAt, DateTimeOffset now, MarketplaceOptions options) =>
        (publishAt > now ? publishAt : now) + options.PublicationCheckInterval;

    private static async Task<OutgoingMessages> BackToCreatorAsync(IDocumentSession session, CampaignApplication application, ContractDeliverable deliverable, string why,
        DateTimeOffset now, CancellationToken ct, JasperFx.Events.IEventStream<CampaignApplication>? stream = null)
    {
        stream ??= await session.Events.FetchForWriting<CampaignApplication>(application.Id, ct);
        // Nexus itself asks for the change (no person): recorded by the empty id, as events record an app acting alone by its id.
        stream.AppendOne(new DeliverableChangesRequested(application.Id, application.WorkspaceId, deliverable.Index, why, Guid.Empty, now));
        return [.. await Parties.TellAsync(session, application, Party.Creator, "marketplace-publish-failed", "A deliverable was not published",
            $"Deliverable {deliverable.Index + 1}: {why}\n\nFix the post and submit it again (submitDeliverable).", ct)];
    }
}
