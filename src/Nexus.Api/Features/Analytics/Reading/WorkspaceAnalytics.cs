using System.Globalization;
using GraphQL;
using GraphQL.DataLoader;
using GraphQL.Types;
using Marten;
using Nexus.Api.Features.Connections;
using Nexus.Api.Features.Posts;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.GraphQL.Loading;
using Nexus.Api.GraphQL.Scalars;
using Nexus.Api.Infrastructure.Identity;
using Nexus.Api.Platforms;
using Npgsql;
using NpgsqlTypes;

namespace Nexus.Api.Features.Analytics.Reading;

/// <summary><c>Workspace.analytics</c>: what the workspace's published posts earned in a range, and the dashboard's numbers.</summary>
public sealed class WorkspaceAnalyticsField : ITypeExtension<WorkspaceType>
{
    public const int MaxTopPosts = 50;

    public void Extend(WorkspaceType type) =>
        type.Field<NonNullGraphType<WorkspaceAnalyticsType>, WorkspaceAnalytics>("analytics")
            .Description("What the posts published in [`from`, `to`) earned (each target with its latest reading), against the period of equal length " +
                $"before; a series in the workspace's time zone, a per-platform breakdown, top posts and the dashboard's numbers. At most {LocalBuckets.MaxDays} days.")
            .Argument<NonNullGraphType<DateTimeScalar>>("from", "The first instant (inclusive).")
            .Argument<NonNullGraphType<DateTimeScalar>>("to", "The end (exclusive).")
            .Argument<ListGraphType<NonNullGraphType<PlatformIdType>>>("platforms", "Only targets on these platforms (all when omitted).")
            .Argument<AnalyticsIntervalType>("interval", "The series' step (default DAY).")
            .RequireWorkspaceRole(Role.Viewer, ctx => ((Workspace)ctx.Source!).Id)
            .Scope(AppScope.AnalyticsRead)
            .Resolve(ctx =>
            {
                var from = ctx.GetArgument<DateTimeOffset>("from");
                var to = ctx.GetArgument<DateTimeOffset>("to");
                LocalBuckets.Check(from, to);
                Billing.AnalyticsHistory.Check(ctx.Source, from, ctx.RequestServices!);
                var platforms = ctx.GetArgument<List<PlatformId>?>("platforms");
                return new WorkspaceAnalytics(ctx.Source, TimeZoneInfo.FindSystemTimeZoneById(ctx.Source.TimeZone), from, to,
                    platforms is null ? null : [.. platforms.Distinct().Select(p => p.ToString())],
                    ctx.GetArgument("interval", AnalyticsInterval.Day), ctx.RequestServices!.GetRequiredService<NpgsqlDataSource>());
            });
}

