using System.Diagnostics;
using System.Globalization;
using JasperFx.Events.Projections;
using Marten;
using Nexus.Api.Infrastructure;
using Npgsql;

namespace Nexus.Api.Features.EventStreams.Rebuilding;

/// <summary>A projection Marten runs, and whether it is written with the events (inline) or after them (async).</summary>
public sealed record ProjectionInfo(string Name, ProjectionLifecycle Lifecycle);

/// <summary>What one rebuild did: the events it went through and how long it took.</summary>
public sealed record RebuildResult(string Projection, long Events, TimeSpan Elapsed)
{
    public double EventsPerSecond => Elapsed > TimeSpan.Zero ? Events / Elapsed.TotalSeconds : Events;
}

/// <summary>
/// <c>rebuild-projections [--projection NAME]...</c>: rebuilds Marten projections (the inline snapshots Post, Workspace,
/// User, Connection and the async MetricRows) from the event store through Marten's own rebuild (a projection daemon
/// built for this process: it clears the projection's documents and progress, replays every event in sequence order
/// through the same Apply methods, and records the high-water mark as the projection's progress), with a progress line
/// a second on stdout.
/// </summary>
public static class ProjectionRebuild
{
    private static readonly TimeSpan ShardTimeout = TimeSpan.FromHours(2);

    public static async Task<int> RunCommandAsync(string[] args)
    {
        var names = new List<string>();
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--projection" or "-p")
            {
                if (i + 1 >= args.Length)
                {
                    await Console.Error.WriteLineAsync("rebuild-projections: --projection needs a name");
                    return 2;
                }

                names.Add(args[++i]);
            }
            else
            {
                rest.Add(args[i]);
            }
        }

        var builder = WebApplication.CreateBuilder([.. rest]);
        builder.AddNexusHost();
        // Built, never started: no agents, listeners or scheduled work of a node run in this process.
        await using var app = builder.Build();
        var store = app.Services.GetRequiredService<IDocumentStore>();
        var known = Projections(store);
        var unknown = names.Where(n => Find(known, n) is null).ToList();
        if (unknown.Count > 0)
        {
            await Console.Error.WriteLineAsync(
                $"rebuild-projections: no projection named {string.Join(", ", unknown)}; the projections are {string.Join(", ", known.Select(p => p.Name))}");
            return 2;
        }

        names = [.. names.Select(n => Find(known, n)!.Name)];

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => (e.Cancel, _) = (true, CancelAndReturn(stop));
        try
        {
            await RunAsync(store, names.Count > 0 ? names : [.. known.Select(p => p.Name)], Console.Out, stop.Token);
            return 0;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            await Console.Error.WriteLineAsync($"rebuild-projections: failed: {e.GetType().Name}: {e.Message}");
            return 1;
        }
    }

    /// <summary>Every projection the store runs (inline and async), in the order they were registered.</summary>
    public static IReadOnlyList<ProjectionInfo> Projections(IDocumentStore store) =>
        [.. ((DocumentStore)store).Options.Projections.All.Select(p => new ProjectionInfo(p.Name, p.Lifecycle))];

    /// <summary>
    /// The projection called <paramref name="name"/>: by Marten's name (which is also its progression row's), or by the
    /// class name alone for a projection Marten names by its full type name (<c>MetricRows</c>).
    /// </summary>
    public static ProjectionInfo? Find(IReadOnlyList<ProjectionInfo> projections, string name) =>
        projections.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.Ordinal))
        ?? projections.FirstOrDefault(p => p.Name.EndsWith("." + name, StringComparison.Ordinal));

    /// <summary>Rebuilds <paramref name="projections"/> one after the other, writing progress lines to <paramref name="output"/>.</summary>
    public static async Task<IReadOnlyList<RebuildResult>> RunAsync(IDocumentStore store, IReadOnlyList<string> projections, TextWriter output, CancellationToken cancellation)
    {
        var results = new List<RebuildResult>();
        var total = await HighestSequenceAsync(store, cancellation);
        await output.WriteLineAsync(Invariant($"rebuilding {string.Join(", ", projections)} from {total:N0} events"));
        foreach (var name in projections)
        {
            using var daemon = await store.BuildProjectionDaemonAsync();
            var clock = Stopwatch.StartNew();
            using var progress = new CancellationTokenSource();
            var reporter = ReportAsync(daemon.Tracker, name, total, clock, output, progress.Token);
            try
            {
                await daemon.RebuildProjectionAsync(name, ShardTimeout, cancellation);
            }
            finally
            {
                await progress.CancelAsync();
                await reporter;
                await daemon.StopAllAsync();
            }

            var result = new RebuildResult(name, total, clock.Elapsed);
            results.Add(result);
            await output.WriteLineAsync(Invariant(
                $"{name}: rebuilt, {result.Events:N0} events in {result.Elapsed.TotalSeconds:F1} s ({result.EventsPerSecond:N0} events/s)"));
        }

        return results;
    }

    /// <summary>One line a second: how far into the event sequence the rebuild's shard is, and at what rate.</summary>
    private static async Task ReportAsync(JasperFx.Events.Daemon.ShardStateTracker tracker, string projection, long total, Stopwatch clock, TextWriter output,
        CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var done = tracker.CurrentStates()
                    .Where(s => s.ShardName.StartsWith(projection + ":", StringComparison.Ordinal))
                    .Select(s => s.Sequence)
                    .DefaultIfEmpty(0)
                    .Min();
                var percent = total > 0 ? 100.0 * done / total : 100.0;
                await output.WriteLineAsync(Invariant(
                    $"{projection}: {done:N0}/{total:N0} events ({percent:F0} %), {done / clock.Elapsed.TotalSeconds:N0} events/s"));
            }
        }
        catch (OperationCanceledException)
        {
            // The rebuild ended: the final line is written by the caller.
        }
    }

    private static async Task<long> HighestSequenceAsync(IDocumentStore store, CancellationToken cancellation)
    {
        await using var session = store.QuerySession();
        var connection = (NpgsqlConnection)session.Connection!;
        await using var command = new NpgsqlCommand($"select coalesce(max(seq_id), 0) from {Persistence.SchemaName}.mt_events", connection);
        return (long)(await command.ExecuteScalarAsync(cancellation))!;
    }

    private static bool CancelAndReturn(CancellationTokenSource source)
    {
        source.Cancel();
        return true;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
