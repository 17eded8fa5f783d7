using GraphQL.Types;
using Npgsql;
using NpgsqlTypes;

namespace Nexus.Api.Features.Analytics.Reading;

/// <summary>
/// The figures of a set of published targets (a period, a bucket, a platform, a post), each target counted with its
/// latest reading. A sum is null when no target of the set gives that figure (a missing figure is never a 0).
/// </summary>
public sealed record AnalyticsFigures(
    int PostsPublished, int TargetsPublished, int TargetsMeasured,
    long? Impressions, long? Reach, long? Views, long? Likes, long? Comments, long? Shares, long? Saves, long? Clicks, long? VideoViews,
    double? WatchTimeSeconds, double? AverageViewSeconds, long? Engagements, long? RatedEngagements, long? RateDenominator)
{
    public static readonly AnalyticsFigures None = new(0, 0, 0, null, null, null, null, null, null, null, null, null, null, null, null, null, null);

    /// <summary>Engagements ÷ denominators over the targets that have both: never an average of the targets' rates.</summary>
    public double? EngagementRate => RatedEngagements is { } engagements && RateDenominator is > 0 ? (double)engagements / RateDenominator.Value : null;
}

/// <summary>
/// The SQL of every analytics read: one statement per aggregation over <c>nexus.target_metrics</c> (one row per
/// published target holding its latest reading), filtered by the (workspace_id, published_at) index; PostgreSQL sums,
/// nothing is summed in memory.
/// </summary>
public static class AnalyticsSql
{
    /// <summary><see cref="Engagement.Definition"/>, and how it adds up over several targets.</summary>
    public const string Definition = Engagement.Definition +
        " For several targets: the sum of their engagements ÷ the sum of their denominators, over the targets that have both (never an average of rates).";

    /// <summary>Per target: its engagements and its rate's denominator, as <see cref="Engagement"/> says in C#.</summary>
    public const string PerTarget =
        "case when num_nonnulls(likes, comments, shares, saves) = 0 then null " +
        "else coalesce(likes, 0) + coalesce(comments, 0) + coalesce(shares, 0) + coalesce(saves, 0) end as engagements, " +
        "coalesce(impressions, reach) as denominator";

    /// <summary>The aggregate columns, read back by <see cref="ReadFigures"/>.</summary>
    public const string Aggregates =
        "count(distinct post_id)::int, count(*)::int, count(measured_at)::int, " +
        "sum(impressions)::bigint, sum(reach)::bigint, sum(views)::bigint, sum(likes)::bigint, sum(comments)::bigint, sum(shares)::bigint, " +
        "sum(saves)::bigint, sum(clicks)::bigint, sum(video_views)::bigint, sum(watch_time_seconds), " +
        "sum(average_view_seconds * video_views) filter (where video_views > 0) / nullif(sum(video_views) filter (where average_view_seconds is not null and video_views > 0), 0)::float8, " +
        "sum(engagements)::bigint, sum(engagements) filter (where denominator > 0)::bigint, sum(denominator) filter (where denominator > 0 and engagements is not null)::bigint";

    /// <summary>
    /// Figures of the range grouped by <paramref name="key"/> (an expression over the target's columns): <c>key, figures…</c>.
    /// Measured on 100,000 targets (see the README's benchmark): one statement with grouping sets for totals, series and
    /// platforms, and per-post partial sums hashed before counting posts, both cost PostgreSQL more than this.
    /// </summary>
    public static string Grouped(string key) => $"select {key}, {Aggregates} from {Targets} group by 1";

    /// <summary>Runs one analytics statement in a transaction whose sorts and hashes stay in memory (see <see cref="SortInMemoryAsync"/>).</summary>
    public static async Task QueryAsync(NpgsqlDataSource database, string sql, Guid workspaceId, DateTimeOffset from, DateTimeOffset to, string[]? platforms,
        Action<NpgsqlParameterCollection> parameters, Action<NpgsqlDataReader> row, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await SortInMemoryAsync(connection, transaction);
        await using (var command = Command(connection, sql, workspaceId, from, to, platforms))
        {
            parameters(command.Parameters);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                row(reader);
            }
        }

