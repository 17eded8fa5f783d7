using System.Globalization;
using GraphQL;
using GraphQL.Types;
using GraphQL.Types.Relay;
using GraphQL.Types.Relay.DataObjects;
using Marten;
using Marten.Linq.MatchesSql;
using Nexus.Api.Features.Posts.Queueing;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.GraphQL.Scalars;
using Nexus.Api.Infrastructure.Identity;
using Nexus.Api.Platforms;

namespace Nexus.Api.Features.Posts.Listing;

/// <summary><c>Workspace.posts</c>, <c>Workspace.calendar</c> and <c>Workspace.postingSchedule</c>: the Posts area's fields of a workspace.</summary>
public sealed class WorkspacePostsFields : ITypeExtension<WorkspaceType>
{
    public void Extend(WorkspaceType type)
    {
        type.Field<NonNullGraphType<ConnectionType<PostType, EdgeType<PostType>>>, object>("posts")
            .Description("Posts, newest first; with `from`/`to`, those scheduled in that range by time.")
            .Paged()
            .Argument<PostStatusType>("status", "Only posts in this state.")
            .Argument<PlatformIdType>("platform", "Only posts with a target on this platform.")
            .Argument<DateTimeScalar>("from", "Only posts scheduled at or after this instant.")
            .Argument<DateTimeScalar>("to", "Only posts scheduled before this instant.")
            .RequireWorkspaceRole(Role.Viewer, ctx => ((Workspace)ctx.Source!).Id)
            .Scope(AppScope.PostsRead)
            .ResolveAsync(async ctx => await WorkspacePosts.PageAsync(ctx.Source.Id, ctx));
        type.Field<NonNullGraphType<ListGraphType<NonNullGraphType<CalendarDayType>>>, IReadOnlyList<CalendarDay>>("calendar")
            .Description("Posts by local day from `from` to `to` (dates, inclusive, at most 62 days) in the workspace's zone or `timeZone`.")
            .Argument<NonNullGraphType<StringGraphType>>("from", "First day, `yyyy-MM-dd`.")
            .Argument<NonNullGraphType<StringGraphType>>("to", "Last day, `yyyy-MM-dd`.")
            .Argument<TimeZoneScalar>("timeZone", "Show the days of this zone instead of the workspace's.")
            .RequireWorkspaceRole(Role.Viewer, ctx => ((Workspace)ctx.Source!).Id)
            .Scope(AppScope.PostsRead)
            .ResolveAsync(async ctx => await WorkspacePosts.CalendarAsync(ctx.Source, ctx));
        type.Field<PostingScheduleType, PostingSchedule?>("postingSchedule")
            .Description("The weekly posting schedule, if one is set.")
            .Scope(AppScope.PostsRead)
            .Resolve(ctx => ctx.Source.PostingSchedule is { Slots.Count: > 0 } schedule ? schedule : null);
    }
}

public static class WorkspacePosts
{
    public const int MaxCalendarDays = 62;

    /// <summary>
    /// Posts filtered by status, platform and scheduled time; newest first (creation time, then id), or by scheduled
    /// time then id when a time range is given. The cursor holds the last post's key and id, and the next page
    /// starts strictly after them, so posts drafted or discarded in between shift nothing.
    /// </summary>
    public static async Task<Connection<Post>> PageAsync(Guid workspaceId, IResolveFieldContext context)
    {
        var page = context.GetPageRequest();
        var status = context.GetArgument<PostStatus?>("status");
        var platform = context.GetArgument<PlatformId?>("platform");
        var from = context.GetArgument<DateTimeOffset?>("from");
        var to = context.GetArgument<DateTimeOffset?>("to");
        var bySchedule = from is not null || to is not null;
        var list = bySchedule ? "posts.scheduled" : "posts.created";

        var query = context.RequestServices!.GetRequiredService<IQuerySession>().Query<Post>().Where(p => p.WorkspaceId == workspaceId);
        if (status is { } wantedStatus)
        {
            query = query.Where(p => p.Status == wantedStatus);
        }

        if (platform is { } wantedPlatform)
        {
            query = query.Where(p => p.Platforms.Contains(wantedPlatform));
        }

        if (from is { } start)
        {
            query = query.Where(p => p.ScheduledAt >= start);
        }

        if (to is { } end)
        {
            query = query.Where(p => p.ScheduledAt < end);
        }

        var total = page.CountTotal ? await query.CountAsync(context.CancellationToken) : (int?)null;
        if (page.After(list, 2) is [var keyPart, var idPart])
        {
            var (key, id) = (PageRequest.LongPart(keyPart, 0, DateTimeOffset.MaxValue.UtcTicks), PageRequest.GuidPart(idPart));
            // The key is compared as PostgreSQL reads the stored JSON timestamp (text to timestamptz, rounded to the
            // microsecond), on both sides, so a post's own cursor is equal to it and ties are settled by the id.
            var at = new DateTimeOffset(key, TimeSpan.Zero).ToString("O", CultureInfo.InvariantCulture);
            query = bySchedule
                ? query.Where(p => p.MatchesSql("(CAST(d.data ->> 'ScheduledAt' AS timestamptz), d.id) > (CAST(? AS timestamptz), ?)", at, id))
                : query.Where(p => p.MatchesSql("(CAST(d.data ->> 'CreatedAt' AS timestamptz), d.id) < (CAST(? AS timestamptz), ?)", at, id));
        }

        query = bySchedule
            ? query.OrderBy(p => p.ScheduledAt).ThenBy(p => p.Id)
            : query.OrderByDescending(p => p.CreatedAt).ThenByDescending(p => p.Id);
        var rows = await query.Take(page.First + 1).ToListAsync(context.CancellationToken);
        return Paging.ToConnection(rows, page, p => Paging.Key(list,
            (bySchedule ? p.ScheduledAt!.Value : p.CreatedAt).UtcTicks.ToString(CultureInfo.InvariantCulture), p.Id.ToString("N")), total);
    }

