using GraphQL.Types;
using JasperFx.Events;
using Marten;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.GraphQL.Scalars;
using Nexus.Api.Infrastructure.Identity;
using Nexus.Api.Infrastructure.Realtime;

namespace Nexus.Api.Features.Posts.Watching;

/// <summary>What happened to a post: one value per event of its stream.</summary>
public enum PostChangeKind
{
    Drafted,
    Updated,
    Scheduled,
    Rescheduled,
    Cancelled,
    Discarded,
    Publishing,
    TargetAttempted,
    TargetPublished,
    TargetFailed,
    TargetUnconfirmed,
    TargetReconcileDeferred,
    TargetRetryRequested,
}

/// <summary>One committed change of a post, with the post as it is after it (null once discarded).</summary>
public sealed record PostChange(Guid PostId, Post? Post, PostChangeKind Change, string Event, Guid? TargetId, DateTimeOffset At);

/// <summary>The deprecated <c>postStatusChanged</c>'s message: status changes only, always with the post.</summary>
public sealed record PostStatusChange(Post Post, string Event, Guid? TargetId, DateTimeOffset At);

/// <summary>
/// <c>postChanged(workspaceId)</c>: every change of the workspace's posts (drafted, edited, scheduled, moved,
/// cancelled, discarded, publishing, each target's attempts and outcomes, retries), in commit order. For members;
/// checked again for every event.
/// </summary>
[SubscriptionType]
public sealed class PostChangedSubscription : IRootFields
{
    public void AddTo(ObjectGraphType root)
    {
        root.Field<NonNullGraphType<PostChangeType>, PostChange>("postChanged")
            .Description("Every change of the workspace's posts and their targets, with the post as it now is (null once discarded).")
            .Argument<NonNullGraphType<IdGraphType>>("workspaceId")
            .RequireWorkspaceRole(Role.Viewer, ctx => ctx.WorkspaceIdArgument("workspaceId"))
            .Scope(AppScope.PostsRead)
            .ResolveStreamAsync(ctx => ctx.WatchCommittedAsync<PostChange>(ctx.WorkspaceIdArgument("workspaceId")));
        root.Field<NonNullGraphType<PostStatusChangeType>, PostStatusChange>("postStatusChanged")
            .Description("Status changes only (scheduled, cancelled, publishing, each target's attempts and outcomes).")
            .DeprecationReason("Use `postChanged`, which also tells drafts, edits, moves and discards.")
            .Argument<NonNullGraphType<IdGraphType>>("workspaceId")
            .RequireWorkspaceRole(Role.Viewer, ctx => ctx.WorkspaceIdArgument("workspaceId"))
            .Scope(AppScope.PostsRead)
            .ResolveStreamAsync(ctx => ctx.WatchCommittedAsync<PostStatusChange>(ctx.WorkspaceIdArgument("workspaceId")));
    }
}

public sealed class PostChangeKindType : EnumerationGraphType<PostChangeKind>
{
    public PostChangeKindType()
    {
        Name = "PostChangeKind";
        Description = "What happened to a post. TARGET_FAILED: an attempt failed (`target.nextAttemptAt` says when it is retried, if it is). " +
            "TARGET_RECONCILE_DEFERRED: Nexus could not yet ask the platform whether an interrupted attempt took effect.";
    }
}

public sealed class PostChangeType : ObjectGraphType<PostChange>
{
    public PostChangeType()
    {
        Name = "PostChange";
        Description = "A change of a post or of one of its targets.";
        Field<NonNullGraphType<PostChangeKindType>, PostChangeKind>("change").Resolve(ctx => ctx.Source.Change);
        Field<NonNullGraphType<IdGraphType>, string>("postId").Description("The post's global id (also once it is discarded).")
            .Resolve(ctx => GlobalId.Encode(PostType.TypeName, ctx.Source.PostId));
        Field<PostType, Post>("post").Description("The post after the change; null when it was discarded.").Resolve(ctx => ctx.Source.Post);
        Field<PostTargetType, PostTarget?>("target").Description("The target that changed, when it was one target.")
            .Resolve(ctx => ctx.Source.TargetId is { } id ? ctx.Source.Post?.Target(id) : null);
        Field<NonNullGraphType<StringGraphType>, string>("event").Description("The event behind it (see schema/events.md).").Resolve(ctx => ctx.Source.Event);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("at").Resolve(ctx => ctx.Source.At);
    }
}

public sealed class PostStatusChangeType : ObjectGraphType<PostStatusChange>
{
    public PostStatusChangeType()
    {
        Name = "PostStatusChange";
        Description = "A post's or a target's status changed.";
        Field<NonNullGraphType<PostType>, Post>("post").Description("The post after the change.").Resolve(ctx => ctx.Source.Post);
        Field<NonNullGraphType<PostStatusType>, PostStatus>("status").Description("The post's status after the change.").Resolve(ctx => ctx.Source.Post.Status);
        Field<NonNullGraphType<StringGraphType>, string>("event").Description("What happened (an event type of schema/events.md).").Resolve(ctx => ctx.Source.Event);
        Field<PostTargetType, PostTarget?>("target").Description("The target that changed, when it was one target.")
            .Resolve(ctx => ctx.Source.TargetId is { } id ? ctx.Source.Post.Target(id) : null);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("at").Resolve(ctx => ctx.Source.At);
    }
}

