using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Nexus.Bench;

/// <summary>What a closed-loop run measured: successful operations, their latencies, failures, wall time.</summary>
public sealed class LoadResult
{
    public required int Succeeded { get; init; }

    public required int Failed { get; init; }

    public required TimeSpan Elapsed { get; init; }

    public required double[] LatenciesMs { get; init; }

    public required IReadOnlyList<string> FirstErrors { get; init; }

    public double PerSecond => Elapsed.TotalSeconds > 0 ? Succeeded / Elapsed.TotalSeconds : 0;

    public double Percentile(double p) => Stats.Percentile(LatenciesMs, p);

    public JsonObject ToJson(string unit) => new()
    {
        ["succeeded"] = Succeeded,
        ["failed"] = Failed,
        ["elapsed_s"] = Math.Round(Elapsed.TotalSeconds, 3),
        ["throughput_per_s"] = Math.Round(PerSecond, 1),
        ["throughput_unit"] = unit,
        ["latency_ms"] = Stats.Latencies(LatenciesMs),
        ["first_errors"] = new JsonArray([.. FirstErrors.Select(e => (JsonNode)e)]),
    };
}

public static class Stats
{
    /// <summary>Nearest-rank percentile of unsorted or sorted values (sorted in place).</summary>
    public static double Percentile(double[] values, double p)
    {
        if (values.Length == 0)
        {
            return double.NaN;
        }

        Array.Sort(values);
        var rank = (int)Math.Ceiling(p / 100.0 * values.Length);
        return values[Math.Clamp(rank - 1, 0, values.Length - 1)];
    }

    public static JsonObject Latencies(double[] ms) => ms.Length == 0
        ? new JsonObject { ["count"] = 0 }
        : new JsonObject
        {
            ["count"] = ms.Length,
            ["min"] = Round(ms.Min()),
            ["p50"] = Round(Percentile(ms, 50)),
            ["p95"] = Round(Percentile(ms, 95)),
            ["p99"] = Round(Percentile(ms, 99)),
            ["max"] = Round(ms.Max()),
            ["mean"] = Round(ms.Average()),
        };

    public static double Round(double value) => double.IsFinite(value) ? Math.Round(value, 2) : value;
}

public static class Load
{
    /// <summary>
    /// Runs <paramref name="workers"/> loops, each calling <paramref name="operation"/> back to back until it returns
    /// false (nothing left to do) or <paramref name="duration"/> has passed. Latency is measured per successful call.
    /// With <paramref name="stopOnFailure"/>, every loop stops at the first failure (set-up work, where one spoils the run).
    /// </summary>
    public static async Task<LoadResult> ClosedLoopAsync(int workers, TimeSpan duration, Func<int, CancellationToken, Task<bool>> operation,
        bool stopOnFailure = false, CancellationToken ct = default)
    {
        var latencies = new ConcurrentBag<double[]>();
        var errors = new ConcurrentQueue<string>();
        var failed = 0;
        var succeeded = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var started = Stopwatch.GetTimestamp();
        stop.CancelAfter(duration);

        async Task Worker(int worker)
        {
            var mine = new List<double>(1024);
            while (!stop.IsCancellationRequested)
            {
                var begin = Stopwatch.GetTimestamp();
                try
                {
                    if (!await operation(worker, CancellationToken.None))
                    {
                        break;
                    }

                    mine.Add(Stopwatch.GetElapsedTime(begin).TotalMilliseconds);
                    Interlocked.Increment(ref succeeded);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    Interlocked.Increment(ref failed);
                    var message = ex.Message.Length <= 400 ? ex.Message : ex.Message[..400] + "…";
                    if (errors.Count < 5 && !errors.Contains(message))
                    {
                        errors.Enqueue(message);
                    }

                    if (stopOnFailure)
                    {
                        await stop.CancelAsync();
                    }
                }
            }

            latencies.Add([.. mine]);
        }

        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(() => Worker(w), CancellationToken.None)));
        return new LoadResult
        {
            Succeeded = succeeded,
            Failed = failed,
            Elapsed = Stopwatch.GetElapsedTime(started),
            LatenciesMs = [.. latencies.SelectMany(l => l)],
            FirstErrors = [.. errors],
        };
    }

    /// <summary>Runs <paramref name="action"/> over <paramref name="items"/> with at most <paramref name="parallelism"/> at once.</summary>
    public static Task ForEachAsync<T>(IEnumerable<T> items, int parallelism, Func<T, CancellationToken, ValueTask> action, CancellationToken ct = default) =>
        Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = ct }, action);
}
