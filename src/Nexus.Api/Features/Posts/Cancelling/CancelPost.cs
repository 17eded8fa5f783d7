using GraphQL;
using GraphQL.Types;
using Marten;
using Nexus.Api.Features.Posts.Scheduling;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;

namespace Nexus.Api.Features.Posts.Cancelling;

/// <summary>Cancels a scheduled post before its time. It can be scheduled again; the pending message finds it cancelled and does nothing.</summary>
public sealed record CancelPost(Guid PostId, Guid UserId, int? ExpectedVersion);

public static class CancelPostHandler
{
    public static async Task<Outcome<Guid>> Handle(CancelPost command, IDocumentSession session, DateTimeOffset now, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Post>(command.PostId, ct);
        if (Scheduler.Refusal(stream.Aggregate, command.ExpectedVersion) is { } refusal)
        {
            return Outcome<Guid>.Fail(refusal);
        }

        var post = stream.Aggregate!;
        if (post.Status == PostStatus.Cancelled)
        {
            return Outcome<Guid>.Ok(post.Id);
        }

        if (post.Status != PostStatus.Scheduled)
        {
            return Outcome<Guid>.Fail(PostMutations.NotWhile(post, "be cancelled"));
        }

        stream.AppendOne(new PostCancelled(post.Id, command.UserId, now));
        return Outcome<Guid>.Ok(post.Id);
    }
}

[MutationType]
public sealed class CancelPostMutation : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.MutationField<CancelPostInputType, CancelPostPayloadType>("cancelPost",
                "Cancels a scheduled post before its time; it keeps its content and can be scheduled again.")
            .RequirePostRole(Role.Editor)
            .ResolveAsync(async ctx => await ctx.SendForPostAsync(new CancelPost(ctx.InputPostId(), ctx.UserId()!.Value, ctx.GetArgument<PostActionInput>("input").ExpectedVersion)));
}

public sealed class CancelPostInputType() : PostActionInputType("CancelPostInput");

public sealed class CancelPostPayloadType() : PostPayloadType<CancelPostErrorType>("CancelPostPayload");

public sealed class CancelPostErrorType() : ErrorUnionType("CancelPostError", typeof(PostNotFoundError), typeof(VersionConflictError), typeof(PostStateError));
