using Marten;
using Microsoft.Extensions.Options;
using Npgsql;
using Nexus.Api.Infrastructure;
using Weasel.Postgresql.Tables;
using Wolverine;

namespace Nexus.Api.Features.Posts.Publishing;

/// <summary>
/// Who is calling a platform for an attempt right now, held in PostgreSQL so every node sees it: a row per attempt
/// under way (<c>nexus.attempt_leases</c>) with the owning node and an expiry that the caller pushes forward while a
/// long call (a video upload) runs. A second delivery, on any node, that finds the attempt recorded but unanswered
/// waits while the lease is live; an expired or absent lease means the caller is gone, and the platform is asked.
/// </summary>
/// <remarks>
/// The lease is taken in the claim's transaction and released in the transaction that records the answer, as one
/// more statement of each batch: publishing a target costs no round trip for it. Only a call still running after a
/// third of <see cref="PublishingOptions.AttemptLease"/> renews it.
/// </remarks>
public sealed class AttemptLeases(NpgsqlDataSource dataSource, WolverineOptions wolverine, IOptions<PublishingOptions> options, ILogger<AttemptLeases> logger)
{
    public const string Table = "attempt_leases";

    private const string QualifiedTable = Persistence.SchemaName + "." + Table;

    // Taken only where no live lease stands: one statement, so two nodes cannot both take it.
    private const string TakeSql =
        $"insert into {QualifiedTable} as lease (attempt_id, owner_id, expires_at) values (?, ?, now() + ?) " +
        "on conflict (attempt_id) do update set owner_id = excluded.owner_id, expires_at = excluded.expires_at where lease.expires_at <= now()";

    private const string ReleaseSql = $"delete from {QualifiedTable} where attempt_id = ? and owner_id = ?";

    /// <summary>This node, the owner of the leases it takes (Wolverine's id of the node, as in <c>wolverine_nodes</c>).</summary>
    public Guid NodeId => wolverine.UniqueNodeId;

    private TimeSpan Length => options.Value.AttemptLease;

    private ILogger Logger => logger;

    /// <summary>Takes the lease of a new attempt with the claim that records it (the claim's insert makes it the only taker).</summary>
    public void TakeWith(IDocumentSession claim, string attemptId) => claim.QueueSqlCommand(TakeSql, attemptId, NodeId, Length);

    /// <summary>Releases this node's lease with the transaction that records the attempt's answer.</summary>
    public void ReleaseWith(IDocumentSession session, string attemptId) => session.QueueSqlCommand(ReleaseSql, attemptId, NodeId);

    /// <summary>
    /// Takes the lease of an attempt recorded but unanswered when its caller is gone (no live lease). Otherwise answers
    /// how long the live lease has left: its holder is still calling, or will be known gone by then.
    /// </summary>
    public async Task<(bool Taken, TimeSpan Remaining)> TryTakeAsync(string attemptId, CancellationToken ct)
    {
        // The outer select reads the table as it was before the insert: a row there is someone else's live lease.
        await using var command = dataSource.CreateCommand(Numbered(TakeSql, "with taken as (",
            $" returning 1) select exists (select 1 from taken), (select greatest(expires_at - now(), interval '0') from {QualifiedTable} where attempt_id = $1)"));
        command.Parameters.Add(new() { Value = attemptId });
        command.Parameters.Add(new() { Value = NodeId });
        command.Parameters.Add(new() { Value = Length });
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return reader.GetBoolean(0) ? (true, Length) : (false, reader.IsDBNull(1) ? TimeSpan.Zero : reader.GetFieldValue<TimeSpan>(1));
    }

    /// <summary>Which of these attempts a live lease holds: calls under way somewhere, not stalled.</summary>
    public async Task<IReadOnlySet<string>> HeldAsync(IReadOnlyCollection<string> attemptIds, CancellationToken ct)
    {
        if (attemptIds.Count == 0)
        {
            return new HashSet<string>();
        }

        await using var command = dataSource.CreateCommand($"select attempt_id from {QualifiedTable} where attempt_id = any($1) and expires_at > now()");
        command.Parameters.Add(new() { Value = attemptIds.ToArray() });
        var held = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            held.Add(reader.GetString(0));
        }

