using Npgsql;

namespace Nexus.Api.Infrastructure;

/// <summary>A PostgreSQL <c>NOTIFY</c> channel this node follows on its one listening connection (<see cref="DatabaseListener"/>).</summary>
public interface IDatabaseChannel
{
    string Name { get; }

    /// <summary>
    /// Runs on every new listening connection (at start and after each reconnect) once <c>LISTEN</c> is in place:
    /// catch up on what was committed while no connection listened. Notifications may already arrive meanwhile.
    /// </summary>
    Task ListeningAsync(NpgsqlConnection connection, CancellationToken ct);

    /// <summary>A notification of this channel. Runs on the listener's read loop: hand it on, never wait.</summary>
    void Notified(string payload);

    /// <summary>The connection was lost: notifications are missed until <see cref="ListeningAsync"/> runs again.</summary>
    void Deaf();
}

/// <summary>
/// The node's one <c>LISTEN</c> connection, shared by every <see cref="IDatabaseChannel"/>: the revoked token set
/// and the committed events of realtime. A dropped connection (PostgreSQL restarted, the backend terminated, the
/// network gone) is reopened every second, and each channel catches up on what it may have missed.
/// </summary>
public sealed class DatabaseListener(IEnumerable<IDatabaseChannel> channels, IConfiguration configuration,
    IHostApplicationLifetime lifetime, ILogger<DatabaseListener> logger) : BackgroundService
{
    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(1);

    private readonly Dictionary<string, IDatabaseChannel> _channels = channels.ToDictionary(c => c.Name, StringComparer.Ordinal);
    private volatile int _processId;

    /// <summary>The backend process id of the listening connection while it is open (tests terminate it).</summary>
    public int? ProcessId => _processId is var pid and not 0 ? pid : null;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The channels read tables other hosted services create or migrate (Marten's, IdentityBootstrap's).
        if (!await StartedAsync(lifetime, stoppingToken))
        {
            return;
        }

        // Its own unpooled connection: a LISTEN must not travel back into the pool with a returned connection.
        var listening = new NpgsqlConnectionStringBuilder(Database.ConnectionString(configuration))
        {
            Pooling = false,
            KeepAlive = 15,
            ApplicationName = "nexus-listener",
        }.ConnectionString;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(listening);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, e) => Dispatch(e.Channel, e.Payload);
                await using (var listen = new NpgsqlCommand(string.Concat(_channels.Keys.Select(c => $"LISTEN {c};")), connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                // Listening first, then catching up: what commits in between is in one or the other.
                foreach (var channel in _channels.Values)
                {
                    await channel.ListeningAsync(connection, stoppingToken);
                }

                _processId = connection.ProcessID;
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _processId = 0;
                foreach (var channel in _channels.Values)
                {
                    channel.Deaf();
                }

                logger.LogWarning(ex, "The database listener lost its connection; reconnecting");
                await Task.Delay(Retry, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private void Dispatch(string channel, string payload)
    {
        if (!_channels.TryGetValue(channel, out var handler))
        {
            return;
        }

        try
        {
            handler.Notified(payload);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "The {Channel} channel failed on a notification", channel);
        }
    }

    /// <summary>Waits for the application to have started; false when it stops first.</summary>
    internal static async Task<bool> StartedAsync(IHostApplicationLifetime lifetime, CancellationToken stoppingToken)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(lifetime.ApplicationStarted, stoppingToken);
        await Task.Delay(Timeout.Infinite, either.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return !stoppingToken.IsCancellationRequested;
    }
}

public static class DatabaseListening
{
    /// <summary>Follows <typeparamref name="T"/>'s channel (a singleton) on the node's one listening connection.</summary>
    public static IServiceCollection AddDatabaseChannel<T>(this IServiceCollection services) where T : class, IDatabaseChannel
    {
        services.AddSingleton<T>();
        services.AddSingleton<IDatabaseChannel>(sp => sp.GetRequiredService<T>());
        if (!services.Any(d => d.ServiceType == typeof(DatabaseListener)))
        {
            services.AddSingleton<DatabaseListener>();
            services.AddHostedService(sp => sp.GetRequiredService<DatabaseListener>());
        }

        return services;
    }
}
