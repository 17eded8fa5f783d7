using System.Globalization;
using System.Text;
using Marten;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Analytics.Reading;
using Nexus.Api.Features.Billing;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.GraphQL.Scalars;
using Nexus.Api.Infrastructure;
using Nexus.Api.Infrastructure.Identity;
using Nexus.Api.Platforms;
using Npgsql;

namespace Nexus.Api.Features.Analytics.Export;

/// <summary>
/// <c>GET /analytics/export.csv?workspaceId=&amp;from=&amp;to=&amp;platforms=</c>: one row per target published in
/// [from, to) with its latest figures, for spreadsheets. The filters and the rule of <c>workspace.analytics</c> (members,
/// at most 400 days, and no further back than the plan's analytics history: else 403 PLAN_LIMIT); signed in as for GraphQL (a bearer token with the <c>nexus</c> scope, or an app's token holding
/// <c>analytics:read</c>, for its own workspace only). Rows are written as the
/// database returns them, never held whole.
/// </summary>
public static class AnalyticsExport
{
    public const string Path = "/analytics/export.csv";

    private static readonly string[] Header =
    [
        "post_id", "target_id", "platform", "account", "external_id", "published_at", "published_local", "measured_at",
        "impressions", "reach", "views", "likes", "comments", "shares", "saves", "clicks", "video_views", "watch_time_seconds", "average_view_seconds",
        "engagements", "engagement_rate", "text",
    ];

