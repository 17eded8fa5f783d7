using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Nexus.Api.Platforms.YouTube;

/// <summary>
/// YouTube's metrics, 50 videos a batch (scopes <c>youtube.readonly</c>, <c>yt-analytics.readonly</c>):
/// <list type="number">
/// <item><c>GET /youtube/v3/videos?part=statistics&amp;id=…</c> (1 quota unit): <c>viewCount</c> → Views,
/// <c>likeCount</c> → Likes, <c>commentCount</c> → Comments (each absent when the owner hid likes or turned comments
/// off, so null); <c>favoriteCount</c> is always 0 and not mapped;</item>
/// <item>the Analytics API, <c>GET /v2/reports?ids=channel==MINE&amp;dimensions=video&amp;filters=video==…&amp;metrics=estimatedMinutesWatched,averageViewDuration</c>
/// from the oldest post's publication day to today: <c>estimatedMinutesWatched</c> × 60 → WatchTimeSeconds,
/// <c>averageViewDuration</c> → AverageViewSeconds (its data lags a day or two, so a new video has none yet: null;
/// a refused report leaves them null too and is logged).</item>
/// </list>
/// No impressions, reach, shares, saves or clicks. A video <c>videos.list</c> does not return is deleted and left out.
/// Audience: <c>GET /youtube/v3/channels?part=statistics&amp;mine=true</c> (<c>subscriberCount</c>, absent when hidden;
/// <c>videoCount</c>).
/// </summary>
public sealed class YouTubeMetrics(HttpClient http, IOptions<YouTubeOptions> options, TimeProvider clock, ILogger<YouTubeMetrics> logger) : IPlatformMetrics
{
    public PlatformId Platform => PlatformId.YouTube;

    public int BatchSize => 50;

    private YouTubeOptions Options => options.Value;

    public async Task<IReadOnlyDictionary<string, PostMetricsReading>> ReadPostsAsync(PlatformAccount account, string accessToken,
        IReadOnlyList<PublishedPostRef> posts, CancellationToken cancellationToken)
    {
        var readings = new Dictionary<string, PostMetricsReading>(StringComparer.Ordinal);
        foreach (var chunk in posts.Chunk(BatchSize))
        {
            var ids = string.Join(',', chunk.Select(p => Uri.EscapeDataString(p.ExternalId)));
            var (answer, _) = await YouTubeApi.SendAsync(http,
                YouTubeApi.Request(HttpMethod.Get, Options.Api($"/youtube/v3/videos?part=statistics&id={ids}&maxResults={BatchSize}"), accessToken),
                clock, "read video statistics", tokenEndpoint: false, refreshing: false, cancellationToken);
            var found = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
            if (answer?["items"] is JsonArray items)
            {
                foreach (var item in items)
                {
                    if (PlatformErrors.Text(item?["id"]) is { } id)
                    {
                        found[id] = item!["statistics"];
                    }
                }
            }

            if (found.Count == 0)
            {
                continue;
            }

            var watched = await ReadWatchTimeAsync([.. chunk.Where(p => found.ContainsKey(p.ExternalId))], accessToken, cancellationToken);
            foreach (var (id, statistics) in found)
            {
                var time = watched.GetValueOrDefault(id);
                readings[id] = new PostMetricsReading(
                    Views: MetricFigures.Count(statistics?["viewCount"]),
                    Likes: MetricFigures.Count(statistics?["likeCount"]),
                    Comments: MetricFigures.Count(statistics?["commentCount"]),
                    WatchTimeSeconds: time.Minutes * 60,
                    AverageViewSeconds: time.Average);
            }
        }

        return readings;
    }

    public async Task<AudienceReading> ReadAudienceAsync(PlatformAccount account, string accessToken, CancellationToken cancellationToken)
    {
        var (answer, _) = await YouTubeApi.SendAsync(http,
            YouTubeApi.Request(HttpMethod.Get, Options.Api("/youtube/v3/channels?part=statistics&mine=true"), accessToken),
            clock, "read channel statistics", tokenEndpoint: false, refreshing: false, cancellationToken);
        var statistics = answer?["items"] is JsonArray { Count: > 0 } items ? items[0]?["statistics"] : null;
        var hidden = statistics?["hiddenSubscriberCount"] is JsonValue flag && flag.TryGetValue<bool>(out var isHidden) && isHidden;
        return new AudienceReading(hidden ? null : MetricFigures.Count(statistics?["subscriberCount"]), Posts: MetricFigures.Count(statistics?["videoCount"]));
    }

    private async Task<Dictionary<string, (double? Minutes, double? Average)>> ReadWatchTimeAsync(IReadOnlyList<PublishedPostRef> posts, string accessToken,
        CancellationToken cancellationToken)
    {
        var times = new Dictionary<string, (double? Minutes, double? Average)>(StringComparer.Ordinal);
        if (posts.Count == 0)
        {
            return times;
        }

        var today = clock.GetUtcNow().UtcDateTime.Date;
        var start = posts.Min(p => p.PublishedAt.UtcDateTime.Date);
        var query = "/v2/reports?ids=channel%3D%3DMINE"
                    + $"&startDate={(start > today ? today : start).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}"
                    + $"&endDate={today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}"
                    + "&metrics=estimatedMinutesWatched%2CaverageViewDuration&dimensions=video"
                    + $"&filters=video%3D%3D{string.Join("%2C", posts.Select(p => Uri.EscapeDataString(p.ExternalId)))}"
                    + $"&sort=-estimatedMinutesWatched&maxResults={posts.Count}";
        JsonNode? report;
        try
        {
            (report, _) = await YouTubeApi.SendAsync(http, YouTubeApi.Request(HttpMethod.Get, Options.Analytics(query), accessToken),
                clock, "read watch time", tokenEndpoint: false, refreshing: false, cancellationToken);
        }
        catch (PlatformException e) when (e.Kind == PlatformFailureKind.Rejected)
        {
            // The Analytics API not enabled for the project, or a channel it does not cover: the Data API's figures
            // still hold, so they are kept rather than failing the batch on the extra call. Rate limits and lost
            // tokens still fail it, to be retried or reconnected.
            logger.AnalyticsRefused(e.PlatformCode, e.Message);
            return times;
        }


        // A result table: columnHeaders name the columns of each row.
        var columns = report?["columnHeaders"] is JsonArray headers ? headers.Select(h => PlatformErrors.Text(h?["name"])).ToList() : [];
        var video = columns.IndexOf("video");
        var minutes = columns.IndexOf("estimatedMinutesWatched");
        var average = columns.IndexOf("averageViewDuration");
        if (video < 0 || report?["rows"] is not JsonArray rows)
        {
            return times;
        }

        foreach (var row in rows.OfType<JsonArray>())
        {
            if (PlatformErrors.Text(row.ElementAtOrDefault(video)) is { } id)
            {
                times[id] = (minutes >= 0 ? MetricFigures.Real(row.ElementAtOrDefault(minutes)) : null, average >= 0 ? MetricFigures.Real(row.ElementAtOrDefault(average)) : null);
            }
        }

        return times;
    }
}
