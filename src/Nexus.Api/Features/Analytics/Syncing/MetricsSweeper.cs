using Microsoft.Extensions.Options;
using Nexus.Api.Infrastructure;

namespace Nexus.Api.Features.Analytics.Syncing;

/// <summary>Runs <see cref="MetricsSync.SweepOnceAsync"/> every <see cref="AnalyticsOptions.SweepInterval"/> on every node.</summary>
public sealed class MetricsSweeper(MetricsSync sync, IOptions<AnalyticsOptions> options, TimeProvider clock, ILogger<MetricsSweeper> logger)
    : PeriodicSweep(clock, logger)
{
    protected override TimeSpan Interval => options.Value.SweepInterval;

    protected override string What => "metrics";

    protected override async Task<bool> SweepOnceAsync(CancellationToken ct) => (await sync.SweepOnceAsync(ct)).Claimed >= options.Value.SweepBatch;
}
