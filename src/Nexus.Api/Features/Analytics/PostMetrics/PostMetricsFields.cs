using System.Globalization;
using GraphQL;
using GraphQL.DataLoader;
using GraphQL.Types;
using GraphQL.Types.Relay.DataObjects;
using Nexus.Api.Features.Posts;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Loading;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.GraphQL.Scalars;
using Nexus.Api.Infrastructure.Identity;
using Npgsql;

namespace Nexus.Api.Features.Analytics.PostMetrics;

/// <summary>
/// A post's or a target's figures at one moment: one reading (a snapshot, or a target's latest), or the sum of a
/// post's targets' latest readings. Null where no reading gives the figure.
/// </summary>
public sealed record MetricFigures(
    DateTimeOffset MeasuredAt, long? Impressions, long? Reach, long? Views, long? Likes, long? Comments, long? Shares, long? Saves, long? Clicks,
    long? VideoViews, double? WatchTimeSeconds, double? AverageViewSeconds)
{
    /// <summary>Engagements of the figures, and the denominator of their rate, as <see cref="Engagement"/> defines them.</summary>
    public long? Engagements => Engagement.Engagements(Likes, Comments, Shares, Saves);

    /// <summary>Set for a sum, whose rate is the summed engagements over the summed denominators (never an average of rates).</summary>
    public double? SummedRate { get; init; }

    public bool IsSum { get; init; }

    public double? EngagementRate => IsSum ? SummedRate : Engagement.Rate(Engagements, Impressions, Reach);

    /// <summary>
    /// The sum over targets: each figure null only when every target's is; the rate from the sums over the targets that
    /// have both engagements and a denominator; the average view weighted by video views; the latest moment measured.
    /// Null when no target has a reading.
    /// </summary>
    public static MetricFigures? Sum(IReadOnlyList<MetricFigures> targets)
    {
        if (targets.Count == 0)
        {
            return null;
        }

        static long? Total(IEnumerable<long?> values) => values.Aggregate((long?)null, (sum, v) => v is { } x ? (sum ?? 0) + x : sum);
        static double? TotalDouble(IEnumerable<double?> values) => values.Aggregate((double?)null, (sum, v) => v is { } x ? (sum ?? 0) + x : sum);
        var rated = targets.Where(t => t.Engagements is not null && (t.Impressions ?? t.Reach) is > 0).ToList();
        var weighted = targets.Where(t => t is { AverageViewSeconds: not null, VideoViews: > 0 }).ToList();
        var weight = weighted.Sum(t => t.VideoViews!.Value);
        return new MetricFigures(
            targets.Max(t => t.MeasuredAt), Total(targets.Select(t => t.Impressions)), Total(targets.Select(t => t.Reach)), Total(targets.Select(t => t.Views)),
            Total(targets.Select(t => t.Likes)), Total(targets.Select(t => t.Comments)), Total(targets.Select(t => t.Shares)), Total(targets.Select(t => t.Saves)),
            Total(targets.Select(t => t.Clicks)), Total(targets.Select(t => t.VideoViews)), TotalDouble(targets.Select(t => t.WatchTimeSeconds)),
            weight > 0 ? weighted.Sum(t => t.AverageViewSeconds!.Value * t.VideoViews!.Value) / weight : null)
        {
            IsSum = true,
            SummedRate = rated.Count == 0 ? null : (double)rated.Sum(t => t.Engagements!.Value) / rated.Sum(t => (t.Impressions ?? t.Reach)!.Value),
        };
    }

    internal const string Columns =
        "measured_at, impressions, reach, views, likes, comments, shares, saves, clicks, video_views, watch_time_seconds, average_view_seconds";

    internal static MetricFigures Read(NpgsqlDataReader reader, int offset)
    {
        long? Long(int i) => reader.IsDBNull(offset + i) ? null : reader.GetInt64(offset + i);
        double? Double(int i) => reader.IsDBNull(offset + i) ? null : reader.GetDouble(offset + i);
        return new(reader.GetFieldValue<DateTimeOffset>(offset), Long(1), Long(2), Long(3), Long(4), Long(5), Long(6), Long(7), Long(8), Long(9), Double(10), Double(11));
    }
}

/// <summary>A published target's sync row: its latest reading (null before the first), its next scheduled reading and why the last one failed.</summary>
public sealed record TargetMetrics(Guid TargetId, MetricFigures? Latest, DateTimeOffset? NextSyncAt, string? LastSyncError);

public static class MetricLoaders
{
    /// <summary>The sync rows of a batch of targets, in one query.</summary>
    public static readonly BatchLoader<Guid, TargetMetrics> ByTarget = new("TargetMetrics", async (session, keys, ct) =>
    {
        await using var connection = session.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            $"select target_id, next_sync_at, last_sync_error, {MetricFigures.Columns} from {AnalyticsTables.TargetMetrics} where target_id = any($1)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = keys.ToArray() });
        var rows = new Dictionary<Guid, TargetMetrics>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows[reader.GetGuid(0)] = new TargetMetrics(reader.GetGuid(0), reader.IsDBNull(3) ? null : MetricFigures.Read(reader, 3),
                reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1), reader.IsDBNull(2) ? null : reader.GetString(2));
        }