/// <summary>
/// The range an analytics query reads. Each part is one SQL statement run when it is selected; totals and the
/// previous period come from one statement over both periods, shared by <c>totals</c>, <c>previous</c> and the dashboard.
/// (One statement with grouping sets for totals, series and platforms was tried and measured: it scanned once but
/// sorted the wide rows once per grouping set and cost PostgreSQL more CPU than three statements.)
/// </summary>
public sealed class WorkspaceAnalytics(Workspace workspace, TimeZoneInfo zone, DateTimeOffset from, DateTimeOffset to, string[]? platforms,
    AnalyticsInterval interval, NpgsqlDataSource database)
{
    private readonly Lazy<Task<(AnalyticsFigures Current, AnalyticsFigures Previous)>> _periods =
        new(() => PeriodsAsync(database, workspace.Id, from, to, platforms));

    public Workspace Workspace => workspace;

    public TimeZoneInfo Zone => zone;

    public DateTimeOffset From => from;

    public DateTimeOffset To => to;

    public DateTimeOffset PreviousFrom => from - (to - from);

    public AnalyticsInterval Interval => interval;

    public Task<(AnalyticsFigures Current, AnalyticsFigures Previous)> PeriodsAsync() => _periods.Value;

    private static async Task<(AnalyticsFigures, AnalyticsFigures)> PeriodsAsync(NpgsqlDataSource database, Guid workspaceId, DateTimeOffset from, DateTimeOffset to, string[]? platforms)
    {
        // One pass over both periods: [from - length, to), split by which side of `from` a target was published.
        var (current, previous) = (AnalyticsFigures.None, AnalyticsFigures.None);
        await AnalyticsSql.QueryAsync(database, AnalyticsSql.Grouped("published_at >= @current"), workspaceId, from - (to - from), to, platforms,
            parameters => parameters.Add(new NpgsqlParameter("current", NpgsqlDbType.TimestampTz) { Value = from.UtcDateTime }),
            reader =>
            {
                if (reader.GetBoolean(0))
                {
                    current = AnalyticsSql.ReadFigures(reader, 1);
                }
                else
                {
                    previous = AnalyticsSql.ReadFigures(reader, 1);
                }
            }, CancellationToken.None);
        return (current, previous);
    }

    /// <summary>Every bucket of the range, oldest first; a bucket without posts has zero posts and null figures.</summary>
    public async Task<IReadOnlyList<AnalyticsBucket>> SeriesAsync(CancellationToken ct)
    {
        var found = new Dictionary<DateOnly, AnalyticsFigures>();
        await AnalyticsSql.QueryAsync(database, AnalyticsSql.Grouped("date_trunc(@unit, published_at at time zone @zone)::date"), workspace.Id, from, to, platforms,
            parameters =>
            {
                parameters.AddWithValue("unit", LocalBuckets.Unit(interval));
                parameters.AddWithValue("zone", zone.Id);
            },
            reader => found[reader.GetFieldValue<DateOnly>(0)] = AnalyticsSql.ReadFigures(reader, 1), ct);
        return [.. LocalBuckets.Covering(from, to, zone, interval).Select(start =>
            new AnalyticsBucket(start, LocalBuckets.StartInstant(start, zone), LocalBuckets.StartInstant(LocalBuckets.Next(start, interval), zone),
                found.GetValueOrDefault(start, AnalyticsFigures.None)))];
    }

    public async Task<IReadOnlyList<PlatformAnalytics>> ByPlatformAsync(CancellationToken ct)
    {
        var rows = new List<PlatformAnalytics>();
        await AnalyticsSql.QueryAsync(database, AnalyticsSql.Grouped("platform") + " order by 1", workspace.Id, from, to, platforms, _ => { },
            reader =>
            {
                if (Enum.TryParse<PlatformId>(reader.GetString(0), out var platform))
                {
                    rows.Add(new PlatformAnalytics(platform, AnalyticsSql.ReadFigures(reader, 1)));
                }
            }, ct);
        return rows;
    }

    /// <summary>The posts with the most engagements (summed over their targets in the range), then by id; posts with none last.</summary>
    public async Task<IReadOnlyList<TopPost>> TopPostsAsync(int first, CancellationToken ct)
    {
        // Grouped by post, the distinct post count is 1: without it PostgreSQL hashes the groups instead of sorting every row.
        var sql = $"select post_id, {AnalyticsSql.Aggregates.Replace("count(distinct post_id)::int", "1", StringComparison.Ordinal)} from {AnalyticsSql.Targets} " +
            "group by 1 order by sum(engagements) desc nulls last, post_id limit @first";
        var rows = new List<TopPost>();
        await AnalyticsSql.QueryAsync(database, sql, workspace.Id, from, to, platforms, parameters => parameters.AddWithValue("first", first),
            reader => rows.Add(new TopPost(reader.GetGuid(0), AnalyticsSql.ReadFigures(reader, 1))), ct);
        return rows;
    }

    /// <summary>
    /// The home screen: posts published this local week (ISO, from Monday 00:00 in the workspace's zone), active
    /// connections and their latest follower counts (one statement), the range's engagement.
    /// </summary>
    public async Task<Dashboard> DashboardAsync(IQuerySession session, DateTimeOffset now, CancellationToken ct)
    {
        var weekStart = LocalBuckets.StartOf(LocalBuckets.LocalDate(now, zone), AnalyticsInterval.Week);
        var (weekFrom, weekTo) = (LocalBuckets.StartInstant(weekStart, zone), LocalBuckets.StartInstant(weekStart.AddDays(7), zone));
        var active = await session.Query<Connection>().Where(c => c.WorkspaceId == workspace.Id && c.Status == ConnectionStatus.Active).Select(c => c.Id).ToListAsync(ct);

        var sql = $"select (select count(distinct post_id)::int from {AnalyticsTables.TargetMetrics} where workspace_id = @workspace and published_at >= @from and published_at < @to), " +
            $"a.followers, a.measured_at from (select sum(followers)::bigint as followers, max(measured_at) as measured_at from {AnalyticsTables.ConnectionAudience} " +
            "where connection_id = any(@connections) and followers is not null) a";
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var command = AnalyticsSql.Command(connection, sql, workspace.Id, weekFrom, weekTo, null);
        command.Parameters.Add(new NpgsqlParameter("connections", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = active.ToArray() });
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var posts = reader.GetInt32(0);
        long? followers = reader.IsDBNull(1) ? null : reader.GetInt64(1);
        DateTimeOffset? measured = reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2);
        await reader.DisposeAsync();
        var (current, _) = await PeriodsAsync();
        return new Dashboard(posts, weekFrom, active.Count, followers, measured, current.Engagements, current.EngagementRate);
    }
}

