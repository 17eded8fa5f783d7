using System.Text.Json.Nodes;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Projections;
using Nexus.Api.Features.Connections;
using Nexus.Api.Features.Media;
using Nexus.Api.Features.Media.Processing;
using Nexus.Api.Features.Posts;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL.Relay;

namespace Nexus.Api.Features.Hooks.Producing;

/// <summary>
/// Maps domain events to webhook deliveries. It runs asynchronously, as a Wolverine-managed agent (like the metric
/// rows), so the transaction that schedules or publishes a post does no webhook work and cannot fail because of it.
/// A post's outcome (published, partially published, failed) has no event of its own: the post settles when its last
/// target does, so each target event compares the post as it stood just before and just after that event.
/// </summary>
public sealed class HookEvents : EventProjection
{
    private readonly TimeProvider _clock;

    public HookEvents(TimeProvider clock)
    {
        _clock = clock;
        // Only these reach ApplyAsync: the daemon reads no other event for this projection.
        IncludeType<PostScheduled>();
        IncludeType<TargetPublished>();
        IncludeType<TargetPublishFailed>();
        IncludeType<TargetUnconfirmed>();
        IncludeType<ConnectionNeedsReauth>();
        IncludeType<AccountDisconnected>();
        IncludeType<MediaJobSucceeded>();
    }