        return rows;
    });

    /// <summary>
    /// Pages of targets' snapshots, oldest first, after a moment: one query per distinct (after, size) in the batch,
    /// each target cut to the page's size (plus one, to tell whether more follow) by PostgreSQL; and each target's
    /// number of snapshots, for <c>totalCount</c>.
    /// </summary>
    public static readonly BatchLoader<(Guid TargetId, long AfterTicks, int Take), HistoryPage> History = new("MetricHistory", async (session, keys, ct) =>
    {
        var found = new Dictionary<(Guid, long, int), HistoryPage>();
        await using var connection = session.Database.CreateConnection();
        await connection.OpenAsync(ct);
        var totals = new Dictionary<Guid, int>();
        await using (var count = new NpgsqlCommand($"select target_id, count(*)::int from {AnalyticsTables.MetricSnapshots} where target_id = any($1) group by 1", connection))
        {
            count.Parameters.Add(new NpgsqlParameter { Value = keys.Select(k => k.TargetId).Distinct().ToArray() });
            await using var reader = await count.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                totals[reader.GetGuid(0)] = reader.GetInt32(1);
            }
        }

        foreach (var group in keys.GroupBy(k => (k.AfterTicks, k.Take)))
        {
            await using var command = new NpgsqlCommand(
                $"select target_id, {MetricFigures.Columns} from (select *, row_number() over (partition by target_id order by measured_at) as n " +
                $"from {AnalyticsTables.MetricSnapshots} where target_id = any($1) and measured_at > $2) s where n <= $3 order by target_id, measured_at", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = group.Select(k => k.TargetId).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = new DateTimeOffset(group.Key.AfterTicks, TimeSpan.Zero), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter { Value = group.Key.Take });
            var rows = new List<(Guid TargetId, MetricFigures Figures)>();
            await using (var reader = await command.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    rows.Add((reader.GetGuid(0), MetricFigures.Read(reader, 1)));
                }
            }

            foreach (var key in group)
            {
                found[key] = new([.. rows.Where(r => r.TargetId == key.TargetId).Select(r => r.Figures)], totals.GetValueOrDefault(key.TargetId));
            }
        }

        return found;
    });
}

/// <summary>A page of a target's snapshots and how many it has in all.</summary>
public sealed record HistoryPage(IReadOnlyList<MetricFigures> Rows, int Total);

public sealed class PostMetricsType : ObjectGraphType<MetricFigures>
{
    public PostMetricsType()
    {
        Name = "PostMetrics";
        Description = "What a published post earned at one moment, as its platforms report it; a figure a platform does not give is null, never 0. " +
            "For a post, the sum over its targets' latest readings (a figure is null only when no target gives it). " + Engagement.Definition;
        Field<LongGraphType, long?>("impressions").Description("Times the post was shown (Instagram and Facebook call these views).").Resolve(ctx => ctx.Source.Impressions);
        Field<LongGraphType, long?>("reach").Description("Distinct accounts that saw it.").Resolve(ctx => ctx.Source.Reach);
        Field<LongGraphType, long?>("views").Description("Plays or views as a video platform counts them.").Resolve(ctx => ctx.Source.Views);
        Field<LongGraphType, long?>("likes").Description("Likes, reactions, favourites.").Resolve(ctx => ctx.Source.Likes);
        Field<LongGraphType, long?>("comments").Description("Comments and replies.").Resolve(ctx => ctx.Source.Comments);
        Field<LongGraphType, long?>("shares").Description("Shares, reposts, retweets and quotes.").Resolve(ctx => ctx.Source.Shares);
        Field<LongGraphType, long?>("saves").Description("Saves and bookmarks.").Resolve(ctx => ctx.Source.Saves);
        Field<LongGraphType, long?>("clicks").Description("Link and post clicks.").Resolve(ctx => ctx.Source.Clicks);
        Field<LongGraphType, long?>("videoViews").Description("Video views where the platform counts them apart from views.").Resolve(ctx => ctx.Source.VideoViews);
        Field<FloatGraphType, double?>("watchTimeSeconds").Description("Total time watched.").Resolve(ctx => ctx.Source.WatchTimeSeconds);
        Field<FloatGraphType, double?>("averageViewSeconds")
            .Description("Average time a view lasted (for a post, weighted by each target's video views).").Resolve(ctx => ctx.Source.AverageViewSeconds);
        Field<FloatGraphType, double?>("engagementRate").Description(Engagement.Definition + " For a post: its targets' summed engagements ÷ their summed denominators.")
            .Resolve(ctx => ctx.Source.EngagementRate);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("measuredAt").Description("When the platform was read (for a post, its latest reading).")
            .Resolve(ctx => ctx.Source.MeasuredAt);
    }
}

