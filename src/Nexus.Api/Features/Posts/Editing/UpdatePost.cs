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

namespace Nexus.Api.Features.Posts.Editing;

using UpdatePostOutcome = Outcome<Guid, PostNotFoundError, VersionConflictError, PostStateError, ConnectionNotFoundError, PlatformRuleError, NotConnectedError, EmptyPostError, MediaNotFoundError, MediaDeletedError>;

/// <summary>
/// Replaces a post's content and targets, at the version the editor saw. A scheduled post stays scheduled, so its
/// new content must pass preflight; once publication began the content is final.
/// </summary>
public sealed record UpdatePost(Guid PostId, Guid UserId, int ExpectedVersion, string Text, IReadOnlyList<MediaDraft> Media, IReadOnlyList<TargetDraft> Targets) : IPostContent
{
    public sealed class Validator : AbstractValidator<UpdatePost>
    {
        public Validator() => PostContent.Rules(this);
    }
}

public static class UpdatePostHandler
{
    public static Task<PostSurroundings> LoadAsync(UpdatePost command, IQuerySession session, CancellationToken ct) =>
        PostSurroundings.LoadAsync(session, null, command.Targets.Select(t => t.ConnectionId), ct, PostContent.LibraryIds(command));

    // Only a scheduled post's edit makes its new media due; a draft's is checked when it is scheduled.
    public static Task<MediaUses> BeforeAsync(UpdatePost command, Post? post, IDocumentSession session, CancellationToken ct) =>
        post is { Status: PostStatus.Scheduled } ? MediaUses.FetchAsync(session, MediaUses.Of(command), ct) : Task.FromResult(MediaUses.None);

    public static (UpdatePostOutcome, Events) Handle(UpdatePost command, [WriteAggregate(Required = false)] Post? post, PostSurroundings around, Preflight preflight, DateTimeOffset now,
        MediaUses? uses = null)
    {
        if (post is null)
        {
            return (new PostNotFoundError(), []);
        }

        if (post.Refuses(PostAction.Edit, command.ExpectedVersion) is { } refusal)
        {
            return (refusal.Match<UpdatePostOutcome>(e => e, e => e), []);
        }

        if (PostContent.CheckTargets(command.Targets, around.Connections, post.WorkspaceId) is { Count: > 0 } errors)
        {
            return (UpdatePostOutcome.Fail(errors.Select(x => x.Match<UpdatePostOutcome.Error>(e => e, e => e))), []);
        }

        // A scheduled post's items as its write reads them: one deleted since the load is MEDIA_DELETED at its input too.
        var (media, targets, missing) = PostContent.Resolve(command, uses?.Over(around.Library) ?? around.Library, post.WorkspaceId);
        if (missing.Count > 0)
        {
            return (UpdatePostOutcome.Fail(missing.Select(x => x.Match<UpdatePostOutcome.Error>(e => e, e => e))), []);
        }

        // A scheduled post stays scheduled: its new content must pass the checks it passed when it was scheduled.
        var edited = new PostEdited(post.Id, command.Text, media, PostContent.Targets(targets, around, post, now), command.UserId, now);
        if (post.Status == PostStatus.Scheduled && preflight.Check(post.Apply(edited), around.Connections) is { Count: > 0 } issues)
        {
            return (UpdatePostOutcome.Fail(issues.Select(i => i.ToError().Match<UpdatePostOutcome.Error>(e => e, e => e, e => e))), []);
        }

        uses?.Record(post.Id, now);
        return (post.Id, [edited]);
    }
}

public sealed record UpdatePostInput(
    [property: Id] string PostId,
    int ExpectedVersion,
    string Text,
    [property: InputType(typeof(ListGraphType<NonNullGraphType<MediaInputType>>))] List<MediaInput>? Media,
    [property: InputType(typeof(NonNullGraphType<ListGraphType<NonNullGraphType<PostTargetInputType>>>))] List<PostTargetInput> Targets) : IPostInput;

public sealed class UpdatePostMutation() : Mutation<UpdatePostInput, UpdatePost, Guid>("updatePost",
    "Replaces a draft's or scheduled post's text, media and targets. `expectedVersion` is the post's `version` you edited (VERSION_CONFLICT when someone changed it since).",
    PostAccess.Needs(Role.Editor).Scope(AppScope.PostsWrite), PostPayloads.Post,
    (input, caller) => new(caller.PostId(), caller.ActorId, input.ExpectedVersion, input.Text ?? "", PostContent.MediaOf(input.Media), PostContent.TargetsOf(input.Targets)));