    public static IEndpointRouteBuilder MapAnalyticsExport(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, ExportAsync);
        return app;
    }

    private static async Task ExportAsync(HttpContext http, IQuerySession session, NpgsqlDataSource database, IOptions<BillingOptions> billing, TimeProvider clock)
    {
        http.Response.Headers.CacheControl = "no-store";
        if (await BearerEndpoints.RefusedAnonymousAsync(http))
        {
            return;
        }

        // An app's token needs analytics:read, as workspace.analytics does; and reaches its own workspace only (below).
        if (http.User.LacksScope(AppScope.AnalyticsRead))
        {
            http.Response.Headers.WWWAuthenticate = $"Bearer error=\"insufficient_scope\", scope=\"{AppScope.AnalyticsRead}\"";
            await BearerEndpoints.RefuseAsync(http, StatusCodes.Status403Forbidden, "forbidden", ScopeRule.Refusal(AppScope.AnalyticsRead, Path));
            return;
        }

        ExportRequest request;
        try
        {
            request = Parse(http.Request.Query);
        }
        catch (BadRequestError ex)
        {
            await BearerEndpoints.RefuseAsync(http, StatusCodes.Status400BadRequest, "bad_request", ex.Message);
            return;
        }

        // Unknown workspace, outsider or a service client without a person: one answer, so nothing tells a workspace exists.
        var workspace = await session.LoadAsync<Workspace>(request.WorkspaceId, http.RequestAborted);
        if (workspace is null || workspace.RoleOf(http.User) is null)
        {
            await BearerEndpoints.RefuseAsync(http, StatusCodes.Status404NotFound, "not_found", "This workspace does not exist or you are not a member of it.");
            return;
        }

        if (AnalyticsHistory.Refusal(billing.Value, workspace, request.From, clock.GetUtcNow()) is { } full)
        {
            await PlanLimitAnswer.WriteAsync(http, full);
            return;
        }

        await using var connection = await database.OpenConnectionAsync(http.RequestAborted);
        await using var command = AnalyticsSql.Command(connection, Sql, workspace.Id, request.From, request.To, request.Platforms);
        command.Parameters.AddWithValue("zone", TimeZoneInfo.FindSystemTimeZoneById(workspace.TimeZone).Id);
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, http.RequestAborted);

        http.Response.ContentType = "text/csv; charset=utf-8; header=present";
        http.Response.Headers.ContentDisposition =
            $"attachment; filename=\"nexus-analytics-{request.From.UtcDateTime:yyyy-MM-dd}-{request.To.UtcDateTime:yyyy-MM-dd}.csv\"";
        // The byte-order mark is how spreadsheet programs know the file is UTF-8.
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), 16 * 1024) { NewLine = "\r\n" };
        await writer.WriteLineAsync(string.Join(',', Header));
        var row = new string?[Header.Length];
        var rows = 0;
        while (await reader.ReadAsync(http.RequestAborted))
        {
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = await reader.IsDBNullAsync(i, http.RequestAborted) ? null : Cell(reader, i);
            }

            row[0] = GlobalId.Encode("Post", Guid.Parse(row[0]!, CultureInfo.InvariantCulture));
            row[1] = GlobalId.Encode("PostTarget", Guid.Parse(row[1]!, CultureInfo.InvariantCulture));
            row[2] = Enum.TryParse<PlatformId>(row[2], out var platform) ? platform.ToString().ToUpperInvariant() : row[2];
            await writer.WriteLineAsync(string.Join(',', row.Select(Csv.Field)));
            if (++rows % 500 == 0)
            {
                await writer.FlushAsync(http.RequestAborted);
            }
        }
    }

    private static string Cell(NpgsqlDataReader reader, int ordinal) => reader.GetValue(ordinal) switch
    {
        DateTime at => at.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        double number => number.ToString("R", CultureInfo.InvariantCulture),
        IFormattable value => value.ToString(null, CultureInfo.InvariantCulture),
        var value => value.ToString() ?? "",
    };

    /// <summary>Columns in <see cref="Header"/>'s order; the post's text and the account's name from their documents.</summary>
    private static readonly string Sql =
        "select t.post_id::text, t.target_id::text, t.platform, c.data ->> 'Name', t.external_id, t.published_at, " +
        "to_char(t.published_at at time zone @zone, 'YYYY-MM-DD HH24:MI'), t.measured_at, t.impressions, t.reach, t.views, t.likes, t.comments, t.shares, t.saves, t.clicks, " +
        "t.video_views, t.watch_time_seconds, t.average_view_seconds, t.engagements, " +
        "case when t.engagements is not null and t.denominator > 0 then t.engagements::float8 / t.denominator end, p.data ->> 'Text' " +
        $"from (select *, {AnalyticsSql.PerTarget} from {AnalyticsTables.TargetMetrics} " +
        "where workspace_id = @workspace and published_at >= @from and published_at < @to and (@platforms::text[] is null or platform = any(@platforms))) t " +
        $"left join {Persistence.SchemaName}.mt_doc_post p on p.id = t.post_id left join {Persistence.SchemaName}.mt_doc_connection c on c.id = t.connection_id " +
        "order by t.published_at, t.target_id";

    private sealed record ExportRequest(Guid WorkspaceId, DateTimeOffset From, DateTimeOffset To, string[]? Platforms);

    private static ExportRequest Parse(IQueryCollection query)
    {
        var workspaceId = WorkspaceAccess.ParseWorkspaceId(query["workspaceId"]);
        var from = Instant(query["from"], "from");
        var to = Instant(query["to"], "to");
        LocalBuckets.Check(from, to);
        string[]? platforms = null;
        if (query["platforms"].ToString() is { Length: > 0 } list)
        {
            platforms = [.. list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(name =>
                Enum.TryParse<PlatformId>(name, ignoreCase: true, out var platform) && Enum.IsDefined(platform)
                    ? platform.ToString()
                    : throw new BadRequestError($"`platforms` is a comma-separated list of {string.Join(", ", Enum.GetNames<PlatformId>().Select(n => n.ToUpperInvariant()))}."))];
        }

        return new ExportRequest(workspaceId, from, to, platforms);
    }

    private static DateTimeOffset Instant(string? text, string name) =>
        text is { Length: > 0 } && DateTimeScalar.TryParseInstant(text, out var instant)
            ? instant
            : throw new BadRequestError($"`{name}` is an ISO-8601 instant with an offset, e.g. 2027-05-01T00:00:00Z.");
}

/// <summary>RFC 4180 fields, with the guard against formulas: a spreadsheet runs a cell that starts with = + - @ (or a tab or CR before one).</summary>
public static class Csv
{
    public static string Field(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
