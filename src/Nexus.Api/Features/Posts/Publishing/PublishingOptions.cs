namespace Nexus.Api.Features.Posts.Publishing;

/// <summary>
/// The retry policy, bound from <c>Nexus:Publishing</c>. Transient failures wait <c>RetryBaseDelay × 2^(n-1)</c>
/// (capped at <see cref="MaxRetryDelay"/>, ±20% jitter) for up to <see cref="MaxAttempts"/> calls: with the
/// defaults, 7 calls over about an hour. Rate limits wait for the platform's reset time and may take
/// <see cref="ExtraRateLimitAttempts"/> more calls.
/// </summary>
public sealed class PublishingOptions
{
    public const string Section = "Nexus:Publishing";

    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(30);

    public int MaxAttempts { get; set; } = 7;

    public int ExtraRateLimitAttempts { get; set; } = 10;

    /// <summary>How many targets are published at the same time (platform calls are I/O: far more than cores).</summary>
    public int Parallelism { get; set; } = 64;

    /// <summary>How long Nexus keeps asking a platform about an attempt whose outcome is unknown before calling it unconfirmed.</summary>
    public TimeSpan ReconcileFor { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long an attempt's lease lasts without renewal (see <see cref="AttemptLeases"/>): the caller renews it every third
    /// of this while the call runs, and a node that dies holding it delays the attempt's reconciliation by at most this.
    /// </summary>
    public TimeSpan AttemptLease { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often the safety net looks for posts that should be moving and are not.</summary>
    public TimeSpan StallCheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a due post or a publishing target may sit without progress before its message is sent again.</summary>
    public TimeSpan StalledAfter { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan BackoffFor(int attempt, double jitter)
    {
        var exponential = RetryBaseDelay.Ticks * Math.Pow(2, Math.Max(0, attempt - 1));
        var capped = Math.Min(exponential, MaxRetryDelay.Ticks);
        return TimeSpan.FromTicks((long)(capped * (0.8 + (0.4 * jitter))));
    }
}
