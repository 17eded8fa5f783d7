using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Nexus.Bench;

/// <summary>
/// Where a measured phase's time went: CPU used over its wall time by the API, PostgreSQL, the bench and the whole
/// machine (from /proc), and the database's work per operation (pg_stat_database deltas). Started right before the
/// phase, stopped right after; see README.md, "Profiles".
/// </summary>
public sealed class PhaseProfile
{
    /// <summary>
    /// A PostgreSQL (15+) backend adds its counters to pg_stat_database at most once a second while busy, and once
    /// idle within 10 s (PGSTAT_IDLE_INTERVAL). Unless the phase's own connections can be told to flush (see
    /// <c>flushStatistics</c>), the profile waits this long before reading them: at the start, so that earlier work
    /// is not counted in the phase, and after the end, so that the phase's last seconds are.
    /// </summary>
    public static readonly TimeSpan StatsDelay = TimeSpan.FromSeconds(11);

    private readonly BenchDatabase _database;
    private readonly BenchRun? _run;
    private readonly Func<Task<bool>>? _flushStatistics;
    private readonly int? _postmasterPid;
    private readonly DatabaseCounters _counters;
    private readonly CpuSnapshot _cpu;
    private readonly string _settledAtStart;

    private PhaseProfile(BenchDatabase database, BenchRun? run, Func<Task<bool>>? flushStatistics, string settledAtStart, int? postmasterPid, DatabaseCounters counters, CpuSnapshot cpu)
    {
        _settledAtStart = settledAtStart;
        _database = database;
        _run = run;
        _flushStatistics = flushStatistics;
        _postmasterPid = postmasterPid;
        _counters = counters;
        _cpu = cpu;
    }

    /// <summary>Starts a profile once earlier statistics are in pg_stat_database.</summary>
    /// <param name="database">The database the phase works in (the API's).</param>
    /// <param name="run">The API's processes; null when no API runs.</param>
    /// <param name="flushStatistics">
    /// Makes every connection doing the phase's work report its statistics now (pg_stat_force_next_flush()); false
    /// when it cannot. Without it, or when it cannot, the profile waits <see cref="StatsDelay"/>.
    /// </param>
    public static async Task<PhaseProfile> StartAsync(BenchDatabase database, BenchRun? run, Func<Task<bool>>? flushStatistics = null)
    {
        var settled = await SettleAsync(flushStatistics);
        return await StartNowAsync(database, run, flushStatistics, settled);
    }

    /// <summary>
    /// Starts a profile a second before <paramref name="instant"/> (at once when that is past), without waiting for
    /// statistics: the publishing stages start after a lead (scheduling done, the API idle) longer than
    /// <see cref="StatsDelay"/> at the default sizes.
    /// </summary>
    public static async Task<PhaseProfile> StartBeforeAsync(BenchDatabase database, BenchRun run, DateTimeOffset instant)
    {
        var wait = instant - TimeSpan.FromSeconds(1) - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        return await StartNowAsync(database, run, flushStatistics: null, "read 1 s before the (first) due time, after the stage's lead");
    }

