using GraphQL;
using GraphQL.Types;
using Nexus.Api.Features.Analytics.Reading;
using Nexus.Api.Features.Posts;
using Nexus.Api.Features.Posts.Queueing;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.GraphQL.Scalars;
using Nexus.Api.Infrastructure.Identity;
using Npgsql;

namespace Nexus.Api.Features.Analytics.BestTimes;

public enum BestTimeConfidence
{
    /// <summary>Too few posts in the cell to say anything: no rate is shown.</summary>
    Insufficient,
    Low,
    High,
}

public sealed record BestTimeCell(DayOfWeek DayOfWeek, int Hour, int Samples, long Engagements, long Denominator)
{
    public BestTimeConfidence Confidence => Samples >= BestTimesReport.HighSamples ? BestTimeConfidence.High
        : Samples >= BestTimesReport.MinimumSamples ? BestTimeConfidence.Low
        : BestTimeConfidence.Insufficient;

    /// <summary>Shown only with enough samples: a rate from one or two posts is chance, not a best time.</summary>
    public double? EngagementRate => Confidence == BestTimeConfidence.Insufficient || Denominator <= 0 ? null : (double)Engagements / Denominator;
}

/// <summary>
/// When the workspace's own posts did best: engagement rate by the local weekday and hour they were published, from
/// the workspace's history only (no industry averages, nothing invented). A post counts once it has a reading with
/// engagements and a rate denominator (see <see cref="AnalyticsSql.Definition"/>).
/// </summary>
public sealed record BestTimesReport(int Weeks, DateTimeOffset From, DateTimeOffset To, string TimeZone, IReadOnlyList<BestTimeCell> Cells)
{
    public const int MinimumSamples = 3;
    public const int HighSamples = 10;
    public const int MinimumPosts = 20;
    public const int DefaultWeeks = 12;
    public const int MaxWeeks = 52;

    public int PostsAnalysed => Cells.Sum(c => c.Samples);

    public bool EnoughHistory => PostsAnalysed >= MinimumPosts;

    public int PostsNeeded => Math.Max(0, MinimumPosts - PostsAnalysed);

    public double? EngagementRate => Cells.Sum(c => c.Denominator) is > 0 and var denominator ? (double)Cells.Sum(c => c.Engagements) / denominator : null;

    /// <summary>The cells with enough samples, best rate first (then more samples, then earlier in the week).</summary>
    public IEnumerable<BestTimeCell> Ranked() =>
        Cells.Where(c => c.EngagementRate is not null)
            .OrderByDescending(c => c.EngagementRate).ThenByDescending(c => c.Samples).ThenBy(c => ((int)c.DayOfWeek + 6) % 7).ThenBy(c => c.Hour);

    public static async Task<BestTimesReport> ReadAsync(NpgsqlDataSource database, Guid workspaceId, TimeZoneInfo zone, DateTimeOffset now, int weeks, CancellationToken ct)
    {
        var from = now.AddDays(-7 * weeks);
        var sql = "select extract(isodow from published_at at time zone @zone)::int, extract(hour from published_at at time zone @zone)::int, " +
            "count(*)::int, sum(engagements)::bigint, sum(denominator)::bigint " +
            $"from (select published_at, {AnalyticsSql.PerTarget} from {AnalyticsTables.TargetMetrics} " +
            "where workspace_id = @workspace and published_at >= @from and published_at < @to and measured_at is not null) t " +
            "where engagements is not null and denominator > 0 group by 1, 2";
        var cells = new List<BestTimeCell>();
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var command = AnalyticsSql.Command(connection, sql, workspaceId, from, now, null);
        command.Parameters.AddWithValue("zone", zone.Id);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            cells.Add(new BestTimeCell((DayOfWeek)(reader.GetInt32(0) % 7), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt64(3), reader.GetInt64(4)));
        }

        return new BestTimesReport(weeks, from, now, zone.Id,
            [.. cells.OrderBy(c => ((int)c.DayOfWeek + 6) % 7).ThenBy(c => c.Hour)]);
    }
}

/// <summary><c>Workspace.bestTimes(weeks)</c>.</summary>
public sealed class WorkspaceBestTimesField : ITypeExtension<WorkspaceType>
{
    public void Extend(WorkspaceType type) =>
        type.Field<NonNullGraphType<BestTimesType>, BestTimesReport>("bestTimes")
            .Description("When to post, from the workspace's own published history: the engagement rate of the posts published in each local weekday × hour " +
                "of the workspace's zone over the last `weeks`, with how many posts each cell holds. Cells with too few posts show no rate; nothing is estimated or borrowed.")
            .Argument<IntGraphType>("weeks", $"How far back to look, 1 to {BestTimesReport.MaxWeeks} weeks (default {BestTimesReport.DefaultWeeks}).")
            .RequireWorkspaceRole(Role.Viewer, ctx => ((Workspace)ctx.Source!).Id)
            .Scope(AppScope.AnalyticsRead)
            .ResolveAsync(async ctx =>
            {
                var weeks = ctx.GetArgument<int?>("weeks") ?? BestTimesReport.DefaultWeeks;
                if (weeks is < 1 or > BestTimesReport.MaxWeeks)
                {
                    throw new BadRequestError($"`weeks` must be between 1 and {BestTimesReport.MaxWeeks}.");
                }

                var services = ctx.RequestServices!;
                var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
                Billing.AnalyticsHistory.Check(ctx.Source, now.AddDays(-7 * weeks), services, now);
                return await BestTimesReport.ReadAsync(services.GetRequiredService<NpgsqlDataSource>(), ctx.Source.Id, TimeZoneInfo.FindSystemTimeZoneById(ctx.Source.TimeZone),
                    now, weeks, ctx.CancellationToken);
            });
}

