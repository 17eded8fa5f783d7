using GraphQL.Types;
using JasperFx.Events;
using Marten;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.Infrastructure.Identity;
using Nexus.Api.Infrastructure.Realtime;

namespace Nexus.Api.Features.Connections.WatchingConnections;

/// <summary>
/// <c>connectionStatusChanged(workspaceId)</c>: a workspace's connection, each time its status changes (connected,
/// connected again, needs re-authorization, disconnected). For members; checked again for every event.
/// </summary>
[SubscriptionType]
public sealed class ConnectionStatusChangedSubscription : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.Field<NonNullGraphType<ConnectionType>, Connection>("connectionStatusChanged")
            .Description("A connection of the workspace whenever its status changes: connected, reconnected, needs re-authorization, disconnected.")
            .Argument<NonNullGraphType<IdGraphType>>("workspaceId")
            .RequireWorkspaceRole(Role.Viewer, ctx => ctx.WorkspaceIdArgument("workspaceId"))
            .Scope(AppScope.ConnectionsRead)
            .ResolveStreamAsync(ctx => ctx.WatchCommittedAsync<Connection>(ctx.WorkspaceIdArgument("workspaceId")));
}

/// <summary>Publishes a connection as it was right after a transaction that changed its status (token refreshes do not).</summary>
public sealed class ConnectionStatusSource : IRealtimeSource
{
    private static readonly HashSet<Type> StatusChanges = [typeof(AccountConnected), typeof(AccountReconnected), typeof(ConnectionNeedsReauth), typeof(AccountDisconnected)];

    public async Task PublishAsync(IReadOnlyList<StreamAction> committed, IQuerySession session, WorkspaceFeed feed, CancellationToken ct)
    {
        var changed = committed.Where(s => s.Events.Any(e => StatusChanges.Contains(e.EventType))).ToList();
        if (changed.Count == 0)
        {
            return;
        }

        foreach (var connection in await session.AsCommittedAsync<Connection>(changed, c => (c.Id, c.Version), ct))
        {
            if (connection is not null)
            {
                feed.Publish(connection.WorkspaceId, connection);
            }
        }
    }
}
