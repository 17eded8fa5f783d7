namespace Nexus.Api.Features.Analytics;

/// <summary>The metric and audience sync's timing, bound from <c>Nexus:Analytics</c>.</summary>
public sealed class AnalyticsOptions
{
    public const string Section = "Nexus:Analytics";

    /// <summary>How often every node looks for due rows (a due row waits at most this long past its time).</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How far a sweep pushes the rows it claims: no other node reads them meanwhile, and a node that dies holding
    /// them only delays them by this much.
    /// </summary>
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Rows one sweep claims at most (of targets, and of connections); the next sweep takes the rest.</summary>
    public int SweepBatch { get; set; } = 500;

    /// <summary>Connections whose metrics one sweep reads at the same time.</summary>
    public int Parallelism { get; set; } = 8;

    /// <summary>How often a connection's audience is read.</summary>
    public TimeSpan AudienceInterval { get; set; } = TimeSpan.FromHours(6);

    /// <summary>First wait after a transient failure; it doubles with every failure in a row, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Failures in a row after which a target stops syncing (with the defaults, about two days of trying).</summary>
    public int MaxFailures { get; set; } = 12;

    /// <summary>
    /// How long a connection's rows wait when the platform refuses its tokens or the connection needs reauthorization:
    /// refused calls are not repeated every sweep.
    /// </summary>
    public TimeSpan AuthFailureWait { get; set; } = TimeSpan.FromHours(6);

    /// <summary>How long a post's rows wait when its platform has no metrics client in this build.</summary>
    public TimeSpan UnsupportedWait { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How often <c>refreshMetrics</c> may read one post's metrics on demand.</summary>
    public TimeSpan RefreshCooldown { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan BackoffFor(int failures)
    {
        var delay = RetryBaseDelay * Math.Pow(2, Math.Clamp(failures - 1, 0, 30));
        return delay < MaxRetryDelay ? delay : MaxRetryDelay;
    }
}
