using Marten;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Connections;
using Nexus.Api.Features.Posts;
using Nexus.Api.Infrastructure.TokenVault;
using Nexus.Api.Platforms;
using Npgsql;
using NpgsqlTypes;

namespace Nexus.Api.Features.Analytics.Syncing;

/// <summary>A target row claimed for reading.</summary>
public sealed record DueTarget(Guid TargetId, Guid WorkspaceId, Guid PostId, Guid ConnectionId, string ExternalId, DateTimeOffset PublishedAt, int SyncFailures);

/// <summary>What one sweep did: the rows it claimed, and the targets and connections it read (a reading was stored for each).</summary>
public sealed record SweepResult(int Claimed, IReadOnlyList<Guid> TargetsRead, IReadOnlyList<Guid> AudiencesRead);

/// <summary>What an on-demand read of one post did: targets read, and the failures in the platforms' words.</summary>
public sealed record RefreshResult(int Read, IReadOnlyList<string> Failures);

/// <summary>
/// Reads published posts' metrics and connections' audiences from their platforms when they are due, and stores each
/// reading as a snapshot plus the latest figures. Every node sweeps; a sweep claims its rows with
/// <c>for update skip locked</c> and pushes them a lease ahead in the same statement, so no two nodes read one row,
/// and a node that dies mid-sweep only delays its rows by the lease. Every "now" is the app's <see cref="TimeProvider"/>
/// (never the database's), so tests drive the schedule with a controlled clock through <see cref="SweepOnceAsync"/>.
/// </summary>
/// <remarks>
/// Nothing here writes to a post's or a connection's stream: a platform that fails to give metrics never changes
/// publishing. Only readings become snapshots; a failure is recorded on the row (<c>last_sync_error</c>, never with a
/// token) and never as a row of zeros.
/// </remarks>
public sealed class MetricsSync(NpgsqlDataSource db, IDocumentStore store, IServiceScopeFactory scopes, TimeProvider clock, IOptions<AnalyticsOptions> options, ILogger<MetricsSync> logger)
{
    private const string NeedsReauth = "The connection needs to be reconnected before its metrics can be read.";
    private const string Deleted = "The platform no longer returns this post (deleted or hidden).";

    private static readonly string FigureColumns = string.Join(", ", AnalyticsTables.MetricColumns.Select(c => c.Column));
    private static readonly string AudienceColumns = string.Join(", ", AnalyticsTables.AudienceColumns.Select(c => c.Column));

    private AnalyticsOptions Options => options.Value;

    /// <summary>One pass: every due target (grouped by connection, in the platform's batches), then every due audience.</summary>
    public async Task<SweepResult> SweepOnceAsync(CancellationToken ct)
    {
        var (claimedTargets, targets) = await SweepTargetsAsync(ct);
        var (claimedAudiences, audiences) = await SweepAudiencesAsync(ct);
        return new(Math.Max(claimedTargets, claimedAudiences), targets, audiences);
    }