    /// <summary>Scheduled and published posts by local day in the workspace's zone (or <c>timeZone</c>), days with 23 or 25 hours included.</summary>
    public static async Task<IReadOnlyList<CalendarDay>> CalendarAsync(Workspace workspace, IResolveFieldContext context)
    {
        var from = ParseDay(context.GetArgument<string>("from"), "from");
        var to = ParseDay(context.GetArgument<string>("to"), "to");
        if (to < from || to.DayNumber - from.DayNumber >= MaxCalendarDays)
        {
            throw new BadRequestError($"`to` must be on or after `from`, at most {MaxCalendarDays} days in all.");
        }

        var zone = context.GetArgument<TimeZoneInfo?>("timeZone") ?? TimeZoneInfo.FindSystemTimeZoneById(workspace.TimeZone);
        var start = WallClock.DayBounds(from, zone).Start;
        var end = WallClock.DayBounds(to, zone).End;
        var posts = await context.RequestServices!.GetRequiredService<IQuerySession>().Query<Post>()
            .Where(p => p.WorkspaceId == workspace.Id && p.ScheduledAt >= start && p.ScheduledAt < end)
            .OrderBy(p => p.ScheduledAt).ThenBy(p => p.Id)
            .ToListAsync(context.CancellationToken);
        var byDay = posts.ToLookup(p => DateOnly.FromDateTime(WallClock.ToLocal(p.ScheduledAt!.Value, zone)));
        return [.. Enumerable.Range(0, to.DayNumber - from.DayNumber + 1).Select(i => from.AddDays(i)).Select(day =>
        {
            var (dayStart, dayEnd) = WallClock.DayBounds(day, zone);
            return new CalendarDay(day, zone.Id, dayEnd - dayStart, [.. byDay[day]]);
        })];
    }

    private static DateOnly ParseDay(string text, string argument) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) && day.Year is >= WallClock.FirstYear and <= WallClock.LastYear
            ? day
            : throw new BadRequestError($"`{argument}` is a date like 2026-03-29, in the years {WallClock.FirstYear} to {WallClock.LastYear}.");
}

/// <summary>One local day of the calendar.</summary>
public sealed record CalendarDay(DateOnly Date, string TimeZone, TimeSpan Length, IReadOnlyList<Post> Posts);

public sealed class CalendarDayType : ObjectGraphType<CalendarDay>
{
    public CalendarDayType()
    {
        Name = "CalendarDay";
        Description = "A local day and the posts scheduled in it.";
        Field<NonNullGraphType<StringGraphType>, string>("date").Description("`yyyy-MM-dd` in the calendar's zone.")
            .Resolve(ctx => ctx.Source.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Field<NonNullGraphType<IntGraphType>, int>("hours").Description("23 or 25 on days the clocks change, else 24.").Resolve(ctx => (int)Math.Round(ctx.Source.Length.TotalHours));
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<PostType>>>, IReadOnlyList<Post>>("posts").Resolve(ctx => ctx.Source.Posts);
    }
}

public sealed class PostingScheduleType : ObjectGraphType<PostingSchedule>
{
    public PostingScheduleType()
    {
        Name = "PostingSchedule";
        Description = "The weekly slots addPostToQueue fills.";
        Field<NonNullGraphType<TimeZoneScalar>, TimeZoneInfo>("timeZone").Resolve(ctx => TimeZoneInfo.FindSystemTimeZoneById(ctx.Source.TimeZone));
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<PostingSlotType>>>, IReadOnlyList<PostingSlot>>("slots").Resolve(ctx => ctx.Source.Slots);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<DateTimeScalar>>>, IEnumerable<DateTimeOffset>>("upcoming")
            .Description("The next slot times (DST applied), free or not.")
            .Argument<IntGraphType>("first", "How many, 1 to 50 (default 10).")
            .Resolve(ctx =>
            {
                var first = ctx.GetArgument<int?>("first") ?? 10;
                if (first is < 1 or > 50)
                {
                    throw new BadRequestError("`first` must be between 1 and 50.");
                }

                return PostingQueue.UpcomingSlots(ctx.Source, ctx.RequestServices!.GetRequiredService<TimeProvider>().GetUtcNow()).Take(first).Select(s => s.Instant).ToList();
            });
    }
}
