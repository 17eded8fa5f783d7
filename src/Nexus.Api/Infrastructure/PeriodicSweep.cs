namespace Nexus.Api.Infrastructure;

/// <summary>
/// Work that every node sweeps on a timer (metric readings, webhook deliveries, WebSub leases): the rows a sweep claims
/// (<c>for update skip locked</c>) keep the nodes apart, so no leader is needed. The clock is the app's
/// <see cref="TimeProvider"/>, so tests drive the timer; a failed sweep is logged and the next tick tries again.
/// </summary>
public abstract class PeriodicSweep(TimeProvider clock, ILogger logger) : BackgroundService
{
    /// <summary>The app's clock, for the sweep's own "now".</summary>
    protected TimeProvider Clock => clock;

    /// <summary>How long between two sweeps.</summary>
    protected abstract TimeSpan Interval { get; }

    /// <summary>What is swept, for the log ("webhook", "metrics").</summary>
    protected abstract string What { get; }

    /// <summary>Sweeps once; true when it found more due than one sweep takes, so the next goes at once.</summary>
    protected abstract Task<bool> SweepOnceAsync(CancellationToken ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                // A full batch means more is due: go on at once rather than a whole interval later.
                while (await SweepOnceAsync(stoppingToken))
                {
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "The {What} sweep failed", What);
            }
        }
    }
}
