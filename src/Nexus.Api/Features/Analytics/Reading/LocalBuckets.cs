using GraphQL.Types;
using Nexus.Api.Features.Posts;
using Nexus.Api.GraphQL.Errors;

namespace Nexus.Api.Features.Analytics.Reading;

public enum AnalyticsInterval
{
    Day,
    Week,
    Month,
}

public sealed class AnalyticsIntervalType : EnumerationGraphType<AnalyticsInterval>
{
    public AnalyticsIntervalType()
    {
        Name = "AnalyticsInterval";
        Description = "A series' step, in the workspace's time zone: local days (23 or 25 hours when the clocks change), ISO weeks (Monday to Sunday) or calendar months.";
    }
}

/// <summary>
/// Local days, ISO weeks and months of a time zone. PostgreSQL buckets an instant by its local date
/// (<c>date_trunc(unit, at at time zone zone)</c>, the same IANA zone); these give each bucket's bounds as instants,
/// through <see cref="WallClock"/>, so a day the clocks change lasts 23 or 25 hours.
/// </summary>
public static class LocalBuckets
{
    /// <summary>The longest range analytics read: a bit more than a year, so a year compares with the one before.</summary>
    public const int MaxDays = 400;

    public static string Unit(AnalyticsInterval interval) => interval switch
    {
        AnalyticsInterval.Week => "week",
        AnalyticsInterval.Month => "month",
        _ => "day",
    };

    public static DateOnly StartOf(DateOnly day, AnalyticsInterval interval) => interval switch
    {
        AnalyticsInterval.Week => day.AddDays(-(((int)day.DayOfWeek + 6) % 7)),
        AnalyticsInterval.Month => new DateOnly(day.Year, day.Month, 1),
        _ => day,
    };

    public static DateOnly Next(DateOnly start, AnalyticsInterval interval) => interval switch
    {
        AnalyticsInterval.Week => start.AddDays(7),
        AnalyticsInterval.Month => start.AddMonths(1),
        _ => start.AddDays(1),
    };

    public static DateOnly LocalDate(DateTimeOffset instant, TimeZoneInfo zone) => DateOnly.FromDateTime(WallClock.ToLocal(instant, zone));

    public static DateTimeOffset StartInstant(DateOnly day, TimeZoneInfo zone) => WallClock.DayBounds(day, zone).Start;

    /// <summary>The starts of the buckets that cover [<paramref name="from"/>, <paramref name="to"/>), oldest first.</summary>
    public static IEnumerable<DateOnly> Covering(DateTimeOffset from, DateTimeOffset to, TimeZoneInfo zone, AnalyticsInterval interval)
    {
        var last = LocalDate(to.AddTicks(-1), zone);
        for (var start = StartOf(LocalDate(from, zone), interval); start <= last; start = Next(start, interval))
        {
            yield return start;
        }
    }

    /// <summary>Checks a range argument pair: <c>to</c> after <c>from</c>, at most <see cref="MaxDays"/> days (else <c>BAD_REQUEST</c>).</summary>
    public static void Check(DateTimeOffset from, DateTimeOffset to)
    {
        if (to <= from)
        {
            throw new BadRequestError("`to` must be after `from`.");
        }

        if (to - from > TimeSpan.FromDays(MaxDays))
        {
            throw new BadRequestError($"The range from `from` to `to` is at most {MaxDays} days.");
        }

        if (from.Year < WallClock.FirstYear || to.Year > WallClock.LastYear)
        {
            throw new BadRequestError($"`from` and `to` are in the years {WallClock.FirstYear} to {WallClock.LastYear}.");
        }
    }
}
