using Marten;
using Nexus.Api.Infrastructure.TokenVault;
using Nexus.Api.Platforms;
using Wolverine;
using Nexus.Api.Infrastructure;

namespace Nexus.Api.Features.Connections;

/// <summary>
/// Refreshes a connection's tokens ahead of expiry. Scheduled as a durable message (it survives restarts);
/// <see cref="TokenGeneration"/> makes it idempotent: a message for tokens that were already replaced (refreshed,
/// reconnected, disconnected) does nothing. The queue is sequential so two refreshes never race a rotating
/// refresh token.
/// </summary>
public sealed record RefreshConnectionTokens(Guid ConnectionId, int TokenGeneration);

public static class TokenRefresh
{
    /// <summary>Refresh a fifth of the lifetime before expiry, at most 15 minutes before.</summary>
    public static DateTimeOffset? DueAt(OAuthTokens tokens, DateTimeOffset now)
    {
        if (tokens.ExpiresAt is not { } expires || tokens.RefreshToken is null && tokens.ExpiresAt is null)
        {
            return null;
        }

        var lead = TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(15).Ticks, Math.Max(0, (expires - now).Ticks) / 5));
        return expires - lead;
    }
}

// It waits on the platform (code exchange, refresh, revocation): no transaction is held open across that call.
[OutsideTheTransaction]
public static class RefreshConnectionTokensHandler
{
    public static readonly TimeSpan RetryDelay = TimeSpan.FromMinutes(1);

    public static async Task<OutgoingMessages> Handle(RefreshConnectionTokens command, IDocumentSession session, TokenVault vault,
        PlatformClients platforms, ILogger<RefreshConnectionTokens> logger, DateTimeOffset now, CancellationToken ct)
    {
        var messages = new OutgoingMessages();
        var connection = await session.LoadAsync<Connection>(command.ConnectionId, ct);
        var secrets = await session.LoadAsync<ConnectionSecrets>(command.ConnectionId, ct);
        if (connection is not { Status: ConnectionStatus.Active } || connection.TokenGeneration != command.TokenGeneration || secrets is null ||
            platforms.OAuth(connection.Platform) is not { } client)
        {
            return messages;
        }

        var tokens = secrets.Open(vault);
        try
        {
            var fresh = await client.RefreshAsync(tokens.Grant, ct);
            session.Store(ConnectionSecrets.Seal(vault, connection.Id, tokens with { Grant = fresh }, now));
            session.Events.Append(connection.Id, new ConnectionTokensRefreshed(connection.Id, fresh.ExpiresAt, now));
            if (TokenRefresh.DueAt(fresh, now) is { } due)
            {
                messages.Add(new RefreshConnectionTokens(connection.Id, connection.TokenGeneration + 1).ScheduledAt(due));
            }
        }
        catch (PlatformException ex) when (ex.Kind is PlatformFailureKind.AuthExpired or PlatformFailureKind.Rejected)
        {
            session.Events.Append(connection.Id, new ConnectionNeedsReauth(connection.Id, $"{connection.Platform} refused the connection's tokens: {ex.Message} Reconnect the account.", now, connection.TokenGeneration));
            messages.Add(new Posts.Notifying.NotifyConnectionNeedsReauth(connection.Id, connection.TokenGeneration));
        }
        catch (PlatformException ex)
        {
            logger.LogWarning("Refreshing connection {ConnectionId} on {Platform} failed ({Kind}); trying again", connection.Id, connection.Platform, ex.Kind);
            messages.Add(command.ScheduledAt(ex.RetryAt ?? now + RetryDelay));
        }

        return messages;
    }
}

/// <summary>
/// Every <c>Nexus:Connections:TokenCheckInterval</c>, asks for a refresh of active connections whose tokens expire
/// soon, in case a scheduled refresh was lost (for instance, tokens connected before the refresh existed).
/// </summary>
public sealed class TokenCheck(IServiceProvider services, IConfiguration configuration, TimeProvider clock, ILogger<TokenCheck> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = configuration.GetValue<TimeSpan?>("Nexus:Connections:TokenCheckInterval") ?? TimeSpan.FromMinutes(15);
        using var timer = new PeriodicTimer(interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = services.CreateAsyncScope();
                var session = scope.ServiceProvider.GetRequiredService<IQuerySession>();
                var horizon = clock.GetUtcNow() + interval + interval;
                var expiring = await session.Query<Connection>()
                    .Where(c => c.Status == ConnectionStatus.Active && c.TokenExpiresAt != null && c.TokenExpiresAt < horizon)
                    .ToListAsync(stoppingToken);
                var bus = scope.ServiceProvider.GetRequiredService<IMessageBus>();
                foreach (var connection in expiring)
                {
                    await bus.SendAsync(new RefreshConnectionTokens(connection.Id, connection.TokenGeneration));
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "The periodic token check failed");
            }
        }
    }
}
