using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.Infrastructure.Identity;
using Wolverine.Marten;

namespace Nexus.Api.Features.Posts.Cancelling;

using CancelPostOutcome = Outcome<Guid, PostNotFoundError, VersionConflictError, PostStateError>;

/// <summary>Cancels a scheduled post before its time. It can be scheduled again; the pending message finds it cancelled and does nothing.</summary>
public sealed record CancelPost(Guid PostId, Guid UserId, int? ExpectedVersion);

public static class CancelPostHandler
{
    public static (CancelPostOutcome, Events) Handle(CancelPost command, [WriteAggregate(Required = false)] Post? post, DateTimeOffset now) =>
        post is null ? (new PostNotFoundError(), [])
        : post.Status == PostStatus.Cancelled ? (post.Id, [])
        : post.Refuses(PostAction.Cancel, command.ExpectedVersion) is { } refusal ? (refusal.Match<CancelPostOutcome>(e => e, e => e), [])
        : (post.Id, [new PostCancelled(post.Id, command.UserId, now)]);
}

public sealed class CancelPostMutation() : Mutation<PostActionInput, CancelPost, Guid>("cancelPost",
    "Cancels a scheduled post before its time; it keeps its content and can be scheduled again.",
    PostAccess.Needs(Role.Editor).Scope(AppScope.PostsWrite), PostPayloads.Post, (input, caller) => new(caller.PostId(), caller.ActorId, input.ExpectedVersion));