    private async Task<(int Claimed, IReadOnlyList<Guid> Read)> SweepTargetsAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var due = await ClaimTargetsAsync(now, ct);
        var read = new System.Collections.Concurrent.ConcurrentQueue<Guid>();
        // Connections are independent (their own tokens, their own rate limits): several are read at once, as calls
        // wait on platforms rather than on the CPU.
        await Parallel.ForEachAsync(due.GroupBy(t => t.ConnectionId), new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Options.Parallelism), CancellationToken = ct },
            async (group, token) =>
            {
                try
                {
                    foreach (var id in await ReadConnectionTargetsAsync(group.Key, [.. group], now, scheduled: true, token))
                    {
                        read.Enqueue(id);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
                {
                    // One connection's trouble (a database blip while saving) must not stop the others; its claimed rows
                    // come due again when the lease ends.
                    logger.LogError(ex, "Syncing the metrics of connection {ConnectionId} failed", group.Key);
                }
            });

        return (due.Count, [.. read]);
    }

    /// <summary>
    /// Reads a post's published targets now (<c>refreshMetrics</c>): the readings are stored like scheduled ones, but
    /// the schedule is left as it is.
    /// </summary>
    public async Task<RefreshResult> RefreshPostAsync(Post post, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var published = post.Targets.Where(t => t is { Status: TargetStatus.Published, ExternalId: not null, PublishedAt: not null }).ToList();
        // The rows are made asynchronously after publication: a refresh right after it makes them itself (the same upsert).
        if (published.Count > 0)
        {
            await using var session = store.LightweightSession();
            foreach (var target in published)
            {
                MetricRows.QueueTarget(session, target.Id, post.WorkspaceId, post.Id, target.ConnectionId, target.Platform, target.ExternalId!, target.PublishedAt!.Value);
            }

            await session.SaveChangesAsync(ct);
        }

        var failures = new List<string>();
        var read = 0;
        foreach (var group in published.GroupBy(t => t.ConnectionId))
        {
            var due = group.Select(t => new DueTarget(t.Id, post.WorkspaceId, post.Id, t.ConnectionId, t.ExternalId!, t.PublishedAt!.Value, 0)).ToList();
            var outcome = await ReadConnectionTargetsAsync(group.Key, due, now, scheduled: false, ct, failures);
            read += outcome.Count;
        }

        return new(read, failures);
    }

    /// <summary>
    /// Takes the post's on-demand read for the cooldown, atomically across nodes (one upsert that only replaces a
    /// stamp older than the cooldown); answers null when taken, else when the next read is allowed.
    /// </summary>
    public async Task<DateTimeOffset?> TryStartRefreshAsync(Guid postId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var command = db.CreateCommand(
            $"insert into {RefreshStamps.Table} as r (post_id, refreshed_at) values ($1, $2) " +
            "on conflict (post_id) do update set refreshed_at = excluded.refreshed_at where r.refreshed_at <= $3 returning r.refreshed_at");
        Add(command.Parameters, postId, now, now - Options.RefreshCooldown);
        if (await command.ExecuteScalarAsync(ct) is not null)
        {
            return null;
        }

        await using var last = db.CreateCommand($"select refreshed_at from {RefreshStamps.Table} where post_id = $1");
        Add(last.Parameters, postId);
        return await last.ExecuteScalarAsync(ct) is DateTime at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) + Options.RefreshCooldown : now + Options.RefreshCooldown;
    }

    private async Task<List<DueTarget>> ClaimTargetsAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            $"with due as (select target_id from {AnalyticsTables.TargetMetrics} where next_sync_at <= $1 order by next_sync_at limit $2 for update skip locked) " +
            $"update {AnalyticsTables.TargetMetrics} t set next_sync_at = $3 from due where t.target_id = due.target_id " +
            "returning t.target_id, t.workspace_id, t.post_id, t.connection_id, t.external_id, t.published_at, t.sync_failures");
        Add(command.Parameters, now, Options.SweepBatch, now + Options.ClaimLease);
        var due = new List<DueTarget>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            due.Add(new(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetGuid(3), reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5), reader.GetInt32(6)));
        }

        return due;
    }

    /// <summary>
    /// Reads one connection's targets in chunks of its platform's batch size. <paramref name="scheduled"/>: a sweep's
    /// reading moves the schedule on and a failure backs off; an on-demand one (<paramref name="failures"/> collects its
    /// failures) stores the reading and leaves the schedule alone.
    /// </summary>
    private async Task<List<Guid>> ReadConnectionTargetsAsync(Guid connectionId, IReadOnlyList<DueTarget> targets, DateTimeOffset now, bool scheduled,
        CancellationToken ct, List<string>? failures = null)
    {
        var read = new List<Guid>();
        await using var scope = scopes.CreateAsyncScope();
        var access = await OpenAsync(scope.ServiceProvider, connectionId, ct);
        if (access.Credentials is not { } credentials || access.Client is not { } client)
        {
            failures?.Add(access.Problem!);
            if (scheduled)
            {
                await SetTargetsAsync(targets, access.Wait is { } wait ? now + wait : null, access.Problem!, countFailure: false, ct);
            }

            return read;
        }

        foreach (var chunk in targets.Chunk(Math.Max(1, client.BatchSize)))
        {
            IReadOnlyDictionary<string, PostMetricsReading> readings;
            try
            {
                readings = await client.ReadPostsAsync(credentials.Account, credentials.Token, [.. chunk.Select(t => new PublishedPostRef(t.ExternalId, t.PublishedAt))], ct);
            }
            catch (PlatformException ex) when (ex.Kind == PlatformFailureKind.RateLimited)
            {
                // The platform's limit is the account's, not the post's: every row of the connection waits for the reset.
                var until = ex.RetryAt is { } reset && reset > now ? reset : now + Options.RetryBaseDelay;
                failures?.Add($"{client.Platform} is rate limiting this account until {until:u}.");
                await PostponeConnectionAsync(connectionId, until, $"Rate limited by {client.Platform}: {ex.Message}", ct);
                return read;
            }
            catch (PlatformException ex) when (ex.Kind is PlatformFailureKind.AuthExpired or PlatformFailureKind.Rejected)
            {
                // Refused tokens or a missing permission fail the same way for every post: not retried at every sweep.
                failures?.Add($"{client.Platform} refused to give metrics: {ex.Message}");
                if (scheduled)
                {
                    await SetTargetsAsync(targets, now + Options.AuthFailureWait, $"{client.Platform} refused: {ex.Message}", countFailure: true, ct);
                }

                return read;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                var message = ex is PlatformException platform ? platform.Message : $"The call to {client.Platform} ended unexpectedly ({ex.GetType().Name}).";
                if (ex is not PlatformException)
                {
                    // The exception's type only: a transport error's text may carry a request URL, and some platforms put tokens in URLs.
                    logger.LogWarning("Reading metrics of connection {ConnectionId} on {Platform} failed: {Error}", connectionId, client.Platform, ex.GetType().Name);
                }

                failures?.Add($"{client.Platform} did not give metrics: {message}");
                if (scheduled)
                {
                    await BackOffAsync(chunk, now, message, ct);
                }

                continue;
            }

            await SaveReadingsAsync(chunk, readings, now, scheduled, ct);
            read.AddRange(chunk.Where(t => readings.ContainsKey(t.ExternalId)).Select(t => t.TargetId));
        }

        return read;
    }

    private async Task SaveReadingsAsync(IReadOnlyList<DueTarget> chunk, IReadOnlyDictionary<string, PostMetricsReading> readings, DateTimeOffset now, bool scheduled, CancellationToken ct)
    {
        // The snapshot and the latest copy in one transaction: the dashboard never shows a latest with no snapshot behind it.
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var batch = new NpgsqlBatch(connection, transaction);
        var placeholders = string.Join(", ", AnalyticsTables.MetricColumns.Select((_, i) => $"${i + 4}"));
        foreach (var target in chunk)
        {
            if (!readings.TryGetValue(target.ExternalId, out var reading))
            {
                // Absent from the answer: the platform no longer knows the post. It stops; its earlier readings stay.
                if (scheduled)
                {
                    batch.BatchCommands.Add(Command($"update {AnalyticsTables.TargetMetrics} set next_sync_at = null, last_sync_error = $2 where target_id = $1", target.TargetId, Deleted));
                }

                continue;
            }

            var figures = Figures(reading);
            batch.BatchCommands.Add(Command(
                $"insert into {AnalyticsTables.MetricSnapshots} (target_id, measured_at, workspace_id, {FigureColumns}) values ($1, $2, $3, {placeholders}) on conflict do nothing",
                [target.TargetId, now, target.WorkspaceId, .. figures]));
            if (scheduled)
            {
                var (step, next) = SyncSchedule.After(target.PublishedAt, now);
                batch.BatchCommands.Add(Command(
                    $"update {AnalyticsTables.TargetMetrics} set measured_at = $2, {Assignments(4)}, sync_step = $3, next_sync_at = ${figures.Length + 4}, " +
                    $"sync_failures = 0, last_sync_error = null where target_id = $1",
                    [target.TargetId, now, step, .. figures, next]));
            }
            else
            {
                // A reading older than the stored one (a slower concurrent read) must not replace it.
                batch.BatchCommands.Add(Command(
                    $"update {AnalyticsTables.TargetMetrics} set measured_at = $2, {Assignments(3)} where target_id = $1 and (measured_at is null or measured_at < $2)",
                    [target.TargetId, now, .. figures]));
            }
        }

        // Outbound webhooks (metrics.updated): queued in this transaction, so a reading and its event stand or fall together.
        foreach (var delivery in Hooks.Producing.HookMetrics.Deliveries(chunk.Where(t => readings.ContainsKey(t.ExternalId))
                     .Select(t => (t.WorkspaceId, t.PostId, t.TargetId, Figures(readings[t.ExternalId]))), now))
        {
            batch.BatchCommands.Add(delivery);
        }

        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(ct);
        }

        await transaction.CommitAsync(ct);
    }

    private async Task BackOffAsync(IReadOnlyList<DueTarget> chunk, DateTimeOffset now, string error, CancellationToken ct)
    {
        await using var batch = db.CreateBatch();
        foreach (var target in chunk)
        {
            var failures = target.SyncFailures + 1;
            // A post that keeps failing stops after MaxFailures in a row rather than being tried for ever.
            DateTimeOffset? next = failures >= Options.MaxFailures ? null : now + Options.BackoffFor(failures);
            batch.BatchCommands.Add(Command(
                $"update {AnalyticsTables.TargetMetrics} set sync_failures = $2, next_sync_at = $3, last_sync_error = $4 where target_id = $1",
                target.TargetId, failures, next, error));
        }

        await batch.ExecuteNonQueryAsync(ct);
    }

    private async Task SetTargetsAsync(IReadOnlyList<DueTarget> targets, DateTimeOffset? next, string error, bool countFailure, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            $"update {AnalyticsTables.TargetMetrics} set next_sync_at = $2, last_sync_error = $3, sync_failures = sync_failures + $4 where target_id = any($1)");
        Add(command.Parameters, targets.Select(t => t.TargetId).ToArray(), next, error, countFailure ? 1 : 0);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Every row of the connection that would come due before <paramref name="until"/> waits for it (a platform's rate-limit reset).</summary>
    private async Task PostponeConnectionAsync(Guid connectionId, DateTimeOffset until, string error, CancellationToken ct)
    {
        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(Command(
            $"update {AnalyticsTables.TargetMetrics} set next_sync_at = $2, last_sync_error = $3 where connection_id = $1 and next_sync_at < $2",
            connectionId, until, error));
        batch.BatchCommands.Add(Command(
            $"update {AnalyticsTables.ConnectionAudience} set next_sync_at = $2, last_sync_error = $3 where connection_id = $1 and next_sync_at < $2",
            connectionId, until, error));
        await batch.ExecuteNonQueryAsync(ct);
    }

    private async Task<(int Claimed, IReadOnlyList<Guid> Read)> SweepAudiencesAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var due = new List<(Guid ConnectionId, Guid WorkspaceId, int Failures)>();
        await using (var command = db.CreateCommand(
            $"with due as (select connection_id from {AnalyticsTables.ConnectionAudience} where next_sync_at <= $1 order by next_sync_at limit $2 for update skip locked) " +
            $"update {AnalyticsTables.ConnectionAudience} a set next_sync_at = $3 from due where a.connection_id = due.connection_id " +
            "returning a.connection_id, a.workspace_id, a.sync_failures"))
        {
            Add(command.Parameters, now, Options.SweepBatch, now + Options.ClaimLease);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                due.Add((reader.GetGuid(0), reader.GetGuid(1), reader.GetInt32(2)));
            }
        }

        var read = new List<Guid>();
        foreach (var (connectionId, workspaceId, failures) in due)
        {
            try
            {
                if (await ReadAudienceAsync(connectionId, workspaceId, failures, now, ct))
                {
                    read.Add(connectionId);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                logger.LogError(ex, "Syncing the audience of connection {ConnectionId} failed", connectionId);
            }
        }

        return (due.Count, read);
    }

    /// <summary>
    /// Reads these connections' audiences now, outside their schedule (the marketplace refreshes a creator's figures
    /// before an offer is accepted); a failure is recorded as a scheduled read's would be, and the older figure stays.
    /// </summary>
    public async Task RefreshAudiencesAsync(IReadOnlyCollection<Guid> connectionIds, Guid workspaceId, CancellationToken ct)
    {
        if (connectionIds.Count == 0)
        {
            return;
        }

        var failures = new Dictionary<Guid, int>();
        await using (var command = db.CreateCommand($"select connection_id, sync_failures from {AnalyticsTables.ConnectionAudience} where connection_id = any($1) and workspace_id = $2"))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = connectionIds.ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Uuid });
            command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                failures[reader.GetGuid(0)] = reader.GetInt32(1);
            }
        }

        foreach (var (connectionId, failed) in failures)
        {
            await ReadAudienceAsync(connectionId, workspaceId, failed, clock.GetUtcNow(), ct);
        }
    }

    private async Task<bool> ReadAudienceAsync(Guid connectionId, Guid workspaceId, int failures, DateTimeOffset now, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var access = await OpenAsync(scope.ServiceProvider, connectionId, ct);
        if (access.Credentials is not { } credentials || access.Client is not { } client)
        {
            await SetAudienceAsync(connectionId, access.Wait is { } wait ? now + wait : null, access.Problem, failures, ct);
            return false;
        }

        AudienceReading reading;
        try
        {
            reading = await client.ReadAudienceAsync(credentials.Account, credentials.Token, ct);
        }
        catch (PlatformException ex) when (ex.Kind == PlatformFailureKind.RateLimited)
        {
            await PostponeConnectionAsync(connectionId, ex.RetryAt is { } reset && reset > now ? reset : now + Options.RetryBaseDelay, $"Rate limited by {client.Platform}: {ex.Message}", ct);
            return false;
        }
        catch (PlatformException ex) when (ex.Kind is PlatformFailureKind.AuthExpired or PlatformFailureKind.Rejected)
        {
            await SetAudienceAsync(connectionId, now + Options.AuthFailureWait, $"{client.Platform} refused: {ex.Message}", failures + 1, ct);
            return false;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            if (ex is not PlatformException)
            {
                logger.LogWarning("Reading the audience of connection {ConnectionId} on {Platform} failed: {Error}", connectionId, client.Platform, ex.GetType().Name);
            }

            // An audience never stops for failures: the account is still connected, and the next success resumes the series.
            var message = ex is PlatformException platform ? platform.Message : $"The call to {client.Platform} ended unexpectedly ({ex.GetType().Name}).";
            await SetAudienceAsync(connectionId, now + Options.BackoffFor(failures + 1), message, failures + 1, ct);
            return false;
        }

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var batch = new NpgsqlBatch(connection, transaction);
        object?[] figures = [reading.Followers, reading.Following, reading.Posts];
        batch.BatchCommands.Add(Command(
            $"insert into {AnalyticsTables.AudienceSnapshots} (connection_id, measured_at, workspace_id, {AudienceColumns}) values ($1, $2, $3, $4, $5, $6) on conflict do nothing",
            [connectionId, now, workspaceId, .. figures]));
        batch.BatchCommands.Add(Command(
            $"update {AnalyticsTables.ConnectionAudience} set measured_at = $2, followers = $3, following = $4, posts = $5, next_sync_at = $6, sync_failures = 0, last_sync_error = null " +
            "where connection_id = $1",
            [connectionId, now, .. figures, now + Options.AudienceInterval]));
        await batch.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    private async Task SetAudienceAsync(Guid connectionId, DateTimeOffset? next, string? error, int failures, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            $"update {AnalyticsTables.ConnectionAudience} set next_sync_at = $2, last_sync_error = $3, sync_failures = $4 where connection_id = $1");
        Add(command.Parameters, connectionId, next, error, failures);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>What the sync may call a connection with, or why it may not (and how long its rows wait: null stops them).</summary>
    private sealed record Access((PlatformAccount Account, string Token)? Credentials, IPlatformMetrics? Client, string? Problem, TimeSpan? Wait);

    private async Task<Access> OpenAsync(IServiceProvider services, Guid connectionId, CancellationToken ct)
    {
        var session = services.GetRequiredService<IQuerySession>();
        var connection = await session.LoadAsync<Connection>(connectionId, ct);
        if (connection is null or { Status: ConnectionStatus.Disconnected })
        {
            return new(null, null, MetricRows.Disconnected, null);
        }

        if (connection.Status == ConnectionStatus.NeedsReauth)
        {
            return new(null, null, NeedsReauth, Options.AuthFailureWait);
        }

        if (services.GetRequiredService<PlatformClients>().Metrics(connection.Platform) is not { } client)
        {
            return new(null, null, $"Nexus reads no metrics from {connection.Platform} yet.", Options.UnsupportedWait);
        }

        if (await session.LoadAsync<ConnectionSecrets>(connectionId, ct) is not { } secrets)
        {
            return new(null, null, MetricRows.Disconnected, null);
        }

        return new(ConnectionCredentials.Open(connection, secrets, services.GetRequiredService<TokenVault>()), client, null, null);
    }

    /// <summary><c>impressions = $first, reach = $first+1, …</c>: the figure columns set from consecutive parameters.</summary>
    private static string Assignments(int first) =>
        string.Join(", ", AnalyticsTables.MetricColumns.Select((c, i) => $"{c.Column} = ${i + first}"));

    private static object?[] Figures(PostMetricsReading r) =>
        [r.Impressions, r.Reach, r.Views, r.Likes, r.Comments, r.Shares, r.Saves, r.Clicks, r.VideoViews, r.WatchTimeSeconds, r.AverageViewSeconds];

    private static NpgsqlBatchCommand Command(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        Add(command.Parameters, values);
        return command;
    }

    private static void Add(NpgsqlParameterCollection parameters, params object?[] values)
    {
        foreach (var value in values)
        {
            // A null needs a type: every nullable here is a timestamp, a text or a figure, told apart by the column it
            // goes to, which PostgreSQL infers when the parameter is untyped (unknown).
            parameters.Add(value switch
            {
                null => new NpgsqlParameter { Value = DBNull.Value },
                DateTimeOffset at => new NpgsqlParameter { Value = at.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz },
                _ => new NpgsqlParameter { Value = value },
            });
        }
    }
}

/// <summary>When each post's metrics were last read on demand (<c>refreshMetrics</c>'s cooldown).</summary>
public sealed class RefreshStamps : IConfigureMarten
{
    public const string Table = Infrastructure.Persistence.SchemaName + ".metric_refreshes";

    public void Configure(IServiceProvider services, StoreOptions options)
    {
        var table = new Weasel.Postgresql.Tables.Table(Table);
        table.AddColumn<Guid>("post_id").AsPrimaryKey();
        table.AddColumn("refreshed_at", "timestamp with time zone").NotNull();
        options.Storage.ExtendedSchemaObjects.Add(table);
    }
}

/// <summary>Opens a connection's tokens for a platform call, as publishing does (<c>PlatformCalls.Credentials</c>).</summary>
public static class ConnectionCredentials
{
    public static (PlatformAccount Account, string Token) Open(Connection connection, ConnectionSecrets secrets, TokenVault vault)
    {
        var tokens = secrets.Open(vault);
        // Pages carry their own token; the grant's token stays for user-level calls.
        var account = new PlatformAccount(connection.ExternalId, connection.Name, connection.Handle, connection.AvatarUrl, connection.Kind, tokens.AccountAccessToken);
        return (account, tokens.Grant.AccessToken);
    }
}