    /// <summary>Ends the phase: CPU at once, the database's counters once the phase's statistics are in.</summary>
    /// <param name="operations">What the phase did, e.g. successful mutations or posts published.</param>
    /// <param name="operation">Its name, singular ("schedulePost", "post published").</param>
    public async Task<JsonObject> StopAsync(int operations, string operation)
    {
        var end = CpuSnapshot.Take(_postmasterPid, _run);
        var api = _run?.Current is { HasExited: false } current ? Machine.Status(current.Pid) : null;
        var settled = await SettleAsync(_flushStatistics);
        var work = await _database.CountersAsync() - _counters;

        var wall = Stopwatch.GetElapsedTime(_cpu.Timestamp, end.Timestamp).TotalSeconds;
        var cpus = Environment.ProcessorCount;
        var tick = 1.0 / Machine.ClockTicksPerSecond;
        double? apiS = _run is null ? null : end.Api.Sum(a => a.Value - _cpu.Api.GetValueOrDefault(a.Key)) * tick;
        var postgresS = (end.Postgres.Ticks - _cpu.Postgres.Ticks) * tick;
        var benchS = (end.Bench - _cpu.Bench).TotalSeconds;
        double? machineS = end.Machine is { } m && _cpu.Machine is { } m0 ? (m.BusyTicks - m0.BusyTicks) * tick : null;
        double? otherS = machineS - (apiS ?? 0) - postgresS - benchS;
        var capacity = cpus * wall;

        JsonObject Cpu(Func<double?, JsonNode?> value) => new()
        {
            ["api"] = value(apiS),
            ["postgres"] = value(postgresS),
            ["bench"] = value(benchS),
            ["other"] = value(otherS),
            ["machine"] = value(machineS),
        };
        JsonObject Database(Func<long, JsonNode?> value)
        {
            var json = new JsonObject();
            foreach (var (name, count) in work.Named())
            {
                json[name] = value(count);
            }

            return json;
        }

        double? PerOperation(double? total, int digits) => operations > 0 && total is { } t ? Math.Round(t / operations, digits) : null;
        return new JsonObject
        {
            ["operations"] = operations,
            ["operation"] = operation,
            ["wall_s"] = Math.Round(wall, 2),
            ["cpus"] = cpus,
            ["capacity_cpu_s"] = Math.Round(capacity, 2),
            ["cpu_s"] = Cpu(s => s is { } v ? Math.Round(v, 2) : null),
            ["cpu_percent_of_capacity"] = Cpu(s => s is { } v && capacity > 0 ? Math.Round(100 * v / capacity, 1) : null),
            ["cpu_ms_per_operation"] = new JsonObject
            {
                ["api"] = PerOperation(apiS * 1000, 3),
                ["postgres"] = PerOperation(postgresS * 1000, 3),
                ["bench"] = PerOperation(benchS * 1000, 3),
            },
            ["database"] = new JsonObject
            {
                ["name"] = work.Database,
                ["delta"] = Database(v => v),
                ["per_operation"] = Database(v => PerOperation(v, 2)),
                ["read_at_start"] = _settledAtStart,
                ["read_at_end"] = settled,
            },
            ["api_process"] = _run is null ? null : new JsonObject
            {
                ["processes"] = end.Api.Count(a => a.Value > _cpu.Api.GetValueOrDefault(a.Key)),
                ["threads_at_end"] = api?.GetValueOrDefault("Threads"),
                ["rss_mib_at_end"] = api?.TryGetValue("VmRSS", out var rss) == true ? Math.Round(rss / 1024.0, 1) : null,
            },
            ["postgres_processes"] = new JsonObject
            {
                ["at_end"] = end.Postgres.Processes,
                ["counted"] = end.Postgres.How,
            },
            ["clock_ticks_per_s"] = Machine.ClockTicksPerSecond,
        };
    }

    private static async Task<PhaseProfile> StartNowAsync(BenchDatabase database, BenchRun? run, Func<Task<bool>>? flushStatistics, string settled)
    {
        var postmaster = await database.LocalPostmasterPidAsync();
        var counters = await database.CountersAsync();
        return new PhaseProfile(database, run, flushStatistics, settled, postmaster, counters, CpuSnapshot.Take(postmaster, run));
    }

    /// <summary>Waits until the statistics so far are in pg_stat_database; says how.</summary>
    private static async Task<string> SettleAsync(Func<Task<bool>>? flushStatistics)
    {
        if (flushStatistics is not null && await flushStatistics())
        {
            return "read after pg_stat_force_next_flush() on the phase's connections";
        }

        await Task.Delay(StatsDelay);
        return $"read after waiting {StatsDelay.TotalSeconds:0} s (idle backends report within 10 s)";
    }

    private sealed record CpuSnapshot(long Timestamp, MachineTimes? Machine, PostgresTimes Postgres, TimeSpan Bench, Dictionary<ApiProcess, long> Api)
    {
        public static CpuSnapshot Take(int? postmasterPid, BenchRun? run)
        {
            using var self = Process.GetCurrentProcess();
            return new CpuSnapshot(Stopwatch.GetTimestamp(), Nexus.Bench.Machine.MachineTimes(), Nexus.Bench.Machine.PostgresTimes(postmasterPid),
                self.TotalProcessorTime, run?.Runs.ToDictionary(a => a, a => a.CpuTicks) ?? []);
        }
    }

    /// <summary>The stages that carry a profile: report key, label, and whether the figure is a rate or a publishing run.</summary>
    private static readonly (string Key, string Label, bool Rate)[] Phases =
    [
        ("reference_postgres", "reference (raw PostgreSQL)", true),
        ("schedule_throughput", "schedulePost", true),
        ("punctuality", "punctuality", false),
        ("fault_run", "fault run", false),
        ("punctuality_two_nodes", "punctuality on two nodes", false),
        ("fault_run_two_nodes", "fault run on two nodes", false),
    ];

