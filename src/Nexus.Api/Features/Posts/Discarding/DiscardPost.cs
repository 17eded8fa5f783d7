using GraphQL;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.Infrastructure.Identity;
using Wolverine.Marten;

namespace Nexus.Api.Features.Posts.Discarding;

/// <summary>Discards a post that was never sent to a platform (draft, scheduled or cancelled). Its events stay; the post is gone for readers.</summary>
public sealed record DiscardPost(Guid PostId, Guid UserId);

public static class DiscardPostHandler
{
    // A scheduled publication still fires, finds no post and does nothing.
    public static (Outcome<Guid, PostNotFoundError, PostStateError>, Events) Handle(DiscardPost command, [WriteAggregate(Required = false)] Post? post, DateTimeOffset now) =>
        post is null ? (new PostNotFoundError(), [])
        // No expected version is given, so the refusal can only be the post's state.
        : post.Refuses(PostAction.Discard, expectedVersion: null) is { Value: PostStateError refusal } ? (refusal, [])
        : (post.Id, [new PostDiscarded(post.Id, command.UserId, now)]);
}

public sealed record DiscardPostInput([property: Id] string PostId) : IPostInput;

public sealed class DiscardPostMutation() : Mutation<DiscardPostInput, DiscardPost, Guid>("discardPost",
    "Discards a post that was not sent to any platform yet (a draft, a scheduled or a cancelled post). `post` is null afterwards.",
    PostAccess.Needs(Role.Editor).Scope(AppScope.PostsWrite), PostPayloads.Post, (input, caller) => new(caller.PostId(), caller.ActorId));
