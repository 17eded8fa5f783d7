using System.Threading.Channels;
using JasperFx.Events;
using Marten;
using Npgsql;

namespace Nexus.Api.Infrastructure.Realtime;

/// <summary>
/// Follows the events committed by every node and hands them to the <see cref="IRealtimeSource"/>s, which publish
/// to this node's <see cref="WorkspaceFeed"/>: one path for the events of this node and of the others.
/// </summary>
/// <remarks>
/// <para>
/// Woken by <c>NOTIFY nexus_events</c> (<see cref="RealtimeMarten"/>) on the node's listening connection, it reads
/// <c>mt_events</c> by sequence number from its own position, so a notification missed while the connection was
/// down costs nothing: the position is caught up from when it is back (and polled every second regardless).
/// Without watchers on this node it reads the sequence numbers only, to move its position along.
/// </para>
/// <para>
/// A sequence number is drawn before its transaction commits, so a lower one can commit after a higher one. The
/// position is therefore a watermark below which everything was handed on, plus the numbers handed on above it;
/// a hole under a number handed on is waited for <see cref="StaleAfter"/> (a rolled-back transaction leaves it
/// for ever, like Marten's daemon assumes), then given up. A given-up number that commits after all is still
/// handed on when it shows up within <see cref="GivenUpFor"/>. Nothing is handed on twice.
/// </para>
/// </remarks>
public sealed class CommittedEvents(IDocumentStore store, NpgsqlDataSource dataSource, WorkspaceFeed feed,
    IEnumerable<IRealtimeSource> sources, IHostApplicationLifetime lifetime, ILogger<CommittedEvents> logger) : BackgroundService, IDatabaseChannel
{
    public const string Channel = "nexus_events";

    internal static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan GivenUpFor = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan CatchUpWait = TimeSpan.FromSeconds(5);
    private const int Page = 500;
    private const int MaxGivenUp = 10_000;

    private readonly IRealtimeSource[] _sources = [.. sources];
    private readonly Channel<bool> _wake = System.Threading.Channels.Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Lock _gate = new();
    private List<TaskCompletionSource> _waiting = [];

    // The position; touched by the pump only.
    private long _watermark = -1;
    private readonly SortedSet<long> _seen = [];
    private readonly Dictionary<long, DateTimeOffset> _givenUp = [];
    private DateTimeOffset? _holeSince;

    string IDatabaseChannel.Name => Channel;

    Task IDatabaseChannel.ListeningAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        Wake();
        return Task.CompletedTask;
    }

    // With no watchers here, nothing is handed on: reading after every commit of every node would be a query per
    // commit for nothing (the bench's schedulePost paid it). The position then moves on the one-second poll, and a
    // new watcher's CaughtUpAsync wakes the pump itself.
    void IDatabaseChannel.Notified(string payload)
    {
        if (feed.HasWatchers)
        {
            Wake();
        }
    }

    // Nothing to do: the position is polled while no notification comes.
    void IDatabaseChannel.Deaf()
    {
    }

    /// <summary>
    /// Returns once every event committed before the call has been handed to the sources: a watcher added then
    /// gets what commits from then on, not what committed before it subscribed. Gives up waiting after a few
    /// seconds (the database unreachable) rather than hold a subscription.
    /// </summary>
    public async Task CaughtUpAsync(CancellationToken ct)
    {
        var caughtUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _waiting.Add(caughtUp);
        }

        Wake();
        try
        {
            await caughtUp.Task.WaitAsync(CatchUpWait, ct);
        }
        catch (TimeoutException)
        {
            logger.LogWarning("Committed events were not caught up within {Wait}; a new watcher may get events from just before it subscribed", CatchUpWait);
        }
    }

    private void Wake() => _wake.Writer.TryWrite(true);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // mt_events is created by Marten's start-up work.
        if (!await DatabaseListener.StartedAsync(lifetime, stoppingToken))
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            List<TaskCompletionSource> waiting;
            lock (_gate)
            {
                (waiting, _waiting) = (_waiting, []);
            }

            try
            {
                if (_watermark < 0)
                {
                    // From now on: events committed before this node started are nobody's news here.
                    await using var command = dataSource.CreateCommand($"select coalesce(max(seq_id), 0) from {Persistence.SchemaName}.mt_events");
                    _watermark = (long)(await command.ExecuteScalarAsync(stoppingToken))!;
                }

                await CatchUpAsync(stoppingToken);
                waiting.ForEach(w => w.TrySetResult());
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                lock (_gate)
                {
                    _waiting.AddRange(waiting);
                }

                logger.LogWarning(ex, "Reading committed events failed; retrying");
                await Task.Delay(Poll, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }

            // Also polled (one index lookup a second) while listening: a notification missed however it was
            // (the trigger recreated by a node's start-up, a connection lost and not yet noticed) costs a second,
            // not a silence until the next commit.
            using var poll = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            poll.CancelAfter(Poll);

            try
            {
                await _wake.Reader.ReadAsync(poll.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Hands on every committed event past the position, page by page, and moves the position.</summary>
    private async Task CatchUpAsync(CancellationToken ct)
    {
        while (true)
        {
            var watching = feed.HasWatchers;
            var sequences = await NewSequencesAsync(ct);
            if (sequences.Count > 0 && watching)
            {
                await HandOnAsync(sequences, ct);
            }

            foreach (var sequence in sequences)
            {
                if (!_givenUp.Remove(sequence))
                {
                    _seen.Add(sequence);
                }
            }

            Advance();
            if (sequences.Count < Page)
            {
                return;
            }
        }
    }

    private async Task<List<long>> NewSequencesAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"select seq_id from {Persistence.SchemaName}.mt_events where (seq_id > $1 and seq_id <> all($2)) or seq_id = any($3) order by seq_id limit $4");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = _watermark });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. _seen] });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. _givenUp.Keys] });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Page });
        var sequences = new List<long>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            sequences.Add(reader.GetInt64(0));
        }

        return sequences;
    }

    private async Task HandOnAsync(List<long> sequences, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var events = await session.Events.QueryAllRawEvents().Where(e => e.Sequence.IsOneOf(sequences.ToArray())).OrderBy(e => e.Sequence).ToListAsync(ct);
        var committed = Group(events);
        foreach (var source in _sources)
        {
            try
            {
                await source.PublishAsync(committed, session, feed, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                logger.LogError(ex, "Realtime source {Source} failed on committed events; its subscribers miss them", source.GetType().Name);
            }
        }
    }

    /// <summary>
    /// One entry per stream and transaction, in sequence order. Marten stamps an event with its transaction's start
    /// (<c>now()</c>), the same for all of one transaction's events and, a stream's appends being serialized by its
    /// version, different for the next transaction on that stream.
    /// </summary>
    internal static List<StreamAction> Group(IReadOnlyList<IEvent> events)
    {
        var order = new List<(Guid Stream, DateTimeOffset At)>();
        var grouped = new Dictionary<(Guid Stream, DateTimeOffset At), List<IEvent>>();
        foreach (var e in events)
        {
            var key = (e.StreamId, e.Timestamp);
            if (!grouped.TryGetValue(key, out var list))
            {
                grouped[key] = list = [];
                order.Add(key);
            }

            list.Add(e);
        }

        return [.. order.Select(key => StreamAction.For(key.Stream, grouped[key]))];
    }

    /// <summary>Raises the watermark over what was handed on, giving up a hole below it once it is stale.</summary>
    private void Advance()
    {
        var now = DateTimeOffset.UtcNow;
        while (_seen.Count > 0)
        {
            var lowest = _seen.Min;
            if (lowest <= _watermark + 1)
            {
                _watermark = Math.Max(_watermark, lowest);
                _seen.Remove(lowest);
                _holeSince = null;
                continue;
            }

            _holeSince ??= now;
            if (now - _holeSince < StaleAfter)
            {
                break;
            }

            var hole = lowest - _watermark - 1;
            if (logger.IsEnabled(LogLevel.Debug))
            {
                logger.LogDebug("Giving up sequence numbers {From}..{To}: not committed after {Stale}", _watermark + 1, lowest - 1, StaleAfter);
            }

            if (_givenUp.Count + hole <= MaxGivenUp)
            {
                for (var sequence = _watermark + 1; sequence < lowest; sequence++)
                {
                    _givenUp[sequence] = now;
                }
            }

            _watermark = lowest - 1;
            _holeSince = null;
        }

        if (_seen.Count == 0)
        {
            _holeSince = null;
        }

        foreach (var (sequence, at) in _givenUp)
        {
            if (now - at > GivenUpFor)
            {
                _givenUp.Remove(sequence);
            }
        }
    }
}
