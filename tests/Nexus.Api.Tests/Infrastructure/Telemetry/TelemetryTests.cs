using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Nexus.Api.Infrastructure.Telemetry;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Posts;
using Nexus.Api.Tests.Features.Workspaces;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Nexus.Api.Tests.Infrastructure.Telemetry;

/// <summary>Telemetry on, exported in memory: spans and metric snapshots the tests read, and the console lines a probe request writes.</summary>
public sealed class TelemetryFixture : ApiFixture
{
    public const string NodeId = "node-under-test";

    public LockedCollection<Activity> Spans { get; } = new();

    public LockedCollection<MetricSnapshot> Metrics { get; } = new();

    public ConcurrentQueue<string> ProbeLines { get; } = new();

    protected override string Purpose => "telemetry";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Nexus:Telemetry:Enabled"] = "true",
        ["Nexus:NodeId"] = NodeId,
    };

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(Spans));
        // Exported when a test flushes, not on a timer, so a test reads a snapshot it asked for.
        services.ConfigureOpenTelemetryMeterProvider(metrics =>
            metrics.AddInMemoryExporter(Metrics, o => o.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 3_600_000));
        services.AddSingleton<IStartupFilter>(new Probe());
        services.AddSingleton<ILoggerProvider>(sp => new ConsoleLines(sp, ProbeLines));
    }

    /// <summary>The spans of one trace.</summary>
    public List<Activity> TraceOf(ActivityTraceId trace)
    {
        Host.Services.GetRequiredService<TracerProvider>().ForceFlush();
        return [.. Spans.Copy().Where(s => s.TraceId == trace)];
    }

    /// <summary>The instrument's points as of now (cumulative since the host started).</summary>
    public MetricSnapshot? Latest(string name)
    {
        Host.Services.GetRequiredService<MeterProvider>().ForceFlush();
        return Metrics.Copy().LastOrDefault(m => m.Name == name);
    }

    /// <summary>Logs one line inside every request that carries <c>x-probe</c>.</summary>
    private sealed class Probe : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (http, go) =>
            {
                if (http.Request.Headers.TryGetValue("x-probe", out var probe))
                {
                    http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Nexus.Probe").LogWarning("probe {Value}", probe.ToString());
                }

                await go();
            });
            next(app);
        };
    }

    /// <summary>The "Nexus.Probe" lines as the host's own console formatter writes them, with the scopes in force when they were logged.</summary>
    private sealed class ConsoleLines(IServiceProvider services, ConcurrentQueue<string> lines) : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        private IServiceProvider Services => services;

        private ConcurrentQueue<string> Lines => lines;

        public ILogger CreateLogger(string categoryName) => categoryName == "Nexus.Probe" ? new Logger(this, categoryName) : NullLogger.Instance;

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class Logger(ConsoleLines provider, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => provider._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                // Testing is not Development: the JSON console, as in production.
                var json = provider.Services.GetServices<ConsoleFormatter>().Single(f => f.Name == ConsoleFormatterNames.Json);
                using var text = new StringWriter();
                json.Write(new Microsoft.Extensions.Logging.Abstractions.LogEntry<TState>(logLevel, category, eventId, state, exception, formatter), provider._scopes, text);
                provider.Lines.Enqueue(text.ToString());
            }
        }
    }
}

/// <summary>What an exporter writes from the hosts' threads while a test reads it.</summary>
public sealed class LockedCollection<T> : ICollection<T>
{
    private readonly List<T> _items = [];

    public int Count
    {
        get
        {
            lock (_items)
            {
                return _items.Count;
            }
        }
    }

    public bool IsReadOnly => false;

    public List<T> Copy()
    {
        lock (_items)
        {
            return [.. _items];
        }
    }

    public void Add(T item)
    {
        lock (_items)
        {
            _items.Add(item);
        }
    }

    public void Clear()
    {
        lock (_items)
        {
            _items.Clear();
        }
    }

    public bool Contains(T item) => Copy().Contains(item);

    public void CopyTo(T[] array, int arrayIndex) => Copy().CopyTo(array, arrayIndex);

    public bool Remove(T item)
    {
        lock (_items)
        {
            return _items.Remove(item);
        }
    }

