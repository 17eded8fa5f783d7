using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;

namespace Nexus.Bench;

/// <summary>Command-line settings: <c>--name value</c> or <c>--name=value</c>; see README.md.</summary>
public sealed class BenchOptions
{
    public static readonly string[] AllStages = ["reference", "schedule", "punctuality", "faults", "punctuality2", "faults2", "analytics", "events", "webhooks", "transcode", "images"];

    public string[] Stages { get; private set; } = AllStages;

    /// <summary>Concurrent clients (and signed-in users, each with a workspace and a sandbox connection).</summary>
    public int Concurrency { get; private set; } = 32;

    /// <summary>Length of the raw PostgreSQL reference and the longest the schedulePost run may take.</summary>
    public TimeSpan Duration { get; private set; } = TimeSpan.FromSeconds(10);

    /// <summary>Drafts created before the schedulePost run, i.e. the most mutations it sends.</summary>
    public int SchedulePosts { get; private set; } = 10_000;

    /// <summary>schedulePost calls sent before the measured run (not counted).</summary>
    public int ScheduleWarmup { get; private set; } = 256;

    public int PunctualityPosts { get; private set; } = 1_000;

    /// <summary>Posts published a few seconds after the API starts, before the measured instant (not counted).</summary>
    public int PunctualityWarmup { get; private set; } = 10;

    /// <summary>The shared due time is at least this far after the drafts exist.</summary>
    public TimeSpan PunctualityLead { get; private set; } = TimeSpan.FromSeconds(60);

    /// <summary>Published targets (6 snapshots each) seeded into one workspace for the analytics stage.</summary>
    public int AnalyticsTargets { get; private set; } = 100_000;

    /// <summary>Post events seeded for the events stage (rebuild and export are measured over them).</summary>
    public int Events { get; private set; } = 1_000_000;

    /// <summary>Clients reading workspace.analytics at once in the analytics stage.</summary>
    public int AnalyticsClients { get; private set; } = 4;

    /// <summary>Deliveries queued at once for the webhooks stage.</summary>
    public int WebhookDeliveries { get; private set; } = 5000;

    public TimeSpan SandboxLatency { get; private set; } = TimeSpan.FromMilliseconds(50);

    public int FaultPosts { get; private set; } = 2_000;

    /// <summary>Due times of the fault run are spread evenly over this window.</summary>
    public TimeSpan FaultWindow { get; private set; } = TimeSpan.FromSeconds(20);

    /// <summary>The fault run's first due time is at least this far after its drafts exist.</summary>
    public TimeSpan FaultLead { get; private set; } = TimeSpan.FromSeconds(30);

    public int FaultKills { get; private set; } = 2;

    public TimeSpan FaultLatency { get; private set; } = TimeSpan.FromMilliseconds(50);

    public double TransientFailureRate { get; private set; } = 0.05;

    public double RateLimitRate { get; private set; } = 0.02;

    public TimeSpan RateLimitReset { get; private set; } = TimeSpan.FromSeconds(2);

    public TimeSpan RetryBaseDelay { get; private set; } = TimeSpan.FromSeconds(1);

    /// <summary>Whether the two-node fault run restarts PostgreSQL (only ever a build.sh private cluster; see PostgresRestart).</summary>
    public bool PgRestart { get; private set; } = true;

    /// <summary>Longest wait for posts to become final after their due time.</summary>
    public TimeSpan SettleTimeout { get; private set; } = TimeSpan.FromMinutes(10);

    public string Environment { get; private set; } = "Production";

    public string ApiDll { get; private set; } = BuildMetadata("NexusApiDll") ?? "";

    public string Dotnet { get; private set; } = "dotnet";

    /// <summary>Keep the nexus_bench database as it is instead of recreating it.</summary>
    public bool KeepDatabase { get; private set; }

    public string? Output { get; private set; }

    public static string? BuildMetadata(string key) =>
        typeof(BenchOptions).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value;

