using GraphQL;
using GraphQL.Types;
using Marten;
using Nexus.Api.Features.Connections;
using Nexus.Api.Features.Posts.Scheduling;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Wolverine;
using Wolverine.Marten;

namespace Nexus.Api.Features.Posts.Queueing;

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

    public static (Outcome<Guid>, Events, OutgoingMessages) Handle(AddPostToQueue command, [WriteAggregate(Required = false)] Post? post, QueueState state,
        Preflight preflight, DateTimeOffset now)
    {
        if (post is null)
        {
            return PostScheduling.Refused(new PostNotFoundError());
        }

        if (post.Refuses(PostAction.Queue, command.ExpectedVersion) is { } refusal)
        {
            return PostScheduling.Refused(refusal);
        }

        if (state.Around.Workspace?.PostingSchedule is not { Slots.Count: > 0 } schedule || PostingQueue.NextFreeSlot(schedule, state.TakenSlots, now) is not { } slot)
        {
            return PostScheduling.Refused(new NoPostingScheduleError());
        }

        return PostScheduling.ScheduleAt(post, slot, fromQueue: true, command.UserId, preflight.Check(post, state.Around.Connections), now);
    }
}

[MutationType]
public sealed class AddPostToQueueMutation : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.MutationField<AddPostToQueueInputType, AddPostToQueuePayloadType>("addPostToQueue",
                "Schedules a post at the next free slot of the workspace's posting schedule (checked like schedulePost).")
            .RequirePostRole(Role.Editor)
            .ResolveAsync(async ctx => await ctx.SendForPostAsync(new AddPostToQueue(ctx.InputPostId(), ctx.UserId()!.Value, ctx.GetArgument<PostActionInput>("input").ExpectedVersion)));
}

public sealed class AddPostToQueueInputType() : PostActionInputType("AddPostToQueueInput");

public sealed class AddPostToQueuePayloadType() : PostPayloadType<AddPostToQueueErrorType>("AddPostToQueuePayload");

public sealed class AddPostToQueueErrorType() : ErrorUnionType("AddPostToQueueError",
    typeof(PostNotFoundError), typeof(VersionConflictError), typeof(PostStateError), typeof(NoPostingScheduleError), typeof(PlatformRuleError), typeof(NotConnectedError), typeof(EmptyPostError));
