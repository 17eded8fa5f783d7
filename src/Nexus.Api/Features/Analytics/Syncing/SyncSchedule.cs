namespace Nexus.Api.Features.Analytics.Syncing;

/// <summary>
/// When a published post's metrics are read: at +1 h, +6 h, +24 h, +3 d, +7 d and +30 d after publication, then
/// never again (the issue fixes the steps; figures barely move after a month).
/// </summary>
public static class SyncSchedule
{
    public static readonly IReadOnlyList<TimeSpan> Steps =
        [TimeSpan.FromHours(1), TimeSpan.FromHours(6), TimeSpan.FromHours(24), TimeSpan.FromDays(3), TimeSpan.FromDays(7), TimeSpan.FromDays(30)];

    public static DateTimeOffset First(DateTimeOffset publishedAt) => publishedAt + Steps[0];

    /// <summary>
    /// After a reading at <paramref name="now"/>: the first step still ahead and when it falls, or null when none is.
    /// A sweep that comes late (a node was down) reads once and moves on: the steps it missed are not replayed, since
    /// a reading taken now cannot stand for one at an earlier moment.
    /// </summary>
    public static (int Step, DateTimeOffset? NextAt) After(DateTimeOffset publishedAt, DateTimeOffset now)
    {
        for (var step = 0; step < Steps.Count; step++)
        {
            if (publishedAt + Steps[step] > now)
            {
                return (step, publishedAt + Steps[step]);
            }
        }

        return (Steps.Count, null);
    }
}