public sealed class PostTargetMetricsType : ObjectGraphType<TargetMetrics>
{
    public PostTargetMetricsType()
    {
        Name = "PostTargetMetrics";
        Description = "A published target's metrics: read at +1 h, +6 h, +24 h, +3 d, +7 d and +30 d after publication, and on demand (refreshMetrics).";
        Field<PostMetricsType, MetricFigures?>("latest").Description("The latest reading; null until the first.").Resolve(ctx => ctx.Source.Latest);
        Field<NonNullGraphType<global::GraphQL.Types.Relay.ConnectionType<PostMetricsType, global::GraphQL.Types.Relay.EdgeType<PostMetricsType>>>, object>("history")
            .Description("Every reading, oldest first (readings are kept, never overwritten).")
            .Paged()
            .Resolve(ctx => HistoryPage(ctx.Source, ctx.GetPageRequest(), ctx));
        Field<DateTimeScalar, DateTimeOffset?>("nextSyncAt").Description("When it is read next; null once the schedule is over or the post can no longer be read.")
            .Resolve(ctx => ctx.Source.NextSyncAt);
        Field<StringGraphType, string?>("lastSyncError").Description("Why the last scheduled reading failed, in the platform's words; null after a success.")
            .Resolve(ctx => ctx.Source.LastSyncError);
    }

    /// <summary>Oldest first by the moment measured, which is unique per target: the next page starts strictly after the cursor's moment.</summary>
    private static IDataLoaderResult<Connection<MetricFigures>> HistoryPage(TargetMetrics metrics, PageRequest page, IResolveFieldContext context)
    {
        var after = page.After("metrics", 1) is [var ticks] ? PageRequest.LongPart(ticks) : 0;
        return context.Load(MetricLoaders.History, (metrics.TargetId, after, page.First + 1)).Then(history =>
            Paging.ToConnection(history?.Rows ?? [], page, f => Paging.Key("metrics", f.MeasuredAt.UtcTicks.ToString(CultureInfo.InvariantCulture)),
                page.CountTotal ? history?.Total ?? 0 : null));
    }
}

/// <summary><c>PostTarget.metrics</c>: members of the post's workspace only.</summary>
public sealed class PostTargetMetricsField : ITypeExtension<PostTargetType>
{
    public void Extend(PostTargetType type) =>
        type.Field<PostTargetMetricsType, IDataLoaderResult<TargetMetrics?>>("metrics")
            .Description("The target's metrics once it is published; null before.")
            .RequireWorkspaceRole(Role.Viewer, WorkspaceOfTargetAsync)
            .Scope(AppScope.AnalyticsRead)
            .ResolveAsync(async ctx =>
            {
                if (ctx.Source is not { Status: TargetStatus.Published, PublishedAt: { } publishedAt } target)
                {
                    return ((TargetMetrics?)null).AsLoaded();
                }

                // A target published before the plan's analytics history is history: refused as workspace.analytics is.
                Billing.AnalyticsHistory.Check(ctx.Checked(await WorkspaceOfTargetAsync(ctx)), publishedAt, ctx.RequestServices!);
                // The row is made a moment after publication (asynchronously): until then, what it will say.
                return ctx.Load(MetricLoaders.ByTarget, target.Id).Then(row => (TargetMetrics?)(row ?? new TargetMetrics(target.Id, null, Syncing.SyncSchedule.First(publishedAt), null)));
            });

    /// <summary>
    /// The workspace of the target's post: the post it was reached through (no query), else (reached by
    /// <c>node(id)</c>) the post that holds it.
    /// </summary>
    private static async ValueTask<Guid> WorkspaceOfTargetAsync(IResolveFieldContext context)
    {
        for (var parent = context.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent.Source is Post post && post.Target(((PostTarget)context.Source!).Id) is not null)
            {
                return post.WorkspaceId;
            }
        }

        return await context.Load(PostLoaders.ByTargetId, ((PostTarget)context.Source!).Id).GetResultAsync(context.CancellationToken) is { } holder
            ? holder.WorkspaceId
            : Guid.Empty;
    }
}

/// <summary><c>Post.metrics</c>: the sum of its published targets' latest readings, for members of its workspace.</summary>
public sealed class PostMetricsField : ITypeExtension<PostType>
{
    public void Extend(PostType type) =>
        type.Field<PostMetricsType, IDataLoaderResult<MetricFigures?>>("metrics")
            .Description("The sum of the published targets' latest readings; null until one is read.")
            .RequireWorkspaceRole(Role.Viewer, ctx => ((Post)ctx.Source!).WorkspaceId)
            .Scope(AppScope.AnalyticsRead)
            .Resolve(ctx =>
            {
                var published = ctx.Source.Targets.Where(t => t.Status == TargetStatus.Published).ToList();
                // Summed over its targets: the earliest published one must be within the plan's analytics history.
                if (published.Min(t => t.PublishedAt) is { } first)
                {
                    Billing.AnalyticsHistory.Check(ctx.Checked(ctx.Source.WorkspaceId), first, ctx.RequestServices!);
                }

                return ctx.LoadMany(MetricLoaders.ByTarget, published.Select(t => t.Id))
                    .Then(rows => MetricFigures.Sum([.. rows.Values.Select(r => r.Latest).OfType<MetricFigures>()]));
            });
}
