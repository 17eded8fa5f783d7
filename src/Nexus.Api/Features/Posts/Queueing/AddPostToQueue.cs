using GraphQL;
using GraphQL.Types;
using Marten;
using Nexus.Api.Features.Posts.Scheduling;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Wolverine;

namespace Nexus.Api.Features.Posts.Queueing;

/// <summary>
/// Schedules a post at the next slot of the workspace's posting schedule that no scheduled post holds. Two posts
/// racing for one slot: the unique queue-slot index refuses the second, which runs again and takes the next slot.
/// </summary>
public sealed record AddPostToQueue(Guid PostId, Guid UserId, int? ExpectedVersion);

public sealed record NoPostingScheduleError()
    : MutationError("NO_POSTING_SCHEDULE", "This workspace has no posting schedule (or no free slot in the next 8 weeks); an admin sets one with setPostingSchedule.", ["input", "postId"]);

public static class AddPostToQueueHandler
{
    public static async Task<(Outcome<Guid>, OutgoingMessages)> Handle(AddPostToQueue command, IDocumentSession session, Preflight preflight, DateTimeOffset now, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Post>(command.PostId, ct);
        if (Scheduler.Refusal(stream.Aggregate, command.ExpectedVersion) is { } refusal)
        {
            return (Outcome<Guid>.Fail(refusal), []);
        }

        var post = stream.Aggregate!;
        if (post.Status is not (PostStatus.Draft or PostStatus.Cancelled or PostStatus.Scheduled))
        {
            return (Outcome<Guid>.Fail(PostMutations.NotWhile(post, "be queued")), []);
        }

        var workspace = await session.LoadAsync<Workspace>(post.WorkspaceId, ct);
        if (workspace?.PostingSchedule is not { Slots.Count: > 0 } schedule ||
            await PostingQueue.NextFreeSlotAsync(schedule, post.WorkspaceId, now, session, ct) is not { } slot)
        {
            return (Outcome<Guid>.Fail(new NoPostingScheduleError()), []);
        }

        return await Scheduler.ScheduleAtAsync(stream, slot, fromQueue: true, command.UserId, session, preflight, now, ct);
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
