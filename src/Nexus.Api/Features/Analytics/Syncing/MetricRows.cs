using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Projections;
using Nexus.Api.Features.Connections;
using Nexus.Api.Features.Posts;

namespace Nexus.Api.Features.Analytics.Syncing;

/// <summary>
/// Makes the rows the sync works through: one per published target (due an hour after publication) and one per
/// connection (its audience, due at once). It runs asynchronously, as a Wolverine-managed agent, so that nothing
/// here can fail or slow the transaction that records a publication, and it can be rebuilt from the events. Every
/// write is an upsert that keeps what the sync has done: replaying an event never resets a schedule.
/// </summary>
public sealed class MetricRows : EventProjection
{
    public const string Disconnected = "The account was disconnected.";

    public MetricRows()
    {
        // Only these reach ApplyAsync: the daemon reads no other event for this projection.
        IncludeType<TargetPublished>();
        IncludeType<AccountConnected>();
        IncludeType<AccountReconnected>();
        IncludeType<AccountDisconnected>();
    }

    public override async ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        switch (e.Data)
        {
            // Covers every way a target becomes published: the attempt's answer, a reconciliation, a retry that found it
            // published, a platform's webhook confirming it later.
            case TargetPublished published:
                // The post's snapshot is current (inline); a target's workspace, connection and platform never change once
                // it is published. A post that is gone (only drafts are discarded) has nothing to sync.
                if (await operations.LoadAsync<Post>(published.PostId, cancellation) is { } post && post.Target(published.TargetId) is { } target)
                {
                    QueueTarget(operations, published.TargetId, post.WorkspaceId, post.Id, target.ConnectionId, target.Platform, published.ExternalId, published.At);
                }

                break;

            case AccountConnected connected:
                operations.QueueSqlCommand(
                    $"insert into {AnalyticsTables.ConnectionAudience} (connection_id, workspace_id, platform, next_sync_at) values (?, ?, ?, ?) " +
                    "on conflict (connection_id) do nothing",
                    connected.ConnectionId, connected.WorkspaceId, connected.Platform.ToString(), connected.At);
                break;

            // Fresh consent: read the audience again at once, and resume the connection's targets that stopped or waited
            // for want of working tokens (not the ones merely waiting for their next step, nor the finished ones).
            case AccountReconnected reconnected:
                operations.QueueSqlCommand(
                    $"update {AnalyticsTables.ConnectionAudience} set next_sync_at = ?, sync_failures = 0, last_sync_error = null where connection_id = ?",
                    reconnected.At, reconnected.ConnectionId);
                operations.QueueSqlCommand(
                    $"update {AnalyticsTables.TargetMetrics} set next_sync_at = ?, sync_failures = 0, last_sync_error = null " +
                    "where connection_id = ? and sync_step < ? and last_sync_error is not null",
                    reconnected.At, reconnected.ConnectionId, SyncSchedule.Steps.Count);
                break;

            // No tokens any more: nothing can be read. The figures already read stay.
            case AccountDisconnected disconnected:
                operations.QueueSqlCommand(
                    $"update {AnalyticsTables.ConnectionAudience} set next_sync_at = null, last_sync_error = ? where connection_id = ?",
                    Disconnected, disconnected.ConnectionId);
                operations.QueueSqlCommand(
                    $"update {AnalyticsTables.TargetMetrics} set next_sync_at = null, last_sync_error = ? where connection_id = ? and next_sync_at is not null",
                    Disconnected, disconnected.ConnectionId);
                break;
        }
    }

    /// <summary>
    /// Queues the row of a published target, due an hour after publication. An upsert that keeps an existing row as it
    /// is: whoever makes it first (this projection or an on-demand refresh), a schedule already under way is never reset.
    /// </summary>
    public static void QueueTarget(IDocumentOperations operations, Guid targetId, Guid workspaceId, Guid postId, Guid connectionId, Nexus.Api.Platforms.PlatformId platform,
        string externalId, DateTimeOffset publishedAt) =>
        operations.QueueSqlCommand(
            $"insert into {AnalyticsTables.TargetMetrics} (target_id, workspace_id, post_id, connection_id, platform, external_id, published_at, sync_step, next_sync_at) " +
            "values (?, ?, ?, ?, ?, ?, ?, 0, ?) on conflict (target_id) do nothing",
            targetId, workspaceId, postId, connectionId, platform.ToString(), externalId, publishedAt, SyncSchedule.First(publishedAt));
}

public sealed class MetricRowsMarten : IConfigureMarten
{
    public void Configure(IServiceProvider services, StoreOptions options) =>
        options.Projections.Add(new MetricRows(), ProjectionLifecycle.Async);
}
