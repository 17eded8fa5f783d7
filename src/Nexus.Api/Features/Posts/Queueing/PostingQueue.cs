using System.Globalization;
using Marten;
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

    /// <summary>The first slot after <paramref name="now"/> that no scheduled post of the workspace holds.</summary>
    public static async Task<ZonedTime?> NextFreeSlotAsync(PostingSchedule schedule, Guid workspaceId, DateTimeOffset now, IQuerySession session, CancellationToken ct)
    {
        var horizon = now.AddDays(7 * MaxWeeksAhead + 1);
        var taken = (await session.Query<Post>()
                .Where(p => p.WorkspaceId == workspaceId && p.Status == PostStatus.Scheduled && p.ScheduledAt > now && p.ScheduledAt < horizon)
                .ToListAsync(ct))
            .Select(p => p.ScheduledAt!.Value.UtcTicks)
            .ToHashSet();
        return UpcomingSlots(schedule, now).Cast<ZonedTime?>().FirstOrDefault(slot => !taken.Contains(slot!.Instant.UtcTicks));
    }

    public static string Format(TimeOnly time) => time.ToString("HH:mm", CultureInfo.InvariantCulture);
}