        await transaction.CommitAsync(ct);
    }

    /// <summary>
    /// The targets of workspace <c>@workspace</c> published in [<c>@from</c>, <c>@to</c>), on <c>@platforms</c> (all when
    /// null), with their per-target engagement columns.
    /// </summary>
    public static readonly string Targets =
        $"(select post_id, platform, published_at, measured_at, impressions, reach, views, likes, comments, shares, saves, clicks, video_views, " +
        $"watch_time_seconds, average_view_seconds, {PerTarget} from {AnalyticsTables.TargetMetrics} " +
        "where workspace_id = @workspace and published_at >= @from and published_at < @to and (@platforms::text[] is null or platform = any(@platforms))) t";

    public static AnalyticsFigures ReadFigures(NpgsqlDataReader reader, int offset)
    {
        long? Long(int i) => reader.IsDBNull(offset + i) ? null : reader.GetInt64(offset + i);
        double? Double(int i) => reader.IsDBNull(offset + i) ? null : reader.GetDouble(offset + i);
        return new AnalyticsFigures(reader.GetInt32(offset), reader.GetInt32(offset + 1), reader.GetInt32(offset + 2),
            Long(3), Long(4), Long(5), Long(6), Long(7), Long(8), Long(9), Long(10), Long(11), Double(12), Double(13), Long(14), Long(15), Long(16));
    }

    /// <summary>
    /// Lets this transaction's hashes and sorts (the per-post partial sums, the groupings) stay in memory instead of spilling to disk
    /// at the default 4 MB: a year of a busy workspace is a few hundred thousand rows, tens of megabytes at most.
    /// </summary>
    public static async Task SortInMemoryAsync(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        await using var command = new NpgsqlCommand("set local work_mem = '64MB'", connection, transaction);
        await command.ExecuteNonQueryAsync();
    }

    public static NpgsqlCommand Command(NpgsqlConnection connection, string sql, Guid workspaceId, DateTimeOffset from, DateTimeOffset to, string[]? platforms)
    {
        var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter("workspace", NpgsqlDbType.Uuid) { Value = workspaceId });
        command.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.TimestampTz) { Value = from.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.TimestampTz) { Value = to.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter("platforms", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = (object?)platforms ?? DBNull.Value });
        return command;
    }
}

public sealed class AnalyticsFiguresType : ObjectGraphType<AnalyticsFigures>
{
    public AnalyticsFiguresType()
    {
        Name = "AnalyticsFigures";
        Description = "What a set of published targets earned, each target with its latest reading. A figure is null when no target of the set " +
            "gives it (a platform that does not report a figure adds nothing; it never counts as 0). " + AnalyticsSql.Definition;
        Field(f => f.PostsPublished).Description("Posts with at least one target published in the set.");
        Field(f => f.TargetsPublished).Description("Targets (one post on one account) published in the set.");
        Field(f => f.TargetsMeasured).Description("Of those, the targets with at least one reading so far.");
        Field<LongGraphType, long?>("impressions").Resolve(ctx => ctx.Source.Impressions);
        Field<LongGraphType, long?>("reach").Resolve(ctx => ctx.Source.Reach);
        Field<LongGraphType, long?>("views").Resolve(ctx => ctx.Source.Views);
        Field<LongGraphType, long?>("likes").Resolve(ctx => ctx.Source.Likes);
        Field<LongGraphType, long?>("comments").Resolve(ctx => ctx.Source.Comments);
        Field<LongGraphType, long?>("shares").Resolve(ctx => ctx.Source.Shares);
        Field<LongGraphType, long?>("saves").Resolve(ctx => ctx.Source.Saves);
        Field<LongGraphType, long?>("clicks").Resolve(ctx => ctx.Source.Clicks);
        Field<LongGraphType, long?>("videoViews").Resolve(ctx => ctx.Source.VideoViews);
        Field<FloatGraphType, double?>("watchTimeSeconds").Resolve(ctx => ctx.Source.WatchTimeSeconds);
        Field<FloatGraphType, double?>("averageViewSeconds")
            .Description("Average view duration weighted by video views (total watch time ÷ video views) over the targets that give both.")
            .Resolve(ctx => ctx.Source.AverageViewSeconds);
        Field<LongGraphType, long?>("engagements").Description("likes + comments + shares + saves, summed over the set.").Resolve(ctx => ctx.Source.Engagements);
        Field<FloatGraphType, double?>("engagementRate").Description(AnalyticsSql.Definition).Resolve(ctx => ctx.Source.EngagementRate);
    }
}