public sealed record AnalyticsBucket(DateOnly Date, DateTimeOffset Start, DateTimeOffset End, AnalyticsFigures Figures);

public sealed record PlatformAnalytics(PlatformId Platform, AnalyticsFigures Figures);

public sealed record TopPost(Guid PostId, AnalyticsFigures Figures);

public sealed record Dashboard(int PostsThisWeek, DateTimeOffset WeekStartsAt, int ConnectedAccounts, long? TotalFollowers, DateTimeOffset? FollowersMeasuredAt,
    long? Engagements, double? EngagementRate);

public sealed class WorkspaceAnalyticsType : ObjectGraphType<WorkspaceAnalytics>
{
    public WorkspaceAnalyticsType()
    {
        Name = "WorkspaceAnalytics";
        Description = "The workspace's published posts in a range. Which posts count: targets published in [from, to), each with its latest reading. " + AnalyticsSql.Definition;
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("from").Resolve(ctx => ctx.Source.From);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("to").Resolve(ctx => ctx.Source.To);
        Field<NonNullGraphType<TimeZoneScalar>, TimeZoneInfo>("timeZone").Description("The workspace's zone, which the series and the week are local to.").Resolve(ctx => ctx.Source.Zone);
        Field<NonNullGraphType<AnalyticsFiguresType>, AnalyticsFigures>("totals")
            .ResolveAsync(async ctx => (await ctx.Source.PeriodsAsync()).Current);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("previousFrom").Description("Where the previous period starts; it ends at `from`.").Resolve(ctx => ctx.Source.PreviousFrom);
        Field<NonNullGraphType<AnalyticsFiguresType>, AnalyticsFigures>("previous")
            .Description("The same figures for the period of equal length just before `from`, to compare with.")
            .ResolveAsync(async ctx =>
            {
                // It reaches back to previousFrom: the plan's history must keep that far too.
                Billing.AnalyticsHistory.Check(ctx.Source.Workspace, ctx.Source.PreviousFrom, ctx.RequestServices!);
                return (await ctx.Source.PeriodsAsync()).Previous;
            });
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<AnalyticsBucketType>>>, IReadOnlyList<AnalyticsBucket>>("series")
            .Description("One bucket per local day, ISO week or month of the workspace's zone that the range touches, oldest first (a bucket with no post has postsPublished 0 and null figures).")
            .ResolveAsync(async ctx => await ctx.Source.SeriesAsync(ctx.CancellationToken));
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<PlatformAnalyticsType>>>, IReadOnlyList<PlatformAnalytics>>("byPlatform")
            .Description("The figures per platform, for the platforms with a published target in the range.")
            .ResolveAsync(async ctx => await ctx.Source.ByPlatformAsync(ctx.CancellationToken));
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<TopPostType>>>, IReadOnlyList<TopPost>>("topPosts")
            .Description("The posts with the most engagements in the range (their targets in the range summed), most first.")
            .Argument<IntGraphType>("first", $"How many, 1 to {WorkspaceAnalyticsField.MaxTopPosts} (default 5).")
            .ResolveAsync(async ctx =>
            {
                var first = ctx.GetArgument<int?>("first") ?? 5;
                if (first is < 1 or > WorkspaceAnalyticsField.MaxTopPosts)
                {
                    throw new BadRequestError($"`first` must be between 1 and {WorkspaceAnalyticsField.MaxTopPosts}.");
                }

                return await ctx.Source.TopPostsAsync(first, ctx.CancellationToken);
            });
        Field<NonNullGraphType<DashboardType>, Dashboard>("dashboard")
            .Description("The home screen's numbers: posts published this week, connected accounts, total followers, and the range's engagement.")
            .ResolveAsync(async ctx => await ctx.Source.DashboardAsync(ctx.RequestServices!.GetRequiredService<IQuerySession>(),
                ctx.RequestServices!.GetRequiredService<TimeProvider>().GetUtcNow(), ctx.CancellationToken));
    }
}

