using Microsoft.Extensions.Options;

namespace Nexus.Api.Features.Analytics.Syncing;

/// <summary>
/// Runs <see cref="MetricsSync.SweepOnceAsync"/> every <see cref="AnalyticsOptions.SweepInterval"/> on every node; the
/// sweep's claims keep the nodes from reading the same rows, so no leader is needed.
/// </summary>
public sealed class MetricsSweeper(MetricsSync sync, IOptions<AnalyticsOptions> options, TimeProvider clock, ILogger<MetricsSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                // A full batch means more is due: go on at once rather than a whole interval later.
                while ((await sync.SweepOnceAsync(stoppingToken)).Claimed >= options.Value.SweepBatch)
                {
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "The metrics sweep failed");
            }
        }
    }
}