    /// <summary>
    /// Sentences computed from the profiles' figures only: who used the machine's CPU, the database's work per
    /// operation, the CPU cost of one operation and the ceiling it sets, and how the API compares with the reference.
    /// </summary>
    public static JsonArray Interpret(JsonObject report)
    {
        var lines = new JsonArray();
        var i = CultureInfo.InvariantCulture;
        foreach (var (key, label, rate) in Phases)
        {
            if (report[key] is not JsonObject stage || stage["profile"] is not JsonObject profile)
            {
                continue;
            }

            var operation = profile["operation"]?.GetValue<string>();
            var operations = Number(profile["operations"]) ?? 0;
            var cpus = Number(profile["cpus"]) ?? 1;
            var share = profile["cpu_percent_of_capacity"];
            if (Number(share?["machine"]) is { } machine)
            {
                var verdict = machine >= 90 ? "; CPU-saturated (≥ 90 %)" : machine < 50 ? "; the CPU was idle at least half the time" : "";
                var api = Number(share?["api"]) is { } a ? string.Create(i, $"API {a:0.#} %, ") : "";
                lines.Add(string.Create(i,
                    $"{label}: machine CPU {machine:0.#} % busy over {Number(profile["wall_s"]):0.#} s on {cpus} cores — {api}PostgreSQL {Number(share?["postgres"]):0.#} %, bench {Number(share?["bench"]):0.#} %, other processes {Number(share?["other"]):0.#} %{verdict}"));
            }

            if (operations == 0)
            {
                lines.Add($"{label}: no {operation} counted, so nothing per operation");
                continue;
            }

            var db = profile["database"]?["per_operation"];
            var transactions = (Number(db?["xact_commit"]) ?? 0) + (Number(db?["xact_rollback"]) ?? 0);
            lines.Add(string.Create(i,
                $"{label}: per {operation}: {transactions:0.##} PostgreSQL transactions ({Number(db?["xact_rollback"]):0.##} rolled back), rows: {Number(db?["tup_inserted"]):0.##} inserted, {Number(db?["tup_updated"]):0.##} updated, {Number(db?["tup_deleted"]):0.##} deleted, {Number(db?["tup_fetched"]):0.##} fetched"));

            var perOperation = profile["cpu_ms_per_operation"];
            var apiMs = Number(perOperation?["api"]);
            var postgresMs = Number(perOperation?["postgres"]) ?? 0;
            var serverMs = (apiMs ?? 0) + postgresMs;
            var processes = Number(profile["api_process"]?["processes"]) is > 1 and var n ? string.Create(i, $" over {n:0} API processes (restarts' start-up included)") : "";
            var parts = apiMs is { } ms ? string.Create(i, $"API {ms:0.###} ms{processes} + PostgreSQL {postgresMs:0.###} ms = {serverMs:0.###} ms") : string.Create(i, $"PostgreSQL {postgresMs:0.###} ms");
            var bench = string.Create(i, $"(the bench's own {Number(perOperation?["bench"]):0.###} ms left out)");
            if (serverMs <= 0)
            {
                continue;
            }

            if (rate)
            {
                lines.Add(string.Create(i,
                    $"{label}: CPU per {operation}: {parts} {bench}; {cpus} cores allow at most {cpus * 1000 / serverMs:0} {operation}/s on CPU alone (measured {Number(stage["throughput_per_s"]):0.#}/s)"));
            }
            else
            {
                var late = Number(stage["lateness_ms"]?["p99"]) is { } p99 ? string.Create(i, $"; measured p99 lateness {p99 / 1000:0.##} s") : "";
                lines.Add(string.Create(i,
                    $"{label}: CPU per {operation}: {parts} {bench}; {operations:0} posts need at least {operations * serverMs / cpus / 1000:0.##} s of all {cpus} cores{late}"));
            }
        }

        // The API against the raw PostgreSQL yardstick.
        var reference = report["reference_postgres"];
        var schedule = report["schedule_throughput"];
        if (Number(reference?["throughput_per_s"]) is { } referenceRate && Number(schedule?["throughput_per_s"]) is { } scheduleRate && referenceRate > 0)
        {
            var perSchedule = Number(schedule?["profile"]?["database"]?["per_operation"]?["xact_commit"]);
            var allows = perSchedule is > 0 ? string.Create(i, $"; at {perSchedule:0.##} committed transactions per schedulePost that rate would carry {referenceRate / perSchedule:0} schedulePost/s") : "";
            lines.Add(string.Create(i, $"schedulePost {scheduleRate:0.#}/s is {100 * scheduleRate / referenceRate:0.#} % of the reference's {referenceRate:0} transactions/s{allows}"));
            if (PostgresMsPerTransaction(reference) is { } r && PostgresMsPerTransaction(schedule) is { } s)
            {
                lines.Add(string.Create(i, $"PostgreSQL CPU per transaction: {r:0.###} ms in the reference, {s:0.###} ms during schedulePost"));
            }
        }

        return lines;
    }

    private static double? PostgresMsPerTransaction(JsonNode? stage)
    {
        var profile = stage?["profile"];
        var delta = profile?["database"]?["delta"];
        var transactions = (Number(delta?["xact_commit"]) ?? 0) + (Number(delta?["xact_rollback"]) ?? 0);
        return Number(profile?["cpu_s"]?["postgres"]) is { } seconds && transactions > 0 ? seconds * 1000 / transactions : null;
    }

    private static double? Number(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number ? value.Deserialize<double>() : null;
}
