using Marten;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Billing;
using Nexus.Api.Features.Connections;
using Nexus.Api.Features.Media.Using;
using Nexus.Api.Features.Posts.Scheduling;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.Infrastructure.Identity;
using Wolverine;
using Wolverine.Marten;

namespace Nexus.Api.Features.Posts.Queueing;

using AddPostToQueueOutcome = Outcome<Guid, PostNotFoundError, VersionConflictError, PostStateError, NoPostingScheduleError, PlatformRuleError, NotConnectedError, EmptyPostError, MediaDeletedError, PlanLimitError>;

/// <summary>
/// Schedules a post at the next slot of the workspace's posting schedule that no scheduled post holds. Two posts
/// racing for one slot: the unique queue-slot index refuses the second, which runs again and takes the next slot.
/// </summary>
public sealed record AddPostToQueue(Guid PostId, Guid UserId, int? ExpectedVersion);

public sealed record NoPostingScheduleError()
    : MutationError("NO_POSTING_SCHEDULE", "This workspace has no posting schedule (or no free slot in the next 8 weeks); an admin sets one with setPostingSchedule.", ["input", "postId"]);

/// <summary>The post's workspace, its targets' connections, and the queue slots scheduled posts hold: one round trip.</summary>
public sealed record QueueState(PostSurroundings Around, IReadOnlySet<long> TakenSlots);

public static class AddPostToQueueHandler
{
    public static async Task<QueueState> LoadAsync(Post? post, IQuerySession session, DateTimeOffset now, CancellationToken ct)
    {
        if (post is null)
        {
            return new(PostSurroundings.None, new HashSet<long>());
        }

        var batch = session.CreateBatchQuery();
        var workspace = batch.Load<Workspace>(post.WorkspaceId);
        var connections = batch.LoadMany<Connection>().ById([.. post.Targets.Select(t => t.ConnectionId).Distinct()]);
        var taken = PostingQueue.TakenSlots(batch, post.WorkspaceId, now);
        await batch.Execute(ct);
        return new(new(await workspace, (await connections).ToDictionary(c => c.Id)), (await taken).Select(p => p.ScheduledAt!.Value.UtcTicks).ToHashSet());
    }

    public static async Task<(MediaUses, PlanRoom)> BeforeAsync(Post? post, QueueState state, IDocumentSession session, IOptions<BillingOptions> billing,
        DateTimeOffset now, CancellationToken ct) =>
        (await MediaUses.ForPostAsync(post, session, ct),
            await PostPlanLimits.CheckAsync(session, billing.Value, post,
                state.Around.Workspace?.PostingSchedule is { Slots.Count: > 0 } schedule ? PostingQueue.NextFreeSlot(schedule, state.TakenSlots, now)?.Instant : null, now, ct));

    public static (AddPostToQueueOutcome, Events, OutgoingMessages) Handle(AddPostToQueue command, [WriteAggregate(Required = false)] Post? post, QueueState state,
        Preflight preflight, DateTimeOffset now, MediaUses? media = null, PlanRoom? plan = null)
    {
        if (post is null)
        {
            return (new PostNotFoundError(), [], []);
        }

        if (post.Refuses(PostAction.Queue, command.ExpectedVersion) is { } refusal)
        {
            return (refusal.Match<AddPostToQueueOutcome>(e => e, e => e), [], []);
        }

        // A free slot is always ahead of now: no IN_THE_PAST here.
        if (state.Around.Workspace?.PostingSchedule is not { Slots.Count: > 0 } schedule || PostingQueue.NextFreeSlot(schedule, state.TakenSlots, now) is not { } slot)
        {
            return (new NoPostingScheduleError(), [], []);
        }

        if (preflight.Check(post, state.Around.Connections) is { Count: > 0 } issues)
        {
            return (AddPostToQueueOutcome.Fail(issues.Select(i => i.ToError().Match<AddPostToQueueOutcome.Error>(e => e, e => e, e => e))), [], []);
        }

        if (media?.Refusal(post.WorkspaceId) is { } gone)
        {
            return (gone, [], []);
        }

        if (plan?.Refusal is { } full)
        {
            return (full, [], []);
        }

        media?.Record(post.Id, now);
        var (scheduled, due) = PostScheduling.ScheduleAt(post, slot, fromQueue: true, command.UserId, now);
        return (post.Id, [scheduled], [due]);
    }
}

public sealed class AddPostToQueueMutation() : Mutation<PostActionInput, AddPostToQueue, Guid>("addPostToQueue",
    "Schedules a post at the next free slot of the workspace's posting schedule (checked like schedulePost).",
    PostAccess.Needs(Role.Editor).Scope(AppScope.PostsWrite), PostPayloads.Post, (input, caller) => new(caller.PostId(), caller.ActorId, input.ExpectedVersion));
