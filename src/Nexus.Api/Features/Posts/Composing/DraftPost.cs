using FluentValidation;
using GraphQL;
using GraphQL.Types;
using Marten;
using Nexus.Api.Features.Media;
using Nexus.Api.Features.Media.Using;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.Infrastructure.Identity;
using Wolverine.Marten;

namespace Nexus.Api.Features.Posts.Composing;

using DraftPostOutcome = Outcome<Guid, ConnectionNotFoundError, PlatformRuleError, MediaNotFoundError, MediaDeletedError>;

/// <summary>Drafts a post for one or more connected accounts of a workspace. Nothing is checked against platforms yet beyond <c>warnings</c>.</summary>
public sealed record DraftPost(Guid WorkspaceId, Guid UserId, string Text, IReadOnlyList<MediaDraft> Media, IReadOnlyList<TargetDraft> Targets) : IPostContent
{
    public sealed class Validator : AbstractValidator<DraftPost>
    {
        public Validator() => PostContent.Rules(this);
    }
}

public static class DraftPostHandler
{
    public static Task<PostSurroundings> LoadAsync(DraftPost command, IQuerySession session, CancellationToken ct) =>
        PostSurroundings.LoadAsync(session, null, command.Targets.Select(t => t.ConnectionId), ct, PostContent.LibraryIds(command));

    public static (DraftPostOutcome, IMartenOp) Handle(DraftPost command, PostSurroundings around, DateTimeOffset now)
    {
        if (PostContent.CheckTargets(command.Targets, around.Connections, command.WorkspaceId) is { Count: > 0 } errors)
        {
            return (DraftPostOutcome.Fail(errors.Select(x => x.Match<DraftPostOutcome.Error>(e => e, e => e))), MartenOps.Nothing());
        }

        var (media, targets, missing) = PostContent.Resolve(command, around.Library, command.WorkspaceId);
        if (missing.Count > 0)
        {
            return (DraftPostOutcome.Fail(missing.Select(x => x.Match<DraftPostOutcome.Error>(e => e, e => e))), MartenOps.Nothing());
        }

        var id = Guid.CreateVersion7(now);
        return (id, MartenOps.StartStream<Post>(id, new PostDrafted(id, command.WorkspaceId, command.UserId, command.Text, media,
            PostContent.Targets(targets, around, null, now), now)));
    }
}

public sealed record DraftPostInput(
    [property: Id] string WorkspaceId,
    string Text,
    [property: InputType(typeof(ListGraphType<NonNullGraphType<MediaInputType>>))] List<MediaInput>? Media,
    [property: InputType(typeof(NonNullGraphType<ListGraphType<NonNullGraphType<PostTargetInputType>>>))] List<PostTargetInput> Targets) : IWorkspaceInput;

public sealed class DraftPostMutation() : Mutation<DraftPostInput, DraftPost, Guid>("draftPost",
    "Drafts a post: text, media and one target per connected account, each with optional overrides and platform options. `post.warnings` lists what would stop it from publishing.",
    WorkspaceAccess.Needs(Role.Editor).Scope(AppScope.PostsWrite), PostPayloads.Post,
    (input, caller) => new(caller.WorkspaceId(), caller.ActorId, input.Text ?? "", PostContent.MediaOf(input.Media), PostContent.TargetsOf(input.Targets)));
