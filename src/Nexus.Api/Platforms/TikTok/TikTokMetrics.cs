using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Nexus.Api.Platforms.TikTok;

/// <summary>
/// TikTok's metrics (scopes <c>video.list</c>, <c>user.info.stats</c>):
/// <c>POST /v2/video/query/?fields=id,view_count,like_count,comment_count,share_count</c> with
/// <c>{"filters":{"video_ids":[…]}}</c>, at most 20 ids a request. Mapping: <c>view_count</c> → Views,
/// <c>like_count</c> → Likes, <c>comment_count</c> → Comments, <c>share_count</c> → Shares; TikTok's Display API gives
/// no impressions, reach, saves, clicks or watch time. A video TikTok does not return (deleted, or not the creator's)
/// is left out. Audience: <c>GET /v2/user/info/?fields=follower_count,following_count,video_count</c>.
/// </summary>
public sealed class TikTokMetrics(HttpClient http, IOptions<TikTokOptions> options, TimeProvider clock) : IPlatformMetrics
{
    public PlatformId Platform => PlatformId.TikTok;

    public int BatchSize => 20;

    public async Task<IReadOnlyDictionary<string, PostMetricsReading>> ReadPostsAsync(PlatformAccount account, string accessToken,
        IReadOnlyList<PublishedPostRef> posts, CancellationToken cancellationToken)
    {
        var readings = new Dictionary<string, PostMetricsReading>(StringComparer.Ordinal);
        foreach (var chunk in posts.Chunk(BatchSize))
        {
            var body = new JsonObject { ["filters"] = new JsonObject { ["video_ids"] = new JsonArray([.. chunk.Select(p => (JsonNode)JsonValue.Create(p.ExternalId))]) } };
            var answer = await TikTokApi.SendAsync(http,
                TikTokApi.Json(HttpMethod.Post, options.Value.Api("/v2/video/query/?fields=id,view_count,like_count,comment_count,share_count"), accessToken, body),
                clock, "read video metrics", mayHavePublished: false, cancellationToken);
            if (answer["data"]?["videos"] is not JsonArray videos)
            {
                continue;
            }

            foreach (var video in videos)
            {
                if (PlatformErrors.Text(video?["id"]) is { } id)
                {
                    readings[id] = new PostMetricsReading(
                        Views: MetricFigures.Count(video!["view_count"]),
                        Likes: MetricFigures.Count(video["like_count"]),
                        Comments: MetricFigures.Count(video["comment_count"]),
                        Shares: MetricFigures.Count(video["share_count"]));
                }
            }
        }

        return readings;
    }

    public async Task<AudienceReading> ReadAudienceAsync(PlatformAccount account, string accessToken, CancellationToken cancellationToken)
    {
        var answer = await TikTokApi.SendAsync(http,
            TikTokApi.Json(HttpMethod.Get, options.Value.Api("/v2/user/info/?fields=follower_count,following_count,video_count"), accessToken, null),
            clock, "read audience", mayHavePublished: false, cancellationToken);
        var user = answer["data"]?["user"];
        return new AudienceReading(MetricFigures.Count(user?["follower_count"]), MetricFigures.Count(user?["following_count"]), MetricFigures.Count(user?["video_count"]));
    }
}
