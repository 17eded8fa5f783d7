using System.Globalization;
using GraphQL;
using GraphQL.Types;
using Nexus.Api.Features.Connections;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Scalars;
using Nexus.Api.Infrastructure.Identity;
using Npgsql;

namespace Nexus.Api.Features.Analytics.Reading;

/// <summary><c>Connection.audience(from, to, interval)</c>: the account's followers over time, from its audience readings.</summary>
public sealed class ConnectionAudienceField : ITypeExtension<ConnectionType>
{
    public void Extend(ConnectionType type) =>
        type.Field<NonNullGraphType<ListGraphType<NonNullGraphType<AudiencePointType>>>, IReadOnlyList<AudiencePoint>>("audience")
            .Description("The account's followers over [`from`, `to`): the last reading of each local day, ISO week or month (the workspace's zone) that has one, " +
                $"oldest first, with the change since the reading before. At most {LocalBuckets.MaxDays} days.")
            .Argument<NonNullGraphType<DateTimeScalar>>("from", "The first instant (inclusive).")
            .Argument<NonNullGraphType<DateTimeScalar>>("to", "The end (exclusive).")
            .Argument<AnalyticsIntervalType>("interval", "The step (default DAY).")
            .RequireWorkspaceRole(Role.Viewer, ctx => ((Connection)ctx.Source!).WorkspaceId)
            .Scope(AppScope.AnalyticsRead)
            .ResolveAsync(async ctx =>
            {
                var from = ctx.GetArgument<DateTimeOffset>("from");
                var to = ctx.GetArgument<DateTimeOffset>("to");
                LocalBuckets.Check(from, to);
                var workspace = ctx.Checked(ctx.Source.WorkspaceId);
                Billing.AnalyticsHistory.Check(workspace, from, ctx.RequestServices!);
                return await ConnectionAudience.SeriesAsync(ctx.RequestServices!.GetRequiredService<NpgsqlDataSource>(), ctx.Source.Id,
                    TimeZoneInfo.FindSystemTimeZoneById(workspace.TimeZone), from, to, ctx.GetArgument("interval", AnalyticsInterval.Day), ctx.CancellationToken);
            });
}

public sealed record AudiencePoint(DateOnly Date, DateTimeOffset MeasuredAt, long? Followers, long? Following, long? Posts, long? FollowersChange);

public static class ConnectionAudience
{
    public static async Task<IReadOnlyList<AudiencePoint>> SeriesAsync(NpgsqlDataSource database, Guid connectionId, TimeZoneInfo zone,
        DateTimeOffset from, DateTimeOffset to, AnalyticsInterval interval, CancellationToken ct)
    {
        await using var batch = database.CreateBatch();
        // The reading just before the range, so the first bucket's change is measured too.
        var before = new NpgsqlBatchCommand($"select followers from {AnalyticsTables.AudienceSnapshots} where connection_id = $1 and measured_at < $2 order by measured_at desc limit 1");
        before.Parameters.Add(new NpgsqlParameter { Value = connectionId });
        before.Parameters.Add(new NpgsqlParameter { Value = from.UtcDateTime });
        var buckets = new NpgsqlBatchCommand(
            $"select distinct on (1) date_trunc($4, measured_at at time zone $5)::date, measured_at, followers, following, posts from {AnalyticsTables.AudienceSnapshots} " +
            "where connection_id = $1 and measured_at >= $2 and measured_at < $3 order by 1, measured_at desc");
        buckets.Parameters.Add(new NpgsqlParameter { Value = connectionId });
        buckets.Parameters.Add(new NpgsqlParameter { Value = from.UtcDateTime });
        buckets.Parameters.Add(new NpgsqlParameter { Value = to.UtcDateTime });
        buckets.Parameters.Add(new NpgsqlParameter { Value = LocalBuckets.Unit(interval) });
        buckets.Parameters.Add(new NpgsqlParameter { Value = zone.Id });
        batch.BatchCommands.Add(before);
        batch.BatchCommands.Add(buckets);

        await using var reader = await batch.ExecuteReaderAsync(ct);
        long? previous = await reader.ReadAsync(ct) && !reader.IsDBNull(0) ? reader.GetInt64(0) : null;
        await reader.NextResultAsync(ct);
        var points = new List<AudiencePoint>();
        while (await reader.ReadAsync(ct))
        {
            long? Long(int i) => reader.IsDBNull(i) ? null : reader.GetInt64(i);
            var followers = Long(2);
            points.Add(new AudiencePoint(reader.GetFieldValue<DateOnly>(0), reader.GetFieldValue<DateTimeOffset>(1), followers, Long(3), Long(4),
                followers - previous));
            previous = followers ?? previous;
        }

        return points;
    }
}

public sealed class AudiencePointType : ObjectGraphType<AudiencePoint>
{
    public AudiencePointType()
    {
        Name = "AudiencePoint";
        Description = "An account's audience at the last reading of a local day, week or month. A figure the platform does not give is null.";
        Field<NonNullGraphType<StringGraphType>, string>("date").Description("The bucket's first local day, `yyyy-MM-dd`.")
            .Resolve(ctx => ctx.Source.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("measuredAt").Description("When that reading was taken.").Resolve(ctx => ctx.Source.MeasuredAt);
        Field<LongGraphType, long?>("followers").Resolve(ctx => ctx.Source.Followers);
        Field<LongGraphType, long?>("following").Resolve(ctx => ctx.Source.Following);
        Field<LongGraphType, long?>("posts").Resolve(ctx => ctx.Source.Posts);
        Field<LongGraphType, long?>("followersChange").Description("Followers minus those of the reading before (the previous bucket's, or the last before `from`); null without one.")
            .Resolve(ctx => ctx.Source.FollowersChange);
    }
}
