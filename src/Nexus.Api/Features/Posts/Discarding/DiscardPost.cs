using GraphQL.Types;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Wolverine.Marten;

namespace Nexus.Api.Features.Posts.Discarding;

/// <summary>Discards a post that was never sent to a platform (draft, scheduled or cancelled). Its events stay; the post is gone for readers.</summary>
public sealed record DiscardPost(Guid PostId, Guid UserId);

public static class DiscardPostHandler
{
    // A scheduled publication still fires, finds no post and does nothing.
    public static (Outcome<Guid>, Events) Handle(DiscardPost command, [WriteAggregate(Required = false)] Post? post, DateTimeOffset now) =>
        post is null ? (Outcome<Guid>.Fail(new PostNotFoundError()), [])
        : post.Refuses(PostAction.Discard, expectedVersion: null) is { } refusal ? (Outcome<Guid>.Fail(refusal), [])
        : (Outcome<Guid>.Ok(post.Id), [new PostDiscarded(post.Id, command.UserId, now)]);
}

public sealed record DiscardPostInput(string PostId) : IPostInput;

[MutationType]
public sealed class DiscardPostMutation : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.MutationField<DiscardPostInputType, DiscardPostPayloadType>("discardPost",
                "Discards a post that was not sent to any platform yet (a draft, a scheduled or a cancelled post). `post` is null afterwards.")
            .RequirePostRole(Role.Editor)
            .ResolveAsync(async ctx => await ctx.SendForPostAsync(new DiscardPost(ctx.InputPostId(), ctx.UserId()!.Value)));
}

public sealed class DiscardPostInputType : InputObjectGraphType<DiscardPostInput>
{
    public DiscardPostInputType()
    {
        Name = "DiscardPostInput";
        Field<NonNullGraphType<IdGraphType>>("postId");
    }
}

public sealed class DiscardPostPayloadType() : PostPayloadType<DiscardPostErrorType>("DiscardPostPayload");

public sealed class DiscardPostErrorType() : ErrorUnionType("DiscardPostError", typeof(PostNotFoundError), typeof(PostStateError));