public sealed class AnalyticsBucketType : ObjectGraphType<AnalyticsBucket>
{
    public AnalyticsBucketType()
    {
        Name = "AnalyticsBucket";
        Description = "One local day, week or month of a series. Only the range's posts count, so the first and last bucket may be partial.";
        Field<NonNullGraphType<StringGraphType>, string>("date").Description("The bucket's first local day, `yyyy-MM-dd` (a Monday for weeks, the 1st for months).")
            .Resolve(ctx => ctx.Source.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("start").Description("Local midnight of that day, as an instant.").Resolve(ctx => ctx.Source.Start);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("end").Description("Local midnight after the bucket (a day lasts 23 or 25 hours when the clocks change).").Resolve(ctx => ctx.Source.End);
        Field<NonNullGraphType<AnalyticsFiguresType>, AnalyticsFigures>("figures").Resolve(ctx => ctx.Source.Figures);
    }
}

public sealed class PlatformAnalyticsType : ObjectGraphType<PlatformAnalytics>
{
    public PlatformAnalyticsType()
    {
        Name = "PlatformAnalytics";
        Field<NonNullGraphType<PlatformIdType>, PlatformId>("platform").Resolve(ctx => ctx.Source.Platform);
        Field<NonNullGraphType<AnalyticsFiguresType>, AnalyticsFigures>("figures").Resolve(ctx => ctx.Source.Figures);
    }
}

public sealed class TopPostType : ObjectGraphType<TopPost>
{
    public TopPostType()
    {
        Name = "TopPost";
        Description = "A post and what its targets published in the range earned.";
        Field<PostType, IDataLoaderResult<Post?>>("post").Description("The post (its targets carry their own metrics); null if it was since removed.")
            .Scope(AppScope.PostsRead)
            .Resolve(ctx => ctx.Load(PostLoaders.ById, ctx.Source.PostId));
        Field<NonNullGraphType<AnalyticsFiguresType>, AnalyticsFigures>("figures").Resolve(ctx => ctx.Source.Figures);
    }
}

public sealed class DashboardType : ObjectGraphType<Dashboard>
{
    public DashboardType()
    {
        Name = "AnalyticsDashboard";
        Description = "The numbers of the home screen, in one query.";
        Field(d => d.PostsThisWeek).Description("Posts with a target published this week (ISO week, from Monday 00:00 in the workspace's zone).");
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("weekStartsAt").Resolve(ctx => ctx.Source.WeekStartsAt);
        Field(d => d.ConnectedAccounts).Description("Active connections (not needing re-authorization, not disconnected).");
        Field<LongGraphType, long?>("totalFollowers").Description("The latest follower count of each active connection, summed; null until one was read.")
            .Resolve(ctx => ctx.Source.TotalFollowers);
        Field<DateTimeScalar, DateTimeOffset?>("followersMeasuredAt").Description("The newest of those readings.").Resolve(ctx => ctx.Source.FollowersMeasuredAt);
        Field<LongGraphType, long?>("engagements").Description("The range's engagements (as `totals`).").Resolve(ctx => ctx.Source.Engagements);
        Field<FloatGraphType, double?>("engagementRate").Description("The range's engagement rate (as `totals`).").Resolve(ctx => ctx.Source.EngagementRate);
    }
}
