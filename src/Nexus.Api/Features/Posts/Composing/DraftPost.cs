using FluentValidation;
using GraphQL;
using GraphQL.Types;
using Marten;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Wolverine.Marten;

namespace Nexus.Api.Features.Posts.Composing;

/// <summary>Drafts a post for one or more connected accounts of a workspace. Nothing is checked against platforms yet beyond <c>warnings</c>.</summary>
public sealed record DraftPost(Guid WorkspaceId, Guid UserId, string Text, IReadOnlyList<MediaRef> Media, IReadOnlyList<TargetDraft> Targets) : IPostContent
{
    public sealed class Validator : AbstractValidator<DraftPost>
    {
        public Validator() => PostContent.Rules(this);
    }
}

public static class DraftPostHandler
{
    public static Task<PostSurroundings> LoadAsync(DraftPost command, IQuerySession session, CancellationToken ct) =>
        PostSurroundings.LoadAsync(session, null, command.Targets.Select(t => t.ConnectionId), ct);

    public static (Outcome<Guid>, IMartenOp) Handle(DraftPost command, PostSurroundings around, DateTimeOffset now)
    {
        if (PostContent.CheckTargets(command.Targets, around.Connections, command.WorkspaceId) is { Count: > 0 } errors)
        {
            return (Outcome<Guid>.Fail(errors), MartenOps.Nothing());
        }

        var id = Guid.CreateVersion7(now);
        return (Outcome<Guid>.Ok(id), MartenOps.StartStream<Post>(id, new PostDrafted(id, command.WorkspaceId, command.UserId, command.Text, command.Media,
            PostContent.Targets(command.Targets, around.Connections, null, now), now)));
    }
}

public sealed record DraftPostInput(string WorkspaceId, string Text, List<MediaInput>? Media, List<PostTargetInput> Targets) : IWorkspaceInput;

[MutationType]
public sealed class DraftPostMutation : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.MutationField<DraftPostInputType, DraftPostPayloadType>("draftPost",
                "Drafts a post: text, media and one target per connected account, each with optional overrides and platform options. `post.warnings` lists what would stop it from publishing.")
            .RequireWorkspaceRole(Role.Editor, ctx => ctx.InputWorkspaceId())
            .ResolveAsync(async ctx =>
            {
                var input = ctx.GetArgument<DraftPostInput>("input");
                return await ctx.SendForPostAsync(new DraftPost(ctx.InputWorkspaceId(), ctx.UserId()!.Value, input.Text ?? "",
                    PostContent.MediaOf(input.Media), PostContent.TargetsOf(input.Targets)), Guid.Empty);
            });
}

public sealed class DraftPostInputType : InputObjectGraphType<DraftPostInput>
{
    public DraftPostInputType()
    {
        Name = "DraftPostInput";
        Field<NonNullGraphType<IdGraphType>>("workspaceId");
        Field<NonNullGraphType<StringGraphType>>("text");
        Field<ListGraphType<NonNullGraphType<MediaInputType>>>("media");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<PostTargetInputType>>>>("targets");
    }
}

public sealed class DraftPostPayloadType() : PostPayloadType<DraftPostErrorType>("DraftPostPayload");

public sealed class DraftPostErrorType() : ErrorUnionType("DraftPostError", typeof(ConnectionNotFoundError), typeof(PlatformRuleError));
