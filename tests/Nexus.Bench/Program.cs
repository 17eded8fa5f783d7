using System.Diagnostics;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Nexus.Bench;

// Nexus's benchmark: drives the real API (a child process) and prints one JSON document on stdout; progress goes to
// stderr. Exit code 0 whatever the figures; 1 when a stage could not complete or exactly-once was violated; 2 on
// bad arguments. See README.md.
BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (UsageException ex)
{
    Console.Error.WriteLine(ex.Message == "usage" ? BenchOptions.Usage : $"bench: {ex.Message}\n{BenchOptions.Usage}");
    return ex.Message == "usage" ? 0 : 2;
}

var startedAt = DateTimeOffset.UtcNow;
var clock = Stopwatch.StartNew();
var repository = Machine.RepositoryRoot();
var report = new JsonObject
{
    ["benchmark"] = "nexus",
    ["started_at"] = startedAt.ToString("O", CultureInfo.InvariantCulture),
    ["environment"] = Machine.Facts(repository),
    ["settings"] = options.ToJson(),
};
var errors = new JsonArray();
var violated = false;
var incomplete = false;
BenchRun? run = null;
try
{
    var database = Environment.GetEnvironmentVariable("NEXUS_DB") is { Length: > 0 } db ? db
        : throw new BenchException("NEXUS_DB is not set (./build.sh bench sets it)");
    if (!options.KeepDatabase)
    {
        var server = Environment.GetEnvironmentVariable("NEXUS_TEST_DB") is { Length: > 0 } s ? s
            : throw new BenchException("NEXUS_TEST_DB is not set: it is needed to recreate the bench database (or pass --keep-db)");
        Console.Error.WriteLine("bench: recreating the bench database");
        await BenchDatabase.RecreateAsync(database, server);
    }

    var bench = new BenchDatabase(database);
    ((JsonObject)report["environment"]!)["postgresql"] = await bench.ServerFactsAsync();
    var work = Path.Combine(repository ?? Path.GetTempPath(), ".data", "bench", startedAt.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
    Directory.CreateDirectory(work);
    report["work_directory"] = work;

    if (options.Runs("reference"))
    {
        Console.Error.WriteLine($"bench: reference: raw PostgreSQL, {options.Concurrency} connections, {options.Duration.TotalSeconds} s");
        report["reference_postgres"] = await PostgresReference.RunAsync(bench, options.Concurrency, options.Duration);
    }

    var stages = new (string Name, string Key, Func<BenchRun, Task<JsonObject>> Run)[]
    {
        ("schedule", "schedule_throughput", ScheduleThroughput.RunAsync),
        ("punctuality", "punctuality", Punctuality.RunAsync),
        ("faults", "fault_run", FaultRun.RunAsync),
        ("punctuality2", "punctuality_two_nodes", Punctuality.RunTwoNodesAsync),
        ("faults2", "fault_run_two_nodes", FaultRun.RunTwoNodesAsync),
        ("analytics", "analytics_read", AnalyticsRead.RunAsync),
        ("events", "events", EventsBench.RunAsync),
        ("webhooks", "webhook_delivery", WebhookDelivery.RunAsync),
        ("transcode", "media_transcode", MediaTranscode.RunAsync),
        ("images", "media_images", MediaImages.RunAsync),
    }.Where(s => options.Runs(s.Name)).ToList();

    // The API is started only for the stages that need it.
    run = stages.Count == 0 ? null : new BenchRun(options, bench, work);
    if (run is not null)
    {
        var running = run;
        // Never leave the API behind: Ctrl-C or SIGTERM kill it too.
        Console.CancelKeyPress += (_, _) => running.KillNow();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => running.KillNow();
        report["api_environment"] = options.Environment;
        report["api_base_url"] = run.Api.BaseUrl.ToString();
    }

    foreach (var (name, key, stage) in run is null ? [] : stages)
    {
        var stageClock = Stopwatch.StartNew();
        try
        {
            report[key] = await stage(run!);
        }
        catch (StageIncompleteException ex)
        {
            report[key] = ex.Partial;
            errors.Add($"{name}: {ex.Message}");
            incomplete = true;
        }
        catch (ExactlyOnceViolatedException ex)
        {
            report[key] = ex.Result;
            errors.Add($"{name}: exactly-once violated");
            violated = true;
        }
        catch (Exception ex) when (ex is BenchException or GraphQLException or HttpRequestException or TaskCanceledException)
        {
            report[key] = new JsonObject { ["error"] = ex.Message };
            errors.Add($"{name}: {ex.Message}");
            incomplete = true;
        }

        ((JsonObject)report[key]!)["stage_elapsed_s"] = Math.Round(stageClock.Elapsed.TotalSeconds, 1);
        if (run!.UserSetup is { } setup && report["user_setup"] is null)
        {
            report["user_setup"] = setup.DeepClone();
        }
    }
}
catch (Exception ex) when (ex is BenchException or GraphQLException or HttpRequestException or Npgsql.NpgsqlException or IOException or TaskCanceledException)
{
    errors.Add(ex is BenchException ? ex.Message : ex.ToString());
    incomplete = true;
}
finally
{
    if (run is not null)
    {
        await run.DisposeAsync();
        report["api_process"] = run.ProcessReport();
    }
}

report["goals"] = Goals.Compute(report);
report["targets"] = Report.AllTargets(report);
report["interpretation"] = PhaseProfile.Interpret(report);
report["complete"] = !incomplete && !violated;
report["exactly_once_violated"] = violated;
report["errors"] = errors;
report["finished_at"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
report["elapsed_s"] = Math.Round(clock.Elapsed.TotalSeconds, 1);
var json = report.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
Console.Out.WriteLine(json);
if (options.Output is { } output)
{
    await File.WriteAllTextAsync(output, json + "\n");
}

foreach (var error in errors)
{
    Console.Error.WriteLine($"bench: {error}");
}

return incomplete || violated ? 1 : 0;

namespace Nexus.Bench
{
    public static class Report
    {
        public static JsonObject Target(string name, string target, JsonNode? value, string unit, bool pass) => new()
        {
            ["name"] = name,
            ["target"] = target,
            ["value"] = value,
            ["unit"] = unit,
            ["pass"] = pass,
        };

        /// <summary>Every stage's targets in one list, for a quick look.</summary>
        public static JsonArray AllTargets(JsonObject report)
        {
            var all = new JsonArray();
            foreach (var (_, stage) in report)
            {
                if (stage is JsonObject { } section && section["targets"] is JsonArray targets)
                {
                    foreach (var target in targets)
                    {
                        all.Add(target?.DeepClone());
                    }
                }
            }

            return all;
        }
    }
}
