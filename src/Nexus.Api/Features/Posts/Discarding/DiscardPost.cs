using GraphQL.Types;
using Marten;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;

namespace Nexus.Api.Features.Posts.Discarding;

/// <summary>Discards a post that was never sent to a platform (draft, scheduled or cancelled). Its events stay; the post is gone for readers.</summary>
public sealed record DiscardPost(Guid PostId, Guid UserId);

public static class DiscardPostHandler
{
    public static async Task<Outcome<Guid>> Handle(DiscardPost command, IDocumentSession session, DateTimeOffset now, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Post>(command.PostId, ct);
        if (stream.Aggregate is not { } post)
        {
            return Outcome<Guid>.Fail(new PostNotFoundError());
        }

        if (!post.IsEditable)
        {
            return Outcome<Guid>.Fail(PostMutations.NotWhile(post, "be discarded"));
        }

        // A scheduled publication still fires, finds no post and does nothing.
        stream.AppendOne(new PostDiscarded(post.Id, command.UserId, now));
        return Outcome<Guid>.Ok(post.Id);
    }
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
