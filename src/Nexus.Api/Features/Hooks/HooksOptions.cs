namespace Nexus.Api.Features.Hooks;

/// <summary>Outbound webhook delivery, bound from <c>Nexus:Hooks</c>.</summary>
public sealed class HooksOptions
{
    public const string Section = "Nexus:Hooks";

    /// <summary>Waits before each retry after a failed attempt; once they are spent the delivery has failed.</summary>
    public List<TimeSpan> RetrySchedule { get; set; } = [];

    /// <summary>Longest one attempt may take, connecting to the last byte read.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>An endpoint that has not accepted a delivery for this long (while failing) is disabled and its admins emailed.</summary>
    public TimeSpan DisableAfter { get; set; } = TimeSpan.FromDays(5);

    /// <summary>How often every node looks for due deliveries.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Most deliveries one sweep claims.</summary>
    public int SweepBatch { get; set; } = 100;

    /// <summary>How long a claimed delivery is held before another node may take it (a node that died mid-attempt).</summary>
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Attempts in flight at once per node.</summary>
    public int Parallelism { get; set; } = 16;

    /// <summary>How much of a response body the delivery log keeps.</summary>
    public int MaxLoggedResponseBytes { get; set; } = 2048;

    /// <summary>Endpoints per workspace.</summary>
    public int MaxEndpointsPerWorkspace { get; set; } = 20;

    public static readonly TimeSpan[] DefaultSchedule =
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(5),
        TimeSpan.FromHours(10), TimeSpan.FromHours(10),
    ];

    /// <summary>The retry schedule in force (the configured one, else the default).</summary>
    public IReadOnlyList<TimeSpan> Schedule => RetrySchedule.Count > 0 ? RetrySchedule : DefaultSchedule;
}
