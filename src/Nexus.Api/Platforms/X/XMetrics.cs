using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Nexus.Api.Platforms.X;

/// <summary>
/// X's metrics (scopes <c>tweet.read</c>, <c>users.read</c>): <c>GET /2/tweets?ids=…</c>, up to 100 posts a request,
/// with <c>tweet.fields=public_metrics</c> and, for the account's own posts of the last 30 days (X refuses older ones),
/// <c>non_public_metrics</c>; videos' <c>view_count</c> through <c>expansions=attachments.media_keys</c> and
/// <c>media.fields=public_metrics</c>.
/// Mapping: <c>public_metrics.impression_count</c> → Impressions, <c>like_count</c> → Likes, <c>reply_count</c> →
/// Comments, <c>retweet_count</c> + <c>quote_count</c> → Shares, <c>bookmark_count</c> → Saves,
/// <c>non_public_metrics.url_link_clicks</c> → Clicks, the videos' <c>view_count</c> → VideoViews. No reach, no watch
/// time. A post X cannot find comes back in <c>errors</c> and is left out. Audience:
/// <c>GET /2/users/me?user.fields=public_metrics</c> (<c>followers_count</c>, <c>following_count</c>, <c>tweet_count</c>).
/// </summary>
public sealed class XMetrics(HttpClient http, IOptions<XOptions> options, TimeProvider clock) : IPlatformMetrics
{
    /// <summary>How old a post may be for X to give its non-public metrics.</summary>
    public static readonly TimeSpan NonPublicWindow = TimeSpan.FromDays(30);

    public PlatformId Platform => PlatformId.X;

    public int BatchSize => 100;

    public async Task<IReadOnlyDictionary<string, PostMetricsReading>> ReadPostsAsync(PlatformAccount account, string accessToken,
        IReadOnlyList<PublishedPostRef> posts, CancellationToken cancellationToken)
    {
        var readings = new Dictionary<string, PostMetricsReading>(StringComparer.Ordinal);
        // A little margin: a post at the edge of the window could pass it while the request travels.
        var recentSince = clock.GetUtcNow() - NonPublicWindow + TimeSpan.FromHours(1);
        foreach (var group in posts.GroupBy(p => p.PublishedAt >= recentSince))
        {
            foreach (var chunk in group.Chunk(BatchSize))
            {
                await ReadAsync([.. chunk.Select(p => p.ExternalId)], group.Key, accessToken, readings, cancellationToken);
            }
        }

        return readings;
    }

    public async Task<AudienceReading> ReadAudienceAsync(PlatformAccount account, string accessToken, CancellationToken cancellationToken)
    {
        using var document = await SendAsync("/2/users/me?user.fields=public_metrics", accessToken, "read audience", cancellationToken);
        var metrics = PlatformErrors.Child(PlatformErrors.Child(document.RootElement, "data"), "public_metrics");
        return new AudienceReading(MetricFigures.Count(metrics, "followers_count"), MetricFigures.Count(metrics, "following_count"), MetricFigures.Count(metrics, "tweet_count"));
    }

    private async Task ReadAsync(IReadOnlyList<string> ids, bool recent, string accessToken, Dictionary<string, PostMetricsReading> readings, CancellationToken cancellationToken)
    {
        var fields = recent ? "public_metrics,non_public_metrics" : "public_metrics";
        var query = $"/2/tweets?ids={string.Join(',', ids.Select(Uri.EscapeDataString))}&tweet.fields={fields}&expansions=attachments.media_keys&media.fields=public_metrics,type";
        using var document = await SendAsync(query, accessToken, "read post metrics", cancellationToken);
        var root = document.RootElement;

        var videoViews = new Dictionary<string, long>(StringComparer.Ordinal);
        if (PlatformErrors.Child(root, "includes") is { ValueKind: JsonValueKind.Object } includes &&
            includes.TryGetProperty("media", out var media) && media.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in media.EnumerateArray())
            {
                if (PlatformErrors.Text(item, "media_key") is { } key && MetricFigures.Count(PlatformErrors.Child(item, "public_metrics"), "view_count") is { } views)
                {
                    videoViews[key] = views;
                }
            }
        }

        if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
        {
            // Every id was unknown: X answers with errors only.
            return;
        }

        foreach (var post in data.EnumerateArray())
        {
            if (PlatformErrors.Text(post, "id") is not { } id)
            {
                continue;
            }

            var pub = PlatformErrors.Child(post, "public_metrics");
            var own = PlatformErrors.Child(post, "non_public_metrics");
            var keys = PlatformErrors.Child(post, "attachments") is { ValueKind: JsonValueKind.Object } attachments &&
                       attachments.TryGetProperty("media_keys", out var mediaKeys) && mediaKeys.ValueKind == JsonValueKind.Array
                ? mediaKeys.EnumerateArray().Select(k => k.GetString()).OfType<string>().ToList()
                : [];
            var views = keys.Where(videoViews.ContainsKey).Select(k => (long?)videoViews[k]).ToArray();
            readings[id] = new PostMetricsReading(
                Impressions: MetricFigures.Count(pub, "impression_count"),
                Likes: MetricFigures.Count(pub, "like_count"),
                Comments: MetricFigures.Count(pub, "reply_count"),
                Shares: MetricFigures.Sum(MetricFigures.Count(pub, "retweet_count"), MetricFigures.Count(pub, "quote_count")),
                Saves: MetricFigures.Count(pub, "bookmark_count"),
                Clicks: MetricFigures.Count(own, "url_link_clicks"),
                VideoViews: MetricFigures.Sum(views));
        }
    }

    private async Task<JsonDocument> SendAsync(string pathAndQuery, string accessToken, string step, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, options.Value.Api(pathAndQuery));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return await XHttp.SendForJsonAsync(http, request, clock, step, outcomeUnknown: false, cancellationToken);
    }
}