        return held;
    }

    /// <summary>Deletes leases long expired: those of callers that died and whose attempts were settled without them.</summary>
    public async Task<int> ForgetExpiredAsync(TimeSpan olderThan, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"delete from {QualifiedTable} where expires_at < now() - $1");
        command.Parameters.Add(new() { Value = olderThan });
        return await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Keeps the lease of a call under way alive until disposed. Disposed without <see cref="Holding.Answered"/> (the call
    /// was cut off: the host is stopping), it releases the lease at once, so the next delivery asks the platform.
    /// </summary>
    public Holding Hold(string attemptId) => new(this, attemptId);

    private async Task<bool> RenewAsync(string attemptId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"update {QualifiedTable} set expires_at = now() + $3 where attempt_id = $1 and owner_id = $2");
        command.Parameters.Add(new() { Value = attemptId });
        command.Parameters.Add(new() { Value = NodeId });
        command.Parameters.Add(new() { Value = Length });
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    private async Task ReleaseAsync(string attemptId)
    {
        try
        {
            await using var command = dataSource.CreateCommand(Numbered(ReleaseSql));
            command.Parameters.Add(new() { Value = attemptId });
            command.Parameters.Add(new() { Value = NodeId });
            await command.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            // Not released: it expires on its own, after which the next delivery asks the platform all the same.
            logger.LogWarning(ex, "Could not release the lease of attempt {AttemptId}", attemptId);
        }
    }

    // Marten's queued commands take "?" placeholders; a plain Npgsql command takes $1, $2, ...
    private static string Numbered(string sql, string before = "", string after = "")
    {
        var numbered = new System.Text.StringBuilder(before);
        var position = 0;
        foreach (var c in sql)
        {
            numbered.Append(c == '?' ? $"${++position}" : c.ToString());
        }

        return numbered.Append(after).ToString();
    }

    public sealed class Holding : IAsyncDisposable
    {
        private readonly AttemptLeases _leases;
        private readonly string _attemptId;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _renewing;
        private bool _answered;

        internal Holding(AttemptLeases leases, string attemptId)
        {
            _leases = leases;
            _attemptId = attemptId;
            _renewing = RenewAsync();
        }

        /// <summary>The answer is saved: the lease goes with the transaction that records it.</summary>
        public void Answered() => _answered = true;

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _renewing;
            _stop.Dispose();
            if (!_answered)
            {
                await _leases.ReleaseAsync(_attemptId);
            }
        }

        private async Task RenewAsync()
        {
            var every = _leases.Length / 3;
            try
            {
                while (true)
                {
                    await Task.Delay(every, _stop.Token);
                    try
                    {
                        if (!await _leases.RenewAsync(_attemptId, _stop.Token))
                        {
                            // Expired and taken over by a delivery that asks the platform: nothing left to keep.
                            _leases.Logger.LogWarning("The lease of attempt {AttemptId} was lost while its call was under way", _attemptId);
                            return;
                        }
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        // A database blip: try again at the next beat, well before the lease runs out.
                        _leases.Logger.LogWarning(ex, "Could not renew the lease of attempt {AttemptId}", _attemptId);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}

/// <summary>The lease table, created and migrated with the rest of the schema at start-up.</summary>
public sealed class AttemptLeasesMarten : IConfigureMarten
{
    private const string QualifiedName = Persistence.SchemaName + "." + AttemptLeases.Table;

    public void Configure(IServiceProvider services, StoreOptions options)
    {
        var table = new Table(QualifiedName);
        table.AddColumn<string>("attempt_id").AsPrimaryKey();
        table.AddColumn<Guid>("owner_id").NotNull();
        table.AddColumn("expires_at", "timestamp with time zone").NotNull();
        options.Storage.ExtendedSchemaObjects.Add(table);
    }
}
