using System.Diagnostics;
using System.Diagnostics.Metrics;
using Marten;
using Nexus.Api.Features.Posts;

namespace Nexus.Api.Infrastructure.Telemetry;

/// <summary>
/// The product's own metrics, meter <c>Nexus</c> (names, units and tags are listed in the README, "Observability").
/// Registered only when telemetry is on; the node is on the resource (<c>service.instance.id</c>), not on each point.
/// </summary>
public sealed class NexusMetrics
{
    public const string MeterName = "Nexus";

    // From a second to an hour late: a scheduler that keeps up lands in the first buckets, retries in the later ones.
    private static readonly double[] LatenessBuckets = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 1800, 3600];

    private readonly Counter<long> _published;
    private readonly Counter<long> _failed;
    private readonly Histogram<double> _lateness;

    public NexusMetrics(IMeterFactory meters, IEnumerable<IOperatorBacklog> backlogs, IServiceProvider services, IHostApplicationLifetime lifetime, TimeProvider clock,
        ILogger<NexusMetrics> logger)
    {
        var meter = meters.Create(MeterName);
        _published = meter.CreateCounter<long>("nexus.publishing.targets.published", "{target}",
            "Targets the platform confirmed as published (committed), by platform.");
        _failed = meter.CreateCounter<long>("nexus.publishing.targets.failed", "{target}",
            "Failed attempts of targets (committed), by platform, failure code and whether an automatic retry follows.");
        _lateness = meter.CreateHistogram("nexus.publishing.lateness", "s",
            "Seconds from a target's due time to the platform's answer that published it.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatenessBuckets });
        foreach (var backlog in backlogs)
        {
            var cached = new CachedBacklog(backlog, services, lifetime, clock, logger);
            meter.CreateObservableGauge(backlog.Name, cached.Observe, backlog.Unit, backlog.Description);
        }
    }

    /// <summary>Whether anything collects the outcome instruments (nothing does when no metrics exporter is configured).</summary>
    public bool RecordsOutcomes => _published.Enabled || _failed.Enabled || _lateness.Enabled;

    public void Published(string platform, bool reconciled, double? latenessSeconds)
    {
        var tags = new TagList { { "platform", platform }, { "reconciled", reconciled } };
        _published.Add(1, tags);
        if (latenessSeconds is { } seconds)
        {
            _lateness.Record(Math.Max(0, seconds), new TagList { { "platform", platform } });
        }
    }

    public void Failed(string platform, string code, bool retried) =>
        _failed.Add(1, new TagList { { "platform", platform }, { "error.type", code }, { "retried", retried } });

    public static string PlatformTag(Nexus.Api.Platforms.PlatformId platform) => platform.ToString().ToLowerInvariant();

    /// <summary>
    /// A backlog read when a metrics exporter collects, at most every <see cref="Freshness"/>: the exporter's period
    /// decides how often the database is asked, and nothing asks when telemetry is off.
    /// </summary>
    private sealed class CachedBacklog(IOperatorBacklog backlog, IServiceProvider services, IHostApplicationLifetime lifetime, TimeProvider clock, ILogger logger)
    {
        private static readonly TimeSpan Freshness = TimeSpan.FromSeconds(5);
        private readonly Lock _gate = new();
        private IReadOnlyList<Measurement<long>> _last = [];
        private DateTimeOffset _readAt = DateTimeOffset.MinValue;

        public IEnumerable<Measurement<long>> Observe()
        {
            lock (_gate)
            {
                var now = clock.GetUtcNow();
                // The exporter's last collection runs while the host shuts down: the figure it has is the last one.
                if (now - _readAt < Freshness || lifetime.ApplicationStopping.IsCancellationRequested)
                {
                    return _last;
                }

                _readAt = now;
                try
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    // The exporter's own thread calls this, synchronously; a bounded wait keeps a slow database from holding it.
                    using var session = services.GetRequiredService<IDocumentStore>().QuerySession();
                    _last = backlog.CountAsync(session, now, timeout.Token).GetAwaiter().GetResult();
                }
                catch (ObjectDisposedException)
                {
                    // The host is gone: nothing to count with, and nothing wrong.
                }
                catch (Exception ex)
                {
                    logger.LogWarning(ex, "Counting {Backlog} failed; the gauge keeps its last value", backlog.Name);
                }

                return _last;
            }
        }
    }
}

/// <summary>
/// Work waiting that an operator watches across all nodes (the database's count, so every node reports the same
/// figure). Each implementation registered in <see cref="TelemetrySetup"/> becomes an observable gauge of the meter
/// <c>Nexus</c>: the webhook deliveries of a later issue add theirs here. The query must be cheap and indexed.
/// </summary>
public interface IOperatorBacklog
{
    string Name { get; }

    string Unit { get; }

    string Description { get; }

    Task<IReadOnlyList<Measurement<long>>> CountAsync(IQuerySession session, DateTimeOffset now, CancellationToken ct);
}

/// <summary>Posts whose time has come and that are not done: still SCHEDULED past their time, or PUBLISHING (calls, retries).</summary>
public sealed class DueUnpublishedPosts : IOperatorBacklog
{
    public string Name => "nexus.publishing.due_unpublished";

    public string Unit => "{post}";

    public string Description => "Posts past their due time and not yet published or failed, by status (scheduled: not started; publishing: started, targets pending).";

    public async Task<IReadOnlyList<Measurement<long>>> CountAsync(IQuerySession session, DateTimeOffset now, CancellationToken ct)
    {
        var scheduled = await session.Query<Post>().CountAsync(p => p.Status == PostStatus.Scheduled && p.ScheduledAt <= now, ct);
        var publishing = await session.Query<Post>().CountAsync(p => p.Status == PostStatus.Publishing, ct);
        return [new(scheduled, new KeyValuePair<string, object?>("status", "scheduled")), new(publishing, new KeyValuePair<string, object?>("status", "publishing"))];
    }
}

/// <summary>
/// Active connections whose access token has expired or expires within <see cref="Margin"/>: refreshes run well
/// before that (<c>TokenRefresh.DueAt</c>), so a connection counted here is one whose refresh is late or failing.
/// </summary>
public sealed class TokenRefreshBacklog : IOperatorBacklog
{
    public static readonly TimeSpan Margin = TimeSpan.FromMinutes(2);

    public string Name => "nexus.connections.token_refresh_backlog";

    public string Unit => "{connection}";

    public string Description => "Active connections whose access token has expired or expires within two minutes: refreshes that are late or failing.";

    public async Task<IReadOnlyList<Measurement<long>>> CountAsync(IQuerySession session, DateTimeOffset now, CancellationToken ct)
    {
        var horizon = now + Margin;
        var count = await session.Query<Features.Connections.Connection>()
            .CountAsync(c => c.Status == Features.Connections.ConnectionStatus.Active && c.TokenExpiresAt != null && c.TokenExpiresAt < horizon, ct);
        return [new(count)];
    }
}
