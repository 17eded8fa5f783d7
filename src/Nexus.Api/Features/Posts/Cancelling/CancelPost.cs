using GraphQL;
using GraphQL.Types;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Wolverine.Marten;

namespace Nexus.Api.Features.Posts.Cancelling;

/// <summary>Cancels a scheduled post before its time. It can be scheduled again; the pending message finds it cancelled and does nothing.</summary>
public sealed record CancelPost(Guid PostId, Guid UserId, int? ExpectedVersion);

public static class CancelPostHandler
{
    public static (Outcome<Guid>, Events) Handle(CancelPost command, [WriteAggregate(Required = false)] Post? post, DateTimeOffset now) =>
        post is null ? (Outcome<Guid>.Fail(new PostNotFoundError()), [])
        : post.Status == PostStatus.Cancelled ? (Outcome<Guid>.Ok(post.Id), [])
        : post.Refuses(PostAction.Cancel, command.ExpectedVersion) is { } refusal ? (Outcome<Guid>.Fail(refusal), [])
        : (Outcome<Guid>.Ok(post.Id), [new PostCancelled(post.Id, command.UserId, now)]);
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