    public bool Runs(string stage) => Stages.Contains(stage, StringComparer.Ordinal);

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg is "-h" or "--help")
            {
                throw new UsageException(null);
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"unexpected argument '{arg}'");
            }

            var name = arg[2..];
            string? value = null;
            var eq = name.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }

            if (name == "keep-db")
            {
                options.KeepDatabase = true;
                continue;
            }

            if (value is null)
            {
                if (i + 1 >= args.Length)
                {
                    throw new UsageException($"--{name} needs a value");
                }

                value = args[++i];
            }

            options.Set(name, value);
        }

        return options;
    }

    private void Set(string name, string value)
    {
        switch (name)
        {
            case "stages":
                var stages = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (stages.Length == 0 || stages.Any(s => !AllStages.Contains(s)))
                {
                    throw new UsageException($"--stages takes a comma-separated subset of {string.Join(',', AllStages)}");
                }

                Stages = stages;
                break;
            case "concurrency":
                Concurrency = Positive(name, value);
                break;
            case "duration":
                Duration = Seconds(name, value);
                break;
            case "schedule-posts":
                SchedulePosts = Positive(name, value);
                break;
            case "schedule-warmup":
                ScheduleWarmup = NonNegative(name, value);
                break;
            case "punctuality-posts":
                PunctualityPosts = Positive(name, value);
                break;
            case "punctuality-warmup":
                PunctualityWarmup = NonNegative(name, value);
                break;
            case "punctuality-lead":
                PunctualityLead = Seconds(name, value);
                break;
            case "analytics-targets":
                AnalyticsTargets = Positive(name, value);
                break;
            case "events":
                Events = Positive(name, value);
                break;
            case "webhook-deliveries":
                WebhookDeliveries = Positive(name, value);
                break;
            case "analytics-clients":
                AnalyticsClients = Positive(name, value);
                break;
            case "sandbox-latency-ms":
                SandboxLatency = TimeSpan.FromMilliseconds(NonNegative(name, value));
                break;
            case "fault-posts":
                FaultPosts = Positive(name, value);
                break;
            case "fault-window":
                FaultWindow = Seconds(name, value);
                break;
            case "fault-lead":
                FaultLead = Seconds(name, value);
                break;
            case "fault-kills":
                FaultKills = NonNegative(name, value);
                break;
            case "fault-latency-ms":
                FaultLatency = TimeSpan.FromMilliseconds(NonNegative(name, value));
                break;
            case "transient-rate":
                TransientFailureRate = Rate(name, value);
                break;
            case "rate-limit-rate":
                RateLimitRate = Rate(name, value);
                break;
            case "rate-limit-reset":
                RateLimitReset = Seconds(name, value);
                break;
            case "retry-base-delay":
                RetryBaseDelay = Seconds(name, value);
                break;
            case "pg-restart":
                PgRestart = value switch
                {
                    "auto" => true,
                    "off" => false,
                    _ => throw new UsageException("--pg-restart is auto or off"),
                };
                break;
            case "settle-timeout":
                SettleTimeout = Seconds(name, value);
                break;
            case "environment":
                Environment = value is "Production" or "Development"
                    ? value
                    : throw new UsageException("--environment is Production or Development");
                break;
            case "api-dll":
                ApiDll = Path.GetFullPath(value);
                break;
            case "dotnet":
                Dotnet = value;
                break;
            case "output":
                Output = Path.GetFullPath(value);
                break;
            default:
                throw new UsageException($"unknown option --{name}");
        }
    }

    public JsonObject ToJson() => new()
    {
        ["stages"] = new JsonArray([.. Stages.Select(s => (JsonNode)s)]),
        ["concurrency"] = Concurrency,
        ["duration_s"] = Duration.TotalSeconds,
        ["schedule_posts"] = SchedulePosts,
        ["schedule_warmup"] = ScheduleWarmup,
        ["punctuality_posts"] = PunctualityPosts,
        ["punctuality_warmup"] = PunctualityWarmup,
        ["punctuality_lead_s"] = PunctualityLead.TotalSeconds,
        ["sandbox_latency_ms"] = SandboxLatency.TotalMilliseconds,
        ["analytics_targets"] = AnalyticsTargets,
        ["analytics_clients"] = AnalyticsClients,
        ["events"] = Events,
        ["webhook_deliveries"] = WebhookDeliveries,
        ["fault_posts"] = FaultPosts,
        ["fault_window_s"] = FaultWindow.TotalSeconds,
        ["fault_lead_s"] = FaultLead.TotalSeconds,
        ["fault_kills"] = FaultKills,
        ["fault_latency_ms"] = FaultLatency.TotalMilliseconds,
        ["transient_failure_rate"] = TransientFailureRate,
        ["rate_limit_rate"] = RateLimitRate,
        ["rate_limit_reset_s"] = RateLimitReset.TotalSeconds,
        ["retry_base_delay_s"] = RetryBaseDelay.TotalSeconds,
        ["pg_restart"] = PgRestart ? "auto" : "off",
        ["settle_timeout_s"] = SettleTimeout.TotalSeconds,
        ["environment"] = Environment,
        ["api_dll"] = ApiDll,
        ["keep_db"] = KeepDatabase,
    };

    public const string Usage = """
        usage: ./build.sh bench [--name value ...]   (or: dotnet run -c Release --project tests/Nexus.Bench -- ...)
          --stages reference,schedule,punctuality,faults,punctuality2,faults2,analytics,events,webhooks,transcode,images
                                    which measurements to run (default: all; …2 = on two API nodes)
          --concurrency 32          concurrent clients = signed-in users, one workspace + sandbox connection each
          --duration 10             seconds of the PostgreSQL reference; longest schedulePost run
          --schedule-posts 10000    drafts made before the schedulePost run (the most mutations it sends)
          --schedule-warmup 256     schedulePost calls before the measured run
          --punctuality-posts 1000  --punctuality-lead 60 (s)  --sandbox-latency-ms 50
          --punctuality-warmup 10   posts published before the measured instant (0: none)
          --fault-posts 2000  --fault-window 20 (s)  --fault-lead 30 (s)  --fault-kills 2  --fault-latency-ms 50
          --analytics-targets 100000  --analytics-clients 4   the analytics stage: targets seeded (6 snapshots each), readers
          --events 1000000          the events stage: post events seeded (rebuild-projections and the NDJSON export read them)
          --webhook-deliveries 5000                           the webhooks stage: deliveries queued at once to a loopback receiver
          --transient-rate 0.05  --rate-limit-rate 0.02  --rate-limit-reset 2 (s)  --retry-base-delay 1 (s)
          --pg-restart auto         faults2 restarts PostgreSQL mid-run when the server is a local build.sh cluster
                                    (…/.data/pg); off: never
          --settle-timeout 600      seconds to wait for posts to become final
          --environment Production  or Development
          --api-dll PATH            the built Nexus.Api.dll (default: src/Nexus.Api/bin/<configuration>/net10.0)
          --dotnet dotnet           the host that runs it
          --keep-db                 do not drop and recreate the nexus_bench database first
          --output FILE             also write the JSON document to FILE
        Needs NEXUS_DB (the database to use) and NEXUS_TEST_DB (a server-level connection, to recreate it).
        """;

    private static int Positive(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new UsageException($"--{name} takes a positive integer");

    private static int NonNegative(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 0 ? n : throw new UsageException($"--{name} takes an integer ≥ 0");

    private static TimeSpan Seconds(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0 ? TimeSpan.FromSeconds(s) : throw new UsageException($"--{name} takes a positive number of seconds");

    private static double Rate(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var r) && r is >= 0 and <= 1 ? r : throw new UsageException($"--{name} takes a number from 0 to 1");
}

public sealed class UsageException(string? message) : Exception(message ?? "usage");
