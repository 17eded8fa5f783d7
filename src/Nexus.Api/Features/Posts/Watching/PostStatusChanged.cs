using GraphQL.Types;
using JasperFx.Events;
using Marten;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Scalars;
using Nexus.Api.Infrastructure.Realtime;

namespace Nexus.Api.Features.Posts.Watching;

/// <summary>One change of a post's or a target's status, with the post as it is after it.</summary>
public sealed record PostStatusChange(Post Post, string Event, Guid? TargetId, DateTimeOffset At);

/// <summary>
/// <c>postStatusChanged(workspaceId)</c>: every status change of the workspace's posts and their targets (scheduled,
/// cancelled, publishing, each attempt, published, failed, unconfirmed, retried), in commit order. For members;
/// checked again for every event.
/// </summary>
[SubscriptionType]
public sealed class PostStatusChangedSubscription : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.Field<NonNullGraphType<PostStatusChangeType>, PostStatusChange>("postStatusChanged")
            .Description("Each status change of the workspace's posts and their targets, with the post as it now is.")
            .Argument<NonNullGraphType<IdGraphType>>("workspaceId")
            .RequireWorkspaceRole(Role.Viewer, ctx => ctx.WorkspaceIdArgument("workspaceId"))
            .ResolveStream(ctx => ctx.RequestServices!.GetRequiredService<WorkspaceFeed>().Watch<PostStatusChange>(ctx.WorkspaceIdArgument("workspaceId")));
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

/// <summary>Publishes one change per committed status event of a post stream, with the post's read model after the commit.</summary>
public sealed class PostStatusSource : IRealtimeSource
{
    public async Task PublishAsync(IReadOnlyList<StreamAction> committed, IQuerySession session, WorkspaceFeed feed, CancellationToken ct)
    {
        var changed = committed
            .Select(s => (s.Id, Changes: s.Events.Select(Describe).Where(c => c is not null).ToList()))
            .Where(s => s.Changes.Count > 0)
            .ToList();
        if (changed.Count == 0)
        {
            return;
        }

        var posts = (await session.LoadManyAsync<Post>(ct, changed.Select(s => s.Id).Distinct())).ToDictionary(p => p.Id);
        foreach (var (id, changes) in changed)
        {
            if (posts.TryGetValue(id, out var post))
            {
                foreach (var (name, target, at) in changes.Select(c => c!.Value))
                {
                    feed.Publish(post.WorkspaceId, new PostStatusChange(post, name, target, at));
                }
            }
        }
    }

    private static (string Event, Guid? TargetId, DateTimeOffset At)? Describe(IEvent e) => e.Data switch
    {
        PostScheduled d => (nameof(PostScheduled), null, d.At),
        PostCancelled d => (nameof(PostCancelled), null, d.At),
        PostPublicationStarted d => (nameof(PostPublicationStarted), null, d.At),
        TargetPublishAttempted d => (nameof(TargetPublishAttempted), d.TargetId, d.At),
        TargetPublished d => (nameof(TargetPublished), d.TargetId, d.At),
        TargetPublishFailed d => (nameof(TargetPublishFailed), d.TargetId, d.At),
        TargetUnconfirmed d => (nameof(TargetUnconfirmed), d.TargetId, d.At),
        TargetRetryRequested d => (nameof(TargetRetryRequested), d.TargetId, d.At),
        _ => null,
    };
}