    public IEnumerator<T> GetEnumerator() => Copy().GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

public sealed class TelemetryTests(TelemetryFixture api) : IClassFixture<TelemetryFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public void the_node_is_on_the_resource_of_every_span_and_metric()
    {
        foreach (var provider in new BaseProvider[] { api.Host.Services.GetRequiredService<TracerProvider>(), api.Host.Services.GetRequiredService<MeterProvider>() })
        {
            var attributes = provider.GetResource().Attributes.ToDictionary(a => a.Key, a => a.Value);
            Assert.Equal("nexus-api", attributes["service.name"]);
            Assert.Equal(TelemetryFixture.NodeId, attributes["service.instance.id"]);
            Assert.True(Guid.TryParse(attributes["wolverine.node.id"] as string, out _));
        }
    }

    [Fact]
    public async Task a_graphql_request_is_a_server_span_with_database_spans_under_it()
    {
        var owner = await api.Host.PersonAsync("Traced");
        var trace = ActivityTraceId.CreateRandom();

        var response = await SendAsync("/graphql", trace, owner.Token, JsonSerializer.Serialize(new { query = "{ me { email workspaces { items { id name } } } }" }));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());

        await Eventually.TrueAsync(() => api.TraceOf(trace).Any(a => a.Source.Name == "Microsoft.AspNetCore") && api.TraceOf(trace).Any(a => a.Source.Name == "Npgsql"),
            "no request span with database spans", Patience);
        var spans = api.TraceOf(trace);
        var server = Assert.Single(spans, s => s.Kind == ActivityKind.Server && s.Source.Name == "Microsoft.AspNetCore");
        Assert.Equal("/graphql", server.GetTagItem("url.path"));
        Assert.All(spans.Where(s => s.Source.Name == "Npgsql"), db => Assert.True(Descends(db, server, spans), $"{db.DisplayName} is not under the request's span"));
    }

    [Fact]
    public async Task a_published_target_is_counted_by_platform_with_its_lateness()
    {
        var (owner, _, post) = await PostAsync($"counted {Guid.NewGuid():N}");
        await api.Host.PostMutationAsync(owner, "publishPostNow", new { postId = post });
        Assert.Equal("PUBLISHED", (await api.Host.WaitForStatusAsync(owner, post, Patience, "PUBLISHED", "FAILED")).GetProperty("status").GetString());

        await Eventually.TrueAsync(() => Sum(api.Latest("nexus.publishing.targets.published"), ("platform", "sandbox"), ("reconciled", false)) >= 1, "no published target counted", Patience);
        var lateness = api.Latest("nexus.publishing.lateness");
        Assert.NotNull(lateness);
        Assert.Equal("s", lateness.Unit);
        Assert.Contains(lateness.MetricPoints, p => Tags(p).GetValueOrDefault("platform") as string == "sandbox" && p.GetHistogramCount() >= 1);
    }

    [Fact]
    public async Task a_refused_target_is_counted_as_failed_with_its_kind()
    {
        var (owner, _, post) = await PostAsync($"refused {Guid.NewGuid():N} [sandbox:reject]");
        await api.Host.PostMutationAsync(owner, "publishPostNow", new { postId = post });
        Assert.Equal("FAILED", (await api.Host.WaitForStatusAsync(owner, post, Patience, "PUBLISHED", "FAILED")).GetProperty("status").GetString());

        await Eventually.TrueAsync(() => Sum(api.Latest("nexus.publishing.targets.failed"), ("platform", "sandbox"), ("error.type", "PLATFORM_REJECTED"), ("retried", false)) >= 1,
            "no refused target counted", Patience);
    }

    [Fact]
    public async Task the_backlogs_are_gauges_read_from_the_database()
    {
        var (owner, _, post) = await PostAsync($"later {Guid.NewGuid():N}");
        var due = DateTimeOffset.UtcNow.AddHours(1);
        Assert.Equal("SCHEDULED", (await api.Host.ScheduleAsync(owner, post, due)).GetProperty("post").GetProperty("status").GetString());

        // Counted as of a later moment, the post is due and unpublished, and the connection's one-hour token is past refreshing.
        var store = api.Host.Services.GetRequiredService<Marten.IDocumentStore>();
        await using (var session = store.QuerySession())
        {
            var now = await new DueUnpublishedPosts().CountAsync(session, DateTimeOffset.UtcNow, default);
            var later = await new DueUnpublishedPosts().CountAsync(session, due.AddMinutes(1), default);
            Assert.True(Scheduled(later) - Scheduled(now) >= 1, $"scheduled now {Scheduled(now)}, later {Scheduled(later)}");
            Assert.True((await new TokenRefreshBacklog().CountAsync(session, due, default))[0].Value >= 1);
            Assert.Equal(0, (await new TokenRefreshBacklog().CountAsync(session, DateTimeOffset.UtcNow, default))[0].Value);
        }

        var gauge = api.Latest("nexus.publishing.due_unpublished");
        Assert.NotNull(gauge);
        Assert.Equal(["publishing", "scheduled"], gauge.MetricPoints.Select(p => (string)Tags(p)["status"]!).Order());
        var tokens = api.Latest("nexus.connections.token_refresh_backlog");
        Assert.NotNull(tokens);
        Assert.Equal(0, Assert.Single(tokens.MetricPoints).GetGaugeLastValueLong());
    }

    private static long Scheduled(IReadOnlyList<System.Diagnostics.Metrics.Measurement<long>> counts) =>
        counts.Single(c => c.Tags.ToArray().Any(t => t.Key == "status" && (string?)t.Value == "scheduled")).Value;

    [Fact]
    public async Task a_log_line_written_during_a_request_carries_its_trace_id()
    {
        var trace = ActivityTraceId.CreateRandom();
        var marker = Guid.NewGuid().ToString("N");

        using var response = await SendAsync("/healthz", trace, null, null, marker);

        Assert.True(response.IsSuccessStatusCode);
        var line = Assert.Single(api.ProbeLines, l => l.Contains(marker, StringComparison.Ordinal));
        using var json = JsonDocument.Parse(line);
        var scopes = json.RootElement.GetProperty("Scopes").EnumerateArray().ToList();
        Assert.Contains(scopes, s => s.TryGetProperty("TraceId", out var id) && id.GetString() == trace.ToHexString());
        Assert.Contains(scopes, s => s.TryGetProperty("SpanId", out _));
    }

    private async Task<(Person Owner, string Workspace, string Post)> PostAsync(string text)
    {
        var owner = await api.Host.PersonAsync("Publisher");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        return (owner, workspace, await api.Host.DraftAsync(owner, workspace, text, connection));
    }

    /// <summary>A request that continues the caller's trace (W3C <c>traceparent</c>), so the test finds its spans among the other tests'.</summary>
    private async Task<HttpResponseMessage> SendAsync(string path, ActivityTraceId trace, string? token, string? body, string? probe = null)
    {
        using var client = api.Host.Server.CreateClient();
        using var request = new HttpRequestMessage(body is null ? HttpMethod.Get : HttpMethod.Post, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        request.Headers.Add("traceparent", $"00-{trace.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        if (token is not null)
        {
            request.Headers.Authorization = new("Bearer", token);
        }

        if (probe is not null)
        {
            request.Headers.Add("x-probe", probe);
        }

        return await client.SendAsync(request);
    }

    private static bool Descends(Activity span, Activity ancestor, List<Activity> spans)
    {
        for (var parent = span.ParentSpanId; parent != default;)
        {
            if (parent == ancestor.SpanId)
            {
                return true;
            }

            parent = spans.FirstOrDefault(s => s.SpanId == parent)?.ParentSpanId ?? default;
        }

        return false;
    }

    private static Dictionary<string, object?> Tags(MetricPoint point)
    {
        var tags = new Dictionary<string, object?>();
        foreach (var tag in point.Tags)
        {
            tags[tag.Key] = tag.Value;
        }

        return tags;
    }

    private static long Sum(MetricSnapshot? metric, params (string Key, object Value)[] where) =>
        metric?.MetricPoints.Where(p => where.All(w => Equals(Tags(p).GetValueOrDefault(w.Key), w.Value))).Sum(p => p.GetSumLong()) ?? 0;
}

[Collection(ApiCollection.Name)]
public sealed class TelemetryOffTests(ApiFixture api)
{
    [Fact]
    public void with_telemetry_off_no_provider_or_product_meter_is_registered()
    {
        Assert.False(api.Host.Services.GetRequiredService<TelemetrySettings>().On);
        Assert.Null(api.Host.Services.GetService<TracerProvider>());
        Assert.Null(api.Host.Services.GetService<MeterProvider>());
        Assert.Null(api.Host.Services.GetService<NexusMetrics>());
    }
}