/// <summary>Publishes one change per committed event of a post stream, with the post as it was right after its transaction.</summary>
public sealed class PostChangeSource : IRealtimeSource
{
    public async Task PublishAsync(IReadOnlyList<StreamAction> committed, IQuerySession session, WorkspaceFeed feed, CancellationToken ct)
    {
        var changed = committed
            .Select(s => (Stream: s, Changes: s.Events.Select(Describe).Where(c => c is not null).Select(c => c!.Value).ToList()))
            .Where(s => s.Changes.Count > 0)
            .ToList();
        if (changed.Count == 0)
        {
            return;
        }

        var posts = await session.AsCommittedAsync<Post>([.. changed.Select(c => c.Stream)], p => (p.Id, p.Version), ct);
        for (var i = 0; i < changed.Count; i++)
        {
            var (stream, changes) = changed[i];
            var post = posts[i];
            var workspaceId = post?.WorkspaceId ?? await DiscardedPostsWorkspaceAsync(stream.Id, session, ct);
            if (workspaceId == Guid.Empty)
            {
                continue;
            }

            foreach (var (kind, name, target, at) in changes)
            {
                feed.Publish(workspaceId, new PostChange(stream.Id, post, kind, name, target, at));
                if (post is not null && kind is not (PostChangeKind.Drafted or PostChangeKind.Updated or PostChangeKind.Rescheduled or PostChangeKind.TargetReconcileDeferred))
                {
                    feed.Publish(workspaceId, new PostStatusChange(post, name, target, at));
                }
            }
        }
    }

    // A discarded post's read model is gone; its first event still names the workspace.
    private static async Task<Guid> DiscardedPostsWorkspaceAsync(Guid postId, IQuerySession session, CancellationToken ct) =>
        await session.Events.FetchStreamAsync(postId, version: 1, token: ct) is [{ Data: PostDrafted drafted }, ..] ? drafted.WorkspaceId : Guid.Empty;

    /// <summary>The change an event of a post stream is; null for an event that is not one (none today).</summary>
    public static (PostChangeKind Kind, string Event, Guid? TargetId, DateTimeOffset At)? Describe(IEvent e) => Describe(e.Data);

    public static (PostChangeKind Kind, string Event, Guid? TargetId, DateTimeOffset At)? Describe(object data) => data switch
    {
        PostDrafted d => (PostChangeKind.Drafted, nameof(PostDrafted), null, d.At),
        PostEdited d => (PostChangeKind.Updated, nameof(PostEdited), null, d.At),
        PostScheduled d => (PostChangeKind.Scheduled, nameof(PostScheduled), null, d.At),
        PostRescheduled d => (PostChangeKind.Rescheduled, nameof(PostRescheduled), null, d.At),
        PostCancelled d => (PostChangeKind.Cancelled, nameof(PostCancelled), null, d.At),
        PostDiscarded d => (PostChangeKind.Discarded, nameof(PostDiscarded), null, d.At),
        PostPublicationStarted d => (PostChangeKind.Publishing, nameof(PostPublicationStarted), null, d.At),
        TargetPublishAttempted d => (PostChangeKind.TargetAttempted, nameof(TargetPublishAttempted), d.TargetId, d.At),
        TargetPublished d => (PostChangeKind.TargetPublished, nameof(TargetPublished), d.TargetId, d.At),
        TargetPublishFailed d => (PostChangeKind.TargetFailed, nameof(TargetPublishFailed), d.TargetId, d.At),
        TargetUnconfirmed d => (PostChangeKind.TargetUnconfirmed, nameof(TargetUnconfirmed), d.TargetId, d.At),
        TargetReconcileDeferred d => (PostChangeKind.TargetReconcileDeferred, nameof(TargetReconcileDeferred), d.TargetId, d.At),
        TargetRetryRequested d => (PostChangeKind.TargetRetryRequested, nameof(TargetRetryRequested), d.TargetId, d.At),
        // Fitting changes what the targets publish (their media and fitting state): an update of the post.
        TargetMediaFitting d => (PostChangeKind.Updated, nameof(TargetMediaFitting), null, d.At),
        TargetMediaFitContinued d => (PostChangeKind.Updated, nameof(TargetMediaFitContinued), null, d.At),
        TargetMediaFitted d => (PostChangeKind.Updated, nameof(TargetMediaFitted), null, d.At),
        TargetMediaFitFailed d => (PostChangeKind.Updated, nameof(TargetMediaFitFailed), null, d.At),
        _ => null,
    };
}
