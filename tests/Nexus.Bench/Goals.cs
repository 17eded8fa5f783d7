using System.Text.Json;
using System.Text.Json.Nodes;

namespace Nexus.Bench;

/// <summary>
/// The figures of issue 11's table, each beside its target: per-operation PostgreSQL transactions and CPU (the
/// figures that travel between machines), the schedulePost rate against the raw PostgreSQL reference of the same
/// run, p99 latency, punctuality and peak memory. A figure whose stage did not run is null with <c>met: null</c>.
/// </summary>
public static class Goals
{
    public const double ScheduleTransactions = 4;
    public const double ScheduleCpuMs = 3;
    public const double PublishTransactions = 8;
    public const double PublishCpuMs = 10;
    public const double RateOfReferencePercent = 20;
    public const double ScheduleP99Ms = 100;
    public const double LatenessP99Ms = 3000;
    public const double PeakMemoryMiB = 300;

    public static JsonObject Compute(JsonObject report)
    {
        var schedule = report["schedule_throughput"];
        var punctuality = report["punctuality"];
        var reference = Number(report["reference_postgres"]?["throughput_per_s"]);
        var rate = Number(schedule?["throughput_per_s"]);
        var goals = new JsonObject
        {
            ["schedulePost"] = new JsonObject
            {
                ["transactionsPerOp"] = Transactions(schedule, ScheduleTransactions),
                ["cpuMsPerOp"] = Cpu(schedule, ScheduleCpuMs),
                ["rateOfReferencePercent"] = AtLeast(reference is > 0 && rate is { } r ? Math.Round(100 * r / reference.Value, 1) : null, RateOfReferencePercent,
                    "schedulePost/s ÷ raw PostgreSQL 2-insert transactions/s of the same run, in %"),
                ["p99Ms"] = Below(Number(schedule?["latency_ms"]?["p99"]), ScheduleP99Ms, "ms at --concurrency clients", strict: true),
            },
            ["publishedPost"] = new JsonObject
            {
                ["transactionsPerOp"] = Transactions(punctuality, PublishTransactions),
                ["cpuMsPerOp"] = Cpu(punctuality, PublishCpuMs),
                ["latenessP99Ms"] = Below(Number(punctuality?["lateness_ms"]?["p99"]), LatenessP99Ms, "ms, --punctuality-posts due at one instant", strict: false),
            },
            ["twoNodes"] = new JsonObject
            {
                ["faultRunExactlyOnce"] = ExactlyOnce(report["fault_run_two_nodes"]),
                ["latenessP99Ms"] = Below(Number(report["punctuality_two_nodes"]?["lateness_ms"]?["p99"]), LatenessP99Ms,
                    "ms, --punctuality-posts due at one instant, two API nodes", strict: false),
            },
            ["api"] = new JsonObject
            {
                ["peakMemoryMiB"] = Below(Number(report["api_process"]?["peak_memory_mib"]), PeakMemoryMiB, "MiB, VmHWM, max over the run's API processes", strict: false),
            },
        };
        var verdicts = goals.SelectMany(g => ((JsonObject)g.Value!).Select(f => f.Value?["met"])).ToList();
        goals["met"] = verdicts.All(v => v is JsonValue) ? verdicts.All(v => v!.GetValue<bool>()) : null;
        return goals;
    }

    /// <summary>Committed and rolled-back transactions per operation in the stage's measured window.</summary>
    private static JsonObject Transactions(JsonNode? stage, double target)
    {
        var perOperation = stage?["profile"]?["database"]?["per_operation"];
        var commits = Number(perOperation?["xact_commit"]);
        var rollbacks = Number(perOperation?["xact_rollback"]);
        var total = commits is { } c ? Math.Round(c + (rollbacks ?? 0), 2) : (double?)null;
        var goal = Below(total, target, "PostgreSQL transactions (committed + rolled back) per operation, every client of the database counted", strict: false);
        goal["committed"] = commits;
        goal["rolledBack"] = rollbacks;
        return goal;
    }

    /// <summary>CPU of the API and of PostgreSQL per operation (the bench's own left out).</summary>
    private static JsonObject Cpu(JsonNode? stage, double target)
    {
        var perOperation = stage?["profile"]?["cpu_ms_per_operation"];
        var api = Number(perOperation?["api"]);
        var postgres = Number(perOperation?["postgres"]);
        var goal = Below(api is { } a && postgres is { } p ? Math.Round(a + p, 3) : null, target, "ms of CPU per operation, API + PostgreSQL", strict: false);
        goal["api"] = api;
        goal["postgres"] = postgres;
        return goal;
    }

    /// <summary>The two-node fault run: every target published exactly once, counted at the sandbox; its drain beside.</summary>
    private static JsonObject ExactlyOnce(JsonNode? stage)
    {
        var pass = stage?["sandbox"]?["pass"] is JsonValue value && value.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? value.GetValue<bool>() : (bool?)null;
        return new JsonObject
        {
            ["value"] = pass,
            ["target"] = "true",
            ["unit"] = "every target published exactly once, counted at the sandbox (per idempotency key and per target exactly 1, total = targets), two nodes each SIGKILLed once, PostgreSQL restarted between (postgresRestarted says whether it was)",
            ["met"] = pass,
            ["drainAfterLastDueS"] = Number(stage?["drain_after_last_due_s"]),
            ["postgresRestarted"] = stage?["postgres_restart"] is JsonObject restart ? restart["skipped"] is null : null,
        };
    }

    private static JsonObject Below(double? value, double target, string unit, bool strict) => new()
    {
        ["value"] = value,
        ["target"] = (strict ? "< " : "<= ") + target.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["unit"] = unit,
        ["met"] = value is { } v ? strict ? v < target : v <= target : null,
    };

    private static JsonObject AtLeast(double? value, double target, string unit) => new()
    {
        ["value"] = value,
        ["target"] = ">= " + target.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["unit"] = unit,
        ["met"] = value is { } v ? v >= target : null,
    };

    private static double? Number(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number ? value.Deserialize<double>() : null;
}
