using GraphQL;
using Marten;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Infrastructure.TokenVault;
using Nexus.Api.Platforms;
using Nexus.Api.Infrastructure;

namespace Nexus.Api.Features.Connections.DisconnectingAccount;

/// <summary>
/// Disconnects an account: revokes the grant at the platform where it can be revoked (a platform that fails to
/// answer does not keep the account connected), deletes the tokens, records the disconnection.
/// </summary>
public sealed record DisconnectAccount(Guid ConnectionId, Guid UserId);

// It waits on the platform (code exchange, refresh, revocation): no transaction is held open across that call.
[OutsideTheTransaction]
public static class DisconnectAccountHandler
{
    public static async Task<Outcome<Guid, NoError>> Handle(DisconnectAccount command, IDocumentSession session, TokenVault vault, PlatformClients platforms,
        ILogger<DisconnectAccount> logger, DateTimeOffset now, CancellationToken ct)
    {
        if (await session.LoadAsync<Connection>(command.ConnectionId, ct) is not { } connection || connection.Status == ConnectionStatus.Disconnected)
        {
            return command.ConnectionId;
        }

        if (await session.LoadAsync<ConnectionSecrets>(connection.Id, ct) is { } secrets)
        {
            var grant = secrets.Open(vault).Grant;
            try
            {
                // One consent can cover several accounts (a user's Pages): revoking the grant would cut them all off,
                // so it is revoked only with the last connection still using it.
                if (platforms.OAuth(connection.Platform) is { } client && !await SharedAsync(session, vault, connection, grant, ct))
                {
                    await client.RevokeAsync(grant, ct);
                }
            }
            catch (PlatformException ex)
            {
                logger.LogWarning("Revoking connection {ConnectionId} at {Platform} failed ({Kind}); disconnecting anyway", connection.Id, connection.Platform, ex.Kind);
            }

            session.Delete<ConnectionSecrets>(connection.Id);
        }

        session.Events.Append(connection.Id, new AccountDisconnected(connection.Id, command.UserId, now));
        return connection.Id;
    }

    private static async Task<bool> SharedAsync(IDocumentSession session, TokenVault vault, Connection connection, OAuthTokens grant, CancellationToken ct)
    {
        var siblings = await session.Query<Connection>()
            .Where(c => c.WorkspaceId == connection.WorkspaceId && c.Platform == connection.Platform && c.Id != connection.Id && c.Status != ConnectionStatus.Disconnected)
            .Select(c => c.Id)
            .ToListAsync(ct);
        var secrets = await session.LoadManyAsync<ConnectionSecrets>(ct, siblings);
        return secrets.Any(s => s.Open(vault).Grant.AccessToken == grant.AccessToken);
    }
}

public sealed record DisconnectAccountInput([property: Id] string ConnectionId);

public sealed class DisconnectAccountMutation() : Mutation<DisconnectAccountInput, DisconnectAccount, Guid>("disconnectAccount",
    "Disconnects a social account: revokes Nexus's access at the platform and deletes its tokens.",
    WorkspaceAccess.Needs<DisconnectAccountInput>(Role.Admin, (context, input) => WorkspaceConnections.WorkspaceOfAsync(context, input.ConnectionId)).FirstPartyOnly(),
    Payload<Guid>.Of<ConnectionType>("connection", null,
        async (context, id) => await context.RequestServices!.GetRequiredService<IQuerySession>().LoadAsync<Connection>(id, context.CancellationToken)),
    (input, caller) => new(GlobalId.TryParse(input.ConnectionId, ConnectionType.TypeName, out var id) ? id : Guid.Empty, caller.UserId));
