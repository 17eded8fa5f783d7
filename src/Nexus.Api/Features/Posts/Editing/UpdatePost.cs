using FluentValidation;
using GraphQL;
using GraphQL.Types;
using Marten;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Wolverine.Marten;

namespace Nexus.Api.Features.Posts.Editing;

/// <summary>
/// Replaces a post's content and targets, at the version the editor saw. A scheduled post stays scheduled, so its
/// new content must pass preflight; once publication began the content is final.
/// </summary>
public sealed record UpdatePost(Guid PostId, Guid UserId, int ExpectedVersion, string Text, IReadOnlyList<MediaRef> Media, IReadOnlyList<TargetDraft> Targets) : IPostContent
{
    public sealed class Validator : AbstractValidator<UpdatePost>
    {
        public Validator() => PostContent.Rules(this);
    }
}

public static class UpdatePostHandler
{
    public static Task<PostSurroundings> LoadAsync(UpdatePost command, IQuerySession session, CancellationToken ct) =>
        PostSurroundings.LoadAsync(session, null, command.Targets.Select(t => t.ConnectionId), ct);

    public static (Outcome<Guid>, Events) Handle(UpdatePost command, [WriteAggregate(Required = false)] Post? post, PostSurroundings around, Preflight preflight, DateTimeOffset now)
    {
        if (post is null)
        {
            return (Outcome<Guid>.Fail(new PostNotFoundError()), []);
        }

        if (post.Refuses(PostAction.Edit, command.ExpectedVersion) is { } refusal)
        {
            return (Outcome<Guid>.Fail(refusal), []);
        }

        if (PostContent.CheckTargets(command.Targets, around.Connections, post.WorkspaceId) is { Count: > 0 } errors)
        {
            return (Outcome<Guid>.Fail(errors), []);
        }

        // A scheduled post stays scheduled: its new content must pass the checks it passed when it was scheduled.
        var edited = new PostEdited(post.Id, command.Text, command.Media, PostContent.Targets(command.Targets, around.Connections, post, now), command.UserId, now);
        if (post.Status == PostStatus.Scheduled && preflight.Check(post.Apply(edited), around.Connections) is { Count: > 0 } issues)
        {
            return (Outcome<Guid>.Fail([.. issues.Select(i => i.ToError())]), []);
        }

        return (Outcome<Guid>.Ok(post.Id), [edited]);
    }
}

public sealed record UpdatePostInput(string PostId, int ExpectedVersion, string Text, List<MediaInput>? Media, List<PostTargetInput> Targets) : IPostInput;

[MutationType]
public sealed class UpdatePostMutation : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.MutationField<UpdatePostInputType, UpdatePostPayloadType>("updatePost",
                "Replaces a draft's or scheduled post's text, media and targets. `expectedVersion` is the post's `version` you edited (VERSION_CONFLICT when someone changed it since).")
            .RequirePostRole(Role.Editor)
            .ResolveAsync(async ctx =>
            {
                var input = ctx.GetArgument<UpdatePostInput>("input");
                return await ctx.SendForPostAsync(new UpdatePost(ctx.InputPostId(), ctx.UserId()!.Value, input.ExpectedVersion, input.Text ?? "",
                    PostContent.MediaOf(input.Media), PostContent.TargetsOf(input.Targets)));
            });
}

public sealed class UpdatePostInputType : InputObjectGraphType<UpdatePostInput>
{
    public UpdatePostInputType()
    {
        Name = "UpdatePostInput";
        Field<NonNullGraphType<IdGraphType>>("postId");
        Field<NonNullGraphType<IntGraphType>>("expectedVersion");
        Field<NonNullGraphType<StringGraphType>>("text");
        Field<ListGraphType<NonNullGraphType<MediaInputType>>>("media");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<PostTargetInputType>>>>("targets");
    }
}

public sealed class UpdatePostPayloadType() : PostPayloadType<UpdatePostErrorType>("UpdatePostPayload");

public sealed class UpdatePostErrorType() : ErrorUnionType("UpdatePostError",
    typeof(PostNotFoundError), typeof(VersionConflictError), typeof(PostStateError), typeof(ConnectionNotFoundError), typeof(PlatformRuleError), typeof(NotConnectedError), typeof(EmptyPostError));
