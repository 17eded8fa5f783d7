using System.Globalization;

namespace Nexus.Api.Features.Posts;

/// <summary>An instant chosen in a time zone: the UTC instant, the zone and the local wall time, and how DST was resolved.</summary>
public sealed record ZonedTime(DateTimeOffset Instant, string TimeZone, string LocalTime, DstResolution Dst);

/// <summary>
/// Turns wall times into instants and back, with daylight-saving transitions handled explicitly rather than by
/// whatever the runtime does: a wall time in a spring-forward gap moves forward by the gap (02:30 on the night
/// clocks jump from 02:00 to 03:00 becomes 03:30); one in a fall-back overlap takes its first occurrence unless an
/// offset says otherwise.
/// </summary>
public static class WallClock
{
    public const string LocalFormat = "yyyy-MM-dd'T'HH:mm";

    /// <summary>The years a wall time may name: far enough for any schedule, and clear of the calendar's edges.</summary>
    public const int FirstYear = 2000, LastYear = 9000;

    public static bool TryParseLocal(string? text, out DateTime local) =>
        DateTime.TryParseExact(text, LocalFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out local) && local.Year is >= FirstYear and <= LastYear;

    /// <summary>The instant of a local wall time in <paramref name="zone"/>.</summary>
    public static ZonedTime FromLocal(DateTime local, TimeZoneInfo zone)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(local))
        {
            // The clocks skipped this wall time: keep the distance from the last valid minute, measured in real time.
            var before = local;
            while (zone.IsInvalidTime(before))
            {
                before = before.AddMinutes(-1);
            }

            var offsetBefore = zone.GetUtcOffset(before);
            var instant = new DateTimeOffset(local - offsetBefore, TimeSpan.Zero);
            return Describe(instant, zone, DstResolution.ShiftedForward);
        }

        if (zone.IsAmbiguousTime(local))
        {
            // The larger offset is the earlier instant: before the clocks fell back.
            var first = zone.GetAmbiguousTimeOffsets(local).Max();
            return Describe(new DateTimeOffset(local, first).ToUniversalTime(), zone, DstResolution.FirstOccurrence);
        }

        return Describe(new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime(), zone, DstResolution.Exact);
    }

    /// <summary>An instant given with an offset, described in <paramref name="zone"/>.</summary>
    public static ZonedTime FromInstant(DateTimeOffset instant, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(instant, zone);
        var dst = DstResolution.Exact;
        if (zone.IsAmbiguousTime(local.DateTime))
        {
            dst = local.Offset == zone.GetAmbiguousTimeOffsets(local.DateTime).Max() ? DstResolution.FirstOccurrence : DstResolution.SecondOccurrence;
        }

        return Describe(instant.ToUniversalTime(), zone, dst);
    }

    public static DateTime ToLocal(DateTimeOffset instant, TimeZoneInfo zone) => TimeZoneInfo.ConvertTime(instant, zone).DateTime;

    /// <summary>The UTC instants where the local day <paramref name="day"/> begins and ends (23 or 25 hours on DST days).</summary>
    public static (DateTimeOffset Start, DateTimeOffset End) DayBounds(DateOnly day, TimeZoneInfo zone) =>
        (FromLocal(day.ToDateTime(TimeOnly.MinValue), zone).Instant, FromLocal(day.AddDays(1).ToDateTime(TimeOnly.MinValue), zone).Instant);

    private static ZonedTime Describe(DateTimeOffset instant, TimeZoneInfo zone, DstResolution dst) =>
        new(instant, zone.Id, ToLocal(instant, zone).ToString(LocalFormat, CultureInfo.InvariantCulture), dst);
}