public sealed class BestTimeConfidenceType : EnumerationGraphType<BestTimeConfidence>
{
    public BestTimeConfidenceType()
    {
        Name = "BestTimeConfidence";
        Description = $"INSUFFICIENT: fewer than {BestTimesReport.MinimumSamples} posts, no rate shown; LOW: {BestTimesReport.MinimumSamples} to {BestTimesReport.HighSamples - 1}; HIGH: {BestTimesReport.HighSamples} or more.";
    }
}

public sealed class BestTimesType : ObjectGraphType<BestTimesReport>
{
    public BestTimesType()
    {
        Name = "BestTimes";
        Description = "Engagement rate by local weekday × hour of publication, from the workspace's own posts. " + AnalyticsSql.Definition;
        Field(r => r.Weeks).Description("The weeks looked back.");
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("from").Resolve(ctx => ctx.Source.From);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("to").Resolve(ctx => ctx.Source.To);
        Field<NonNullGraphType<TimeZoneScalar>, TimeZoneInfo>("timeZone").Description("The zone of the weekdays and hours (the workspace's).")
            .Resolve(ctx => TimeZoneInfo.FindSystemTimeZoneById(ctx.Source.TimeZone));
        Field(r => r.PostsAnalysed).Description("Published targets with a reading that gives engagements and a rate denominator.");
        Field(r => r.EnoughHistory).Description($"Whether at least {BestTimesReport.MinimumPosts} such posts exist: below that, no cell is worth a suggestion.");
        Field(r => r.PostsNeeded).Description("How many more measured posts are needed before there is enough history (0 when there is).");
        Field<FloatGraphType, double?>("engagementRate").Description("The rate over all those posts, to compare each cell with.").Resolve(ctx => ctx.Source.EngagementRate);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<BestTimeCellType>>>, IReadOnlyList<BestTimeCell>>("cells")
            .Description("The weekday × hour cells with at least one post, Monday 00:00 first; the other cells have no posts.").Resolve(ctx => ctx.Source.Cells);
    }
}

public sealed class BestTimeCellType : ObjectGraphType<BestTimeCell>
{
    public BestTimeCellType()
    {
        Name = "BestTimeCell";
        Field<NonNullGraphType<DayOfWeekType>, DayOfWeek>("dayOfWeek").Resolve(ctx => ctx.Source.DayOfWeek);
        Field(c => c.Hour).Description("The local hour, 0–23.");
        Field(c => c.Samples).Description("The posts published in this cell.");
        Field<FloatGraphType, double?>("engagementRate").Description("Null while the confidence is INSUFFICIENT.").Resolve(ctx => ctx.Source.EngagementRate);
        Field<NonNullGraphType<BestTimeConfidenceType>, BestTimeConfidence>("confidence").Resolve(ctx => ctx.Source.Confidence);
    }
}

/// <summary>What <c>suggestPostingSchedule</c> answers: slots as wall times of <see cref="TimeZone"/>, best first, each with its evidence.</summary>
public sealed record PostingScheduleSuggestion(string TimeZone, IReadOnlyList<SuggestedSlot> Slots, bool Applied, int PostsAnalysed, int PostsNeeded, double? EngagementRate);

public sealed record SuggestedSlot(DayOfWeek DayOfWeek, TimeOnly Time, double EngagementRate, int Samples, BestTimeConfidence Confidence);

public sealed class PostingScheduleSuggestionType : ObjectGraphType<PostingScheduleSuggestion>
{
    public PostingScheduleSuggestionType()
    {
        Name = "PostingScheduleSuggestion";
        Description = "Proposed posting slots from the workspace's own best times, best first.";
        Field<NonNullGraphType<global::Nexus.Api.GraphQL.Scalars.TimeZoneScalar>, TimeZoneInfo>("timeZone").Description("The zone the slots are wall times in (the workspace's).")
            .Resolve(ctx => TimeZoneInfo.FindSystemTimeZoneById(ctx.Source.TimeZone));
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<SuggestedSlotType>>>, IReadOnlyList<SuggestedSlot>>("slots").Resolve(ctx => ctx.Source.Slots);
        Field(s => s.Applied).Description("Whether the slots were set as the posting schedule.");
        Field(s => s.PostsAnalysed);
        Field(s => s.PostsNeeded).Description("When no slot could be proposed: how many more measured posts are needed (0 otherwise).");
        Field<FloatGraphType, double?>("engagementRate").Description("The rate over all the posts analysed, to compare each slot with.").Resolve(ctx => ctx.Source.EngagementRate);
    }
}

public sealed class SuggestedSlotType : ObjectGraphType<SuggestedSlot>
{
    public SuggestedSlotType()
    {
        Name = "SuggestedSlot";
        Field<NonNullGraphType<DayOfWeekType>, DayOfWeek>("dayOfWeek").Resolve(ctx => ctx.Source.DayOfWeek);
        Field<NonNullGraphType<StringGraphType>, string>("time").Description("`HH:mm`, a whole hour.").Resolve(ctx => PostingQueue.Format(ctx.Source.Time));
        Field(s => s.EngagementRate).Description("The rate of the posts published in that weekday × hour.");
        Field(s => s.Samples).Description("How many posts that rate is from.");
        Field<NonNullGraphType<BestTimeConfidenceType>, BestTimeConfidence>("confidence").Resolve(ctx => ctx.Source.Confidence);
    }
}
