using System.Globalization;
using Marten;
using Marten.Services.BatchQuerying;
using Nexus.Api.Features.Workspaces;

namespace Nexus.Api.Features.Posts.Queueing;

/// <summary>
/// The workspace's weekly posting schedule as concrete times: each slot's wall time on each coming day, resolved in
/// the schedule's zone with the same explicit DST rules as scheduling (a slot the clocks skip moves past the gap; a
/// slot they show twice happens once, at its first occurrence).
/// </summary>
public static class PostingQueue
{
    public const int MaxWeeksAhead = 8;

    public static IEnumerable<ZonedTime> UpcomingSlots(PostingSchedule schedule, DateTimeOffset after)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(schedule.TimeZone);
        var today = DateOnly.FromDateTime(WallClock.ToLocal(after, zone));
        for (var day = today; day < today.AddDays(7 * MaxWeeksAhead); day = day.AddDays(1))
        {
            // Ordered by the resolved instant: a slot moved past a DST gap may land after a later wall time, or on it.
            var slots = schedule.Slots.Where(s => s.DayOfWeek == day.DayOfWeek)
                .Select(s => WallClock.FromLocal(day.ToDateTime(s.Time), zone))
                .DistinctBy(z => z.Instant)
                .OrderBy(z => z.Instant);
            foreach (var when in slots.Where(z => z.Instant > after))
            {
                yield return when;
            }
        }
    }

    /// <summary>The first slot after <paramref name="now"/> that no scheduled post of the workspace holds (<paramref name="taken"/>: their instants' UTC ticks).</summary>
    public static ZonedTime? NextFreeSlot(PostingSchedule schedule, IReadOnlySet<long> taken, DateTimeOffset now) =>
        UpcomingSlots(schedule, now).Cast<ZonedTime?>().FirstOrDefault(slot => !taken.Contains(slot!.Instant.UtcTicks));

    /// <summary>The workspace's scheduled posts within the queue's horizon, read in <paramref name="batch"/>.</summary>
    public static Task<IReadOnlyList<Post>> TakenSlots(IBatchedQuery batch, Guid workspaceId, DateTimeOffset now)
    {
        var horizon = now.AddDays(7 * MaxWeeksAhead + 1);
        return batch.Query<Post>()
            .Where(p => p.WorkspaceId == workspaceId && p.Status == PostStatus.Scheduled && p.ScheduledAt > now && p.ScheduledAt < horizon)
            .ToList();
    }

    public static string Format(TimeOnly time) => time.ToString("HH:mm", CultureInfo.InvariantCulture);
}
