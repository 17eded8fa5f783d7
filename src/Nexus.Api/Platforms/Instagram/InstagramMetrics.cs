using Microsoft.Extensions.Options;
using Nexus.Api.Platforms.Meta;

namespace Nexus.Api.Platforms.Instagram;

/// <summary>
/// Instagram's metrics (Instagram Login, graph.instagram.com, scope <c>instagram_business_manage_insights</c>), one post
/// at a time as Meta's media insights are per media:
/// <list type="number">
/// <item><c>GET /{ig-media-id}?fields=media_product_type,like_count,comments_count</c>: which metrics the media has
/// (feed, reel and story ones differ, and asking a story for <c>saved</c> fails the whole call), and counts that
/// survive when insights are withheld;</item>
/// <item><c>GET /{ig-media-id}/insights?metric=views,reach,likes,comments,shares,saved,total_interactions</c> (the
/// 2025-04-21 set: <c>impressions</c>, <c>plays</c> and <c>video_views</c> are gone), plus
/// <c>ig_reels_avg_watch_time</c> and <c>ig_reels_video_view_total_time</c> (milliseconds) for reels; stories get
/// <c>views,reach,shares,total_interactions</c>.</item>
/// </list>
/// Mapping: <c>views</c> → Impressions (and Views for reels, which are plays), <c>reach</c> → Reach, <c>likes</c>
/// (else <c>like_count</c>) → Likes, <c>comments</c> (else <c>comments_count</c>) → Comments, <c>shares</c> → Shares,
/// <c>saved</c> → Saves, the reels times → WatchTimeSeconds and AverageViewSeconds. No clicks. Meta's "not enough viewers" (error 10) on
/// insights means too few viewers: the insight figures stay null. Audience: <c>GET /{ig-user-id}?fields=followers_count,follows_count,media_count</c>.
/// </summary>
public sealed class InstagramMetrics(HttpClient http, IOptions<InstagramOptions> options, TimeProvider clock) : IPlatformMetrics
{
    private const PlatformId Instagram = PlatformId.Instagram;
    private const string FeedMetrics = "views,reach,likes,comments,shares,saved,total_interactions";
    private const string ReelMetrics = FeedMetrics + ",ig_reels_avg_watch_time,ig_reels_video_view_total_time";
    private const string StoryMetrics = "views,reach,shares,total_interactions";

    public PlatformId Platform => Instagram;

    public int BatchSize => 1;

    private InstagramOptions Options => options.Value;

    public Task<IReadOnlyDictionary<string, PostMetricsReading>> ReadPostsAsync(PlatformAccount account, string accessToken,
        IReadOnlyList<PublishedPostRef> posts, CancellationToken cancellationToken) =>
        OnePostPerRequest.ReadAsync(posts, id => ReadAsync(id, account.AccessToken ?? accessToken, cancellationToken));

    public async Task<AudienceReading> ReadAudienceAsync(PlatformAccount account, string accessToken, CancellationToken cancellationToken)
    {
        var token = account.AccessToken ?? accessToken;
        var user = await GetAsync(MetaGraph.Segment(account.ExternalId), token, cancellationToken, ("fields", "followers_count,follows_count,media_count"));
        return new AudienceReading(user.Long("followers_count"), user.Long("follows_count"), user.Long("media_count"));
    }

    private async Task<PostMetricsReading?> ReadAsync(string mediaId, string token, CancellationToken cancellationToken)
    {
        System.Text.Json.JsonElement media;
        try
        {
            media = await GetAsync(MetaGraph.Segment(mediaId), token, cancellationToken, ("fields", "media_product_type,like_count,comments_count"));
        }
        catch (PlatformException e) when (MetaInsights.IsGone(e))
        {
            return null;
        }

        var product = media.Str("media_product_type");
        var metrics = product switch
        {
            "STORY" => StoryMetrics,
            "REELS" => ReelMetrics,
            _ => FeedMetrics,
        };

        IReadOnlyDictionary<string, double> insights;
        try
        {
            insights = MetaInsights.Values(await GetAsync($"{MetaGraph.Segment(mediaId)}/insights", token, cancellationToken, ("metric", metrics)));
        }
        catch (PlatformException e) when (IsTooFewViewers(e))
        {
            // Meta withholds the insights of media seen by too few accounts; the public counts remain.
            insights = new Dictionary<string, double>();
        }
        catch (PlatformException e) when (MetaInsights.IsGone(e))
        {
            // A story expires after 24 h between the two calls.
            return null;
        }

        var views = insights.Count("views");
        return new PostMetricsReading(
            Impressions: views,
            Reach: insights.Count("reach"),
            Views: product == "REELS" ? views : null,
            Likes: insights.Count("likes") ?? media.Long("like_count"),
            Comments: insights.Count("comments") ?? media.Long("comments_count"),
            Shares: insights.Count("shares"),
            Saves: insights.Count("saved"),
            WatchTimeSeconds: insights.Seconds("ig_reels_video_view_total_time"),
            AverageViewSeconds: insights.Seconds("ig_reels_avg_watch_time"));
    }

    // Error 10 is both "not enough viewers" and a missing permission; only the first is a reading without insights (a
    // lost permission must reach the connection as AuthExpired), and only Meta's message tells them apart.
    private static bool IsTooFewViewers(PlatformException e) =>
        (e.PlatformCode is "10" || e.PlatformCode?.StartsWith("10/", StringComparison.Ordinal) == true) &&
        e.Message.Contains("viewers", StringComparison.OrdinalIgnoreCase);

    private Task<System.Text.Json.JsonElement> GetAsync(string path, string token, CancellationToken cancellationToken, params (string Name, string? Value)[] query) =>
        MetaGraph.SendAsync(http, Instagram,
            MetaGraph.Request(HttpMethod.Get, MetaGraph.Url(Options.GraphBaseUrl, $"{Options.ApiVersion}/{path}", query), token),
            MetaCall.Read, clock, [token, Options.ClientSecret], cancellationToken);
}