    public override async ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        switch (e.Data)
        {
            case PostScheduled scheduled:
                if (await operations.LoadAsync<Post>(scheduled.PostId, cancellation) is { } post)
                {
                    Queue(operations, post.WorkspaceId, e, HookEventTypes.PostScheduled, new JsonObject
                    {
                        ["workspaceId"] = Id(WorkspaceType.TypeName, post.WorkspaceId),
                        ["postId"] = Id(PostType.TypeName, post.Id),
                        ["scheduledAt"] = HookEventTypes.Time(scheduled.ScheduledAt),
                        ["timeZone"] = scheduled.TimeZone,
                        ["fromQueue"] = scheduled.FromQueue,
                    });
                }

                break;

            case TargetPublished published:
                await TargetAsync(operations, e, published.PostId, published.TargetId, TargetStatus.Published, HookEventTypes.TargetPublished, cancellation);
                break;

            // A failure with a next attempt is a step of the retry loop, not news.
            case TargetPublishFailed { NextAttemptAt: null } failed:
                await TargetAsync(operations, e, failed.PostId, failed.TargetId, TargetStatus.Failed, HookEventTypes.TargetFailed, cancellation);
                break;

            case TargetUnconfirmed unconfirmed:
                await TargetAsync(operations, e, unconfirmed.PostId, unconfirmed.TargetId, TargetStatus.Unconfirmed, HookEventTypes.TargetUnconfirmed, cancellation);
                break;

            case ConnectionNeedsReauth reauth:
                await ConnectionAsync(operations, e, reauth.ConnectionId, HookEventTypes.ConnectionNeedsReauth, reauth.Reason, cancellation);
                break;

            case AccountDisconnected disconnected:
                await ConnectionAsync(operations, e, disconnected.ConnectionId, HookEventTypes.ConnectionDisconnected, null, cancellation);
                break;

            case MediaJobSucceeded succeeded:
                // The new item's stream starts in the same transaction as this event: it is there to read.
                if (await operations.LoadAsync<MediaAsset>(succeeded.OutputId, cancellation) is { } output)
                {
                    Queue(operations, output.WorkspaceId, e, HookEventTypes.MediaProcessed, new JsonObject
                    {
                        ["workspaceId"] = Id(WorkspaceType.TypeName, output.WorkspaceId),
                        ["mediaId"] = Id(MediaItemType.TypeName, output.Id),
                        ["kind"] = output.Kind.ToString().ToUpperInvariant(),
                    });
                }

                break;
        }
    }

    private async Task TargetAsync(IDocumentOperations operations, IEvent e, Guid postId, Guid targetId, TargetStatus status, string type, CancellationToken ct)
    {
        // The post as this event left it, not as it is now: a replay, or a retry since, must not change what is sent.
        var after = await operations.Events.AggregateStreamAsync<Post>(postId, e.Version, token: ct);
        if (after?.Target(targetId) is not { } target || target.Status != status)
        {
            // The aggregate ignored it (e.g. a late failure of a target already published).
            return;
        }

        var data = TargetData(after, target);
        Queue(operations, after.WorkspaceId, e, type, data);

        if (after.Status is PostStatus.Published or PostStatus.PartiallyPublished or PostStatus.Failed)
        {
            var before = e.Version > 1 ? await operations.Events.AggregateStreamAsync<Post>(postId, e.Version - 1, token: ct) : null;
            if (before?.Status != after.Status)
            {
                var outcome = after.Status switch
                {
                    PostStatus.Published => HookEventTypes.PostPublished,
                    PostStatus.PartiallyPublished => HookEventTypes.PostPartiallyPublished,
                    _ => HookEventTypes.PostFailed,
                };
                Queue(operations, after.WorkspaceId, e, outcome, PostData(after));
            }
        }
    }

    private async Task ConnectionAsync(IDocumentOperations operations, IEvent e, Guid connectionId, string type, string? reason, CancellationToken ct)
    {
        if (await operations.LoadAsync<Connection>(connectionId, ct) is not { } connection)
        {
            return;
        }

        var data = new JsonObject
        {
            ["workspaceId"] = Id(WorkspaceType.TypeName, connection.WorkspaceId),
            ["connectionId"] = Id(ConnectionType.TypeName, connection.Id),
            ["platform"] = Platform(connection.Platform),
        };
        if (reason is not null)
        {
            data["reason"] = reason;
        }

        Queue(operations, connection.WorkspaceId, e, type, data);
    }

    private void Queue(IDocumentOperations operations, Guid workspaceId, IEvent e, string type, JsonObject data) =>
        HookOutbox.Queue(operations, workspaceId, e.Id, type, e.Timestamp, data, _clock.GetUtcNow());

    internal static JsonObject TargetData(Post post, PostTarget target)
    {
        var data = new JsonObject
        {
            ["workspaceId"] = Id(WorkspaceType.TypeName, post.WorkspaceId),
            ["postId"] = Id(PostType.TypeName, post.Id),
            ["targetId"] = Id(PostTargetType.TypeName, target.Id),
            ["connectionId"] = Id(ConnectionType.TypeName, target.ConnectionId),
            ["platform"] = Platform(target.Platform),
            ["status"] = Constant(target.Status),
            ["attempt"] = target.Attempts,
        };
        switch (target.Status)
        {
            case TargetStatus.Published:
                data["externalId"] = target.ExternalId;
                data["externalUrl"] = target.ExternalUrl;
                data["publishedAt"] = target.PublishedAt is { } at ? HookEventTypes.Time(at) : null;
                break;
            case TargetStatus.Failed when target.LastError is { } error:
                data["error"] = new JsonObject { ["code"] = error.Code, ["message"] = error.Message, ["retryable"] = error.Retryable };
                break;
            case TargetStatus.Unconfirmed:
                data["message"] = target.LastError?.Message;
                break;
        }

        return data;
    }

    internal static JsonObject PostData(Post post) => new()
    {
        ["workspaceId"] = Id(WorkspaceType.TypeName, post.WorkspaceId),
        ["postId"] = Id(PostType.TypeName, post.Id),
        ["status"] = Constant(post.Status),
        ["targets"] = new JsonArray([.. post.Targets.Select(t => (JsonNode)new JsonObject
        {
            ["targetId"] = Id(PostTargetType.TypeName, t.Id),
            ["connectionId"] = Id(ConnectionType.TypeName, t.ConnectionId),
            ["platform"] = Platform(t.Platform),
            ["status"] = Constant(t.Status),
            ["externalUrl"] = t.ExternalUrl,
        })]),
    };

    /// <summary>A platform as the <c>PlatformId</c> enum names it (<c>TIKTOK</c>, <c>YOUTUBE</c>).</summary>
    internal static string Platform(Nexus.Api.Platforms.PlatformId platform) => platform.ToString().ToUpperInvariant();

    internal static string Id(string typeName, Guid id) => GlobalId.Encode(typeName, id);

    /// <summary>An enum value as the GraphQL schema names it (<c>PartiallyPublished</c> → <c>PARTIALLY_PUBLISHED</c>).</summary>
    internal static string Constant<T>(T value) where T : struct, Enum =>
        string.Concat(value.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : char.ToUpperInvariant(c).ToString()));
}

public sealed class HookEventsMarten : IConfigureMarten
{
    public void Configure(IServiceProvider services, StoreOptions options)
    {
        options.Projections.Add(new HookEvents(services.GetRequiredService<TimeProvider>()), ProjectionLifecycle.Async);
    }
}
