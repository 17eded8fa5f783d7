using Microsoft.Extensions.Options;
using Nexus.Api.Platforms.Meta;

namespace Nexus.Api.Platforms.Facebook;

/// <summary>
/// Facebook Page post metrics with the Page's token (scopes <c>read_insights</c> and <c>pages_read_engagement</c>),
/// one post at a time:
/// <list type="number">
/// <item><c>GET /{post-id}?fields=shares,comments.summary(true).limit(0),reactions.summary(true).limit(0)</c>: shares,
/// comments and reactions;</item>
/// <item><c>GET /{post-id}/insights?metric=post_media_view,post_total_media_view_unique,post_clicks</c>: the views
/// metrics that replaced impressions on 2025-11-15 (<c>post_impressions_unique</c> → <c>post_total_media_view_unique</c>).</item>
/// </list>
/// Mapping: <c>post_media_view</c> → Impressions, <c>post_total_media_view_unique</c> → Reach, <c>post_clicks</c> →
/// Clicks, <c>reactions.summary.total_count</c> → Likes, <c>comments.summary.total_count</c> → Comments,
/// <c>shares.count</c> → Shares (Meta leaves <c>shares</c> out of a post nobody shared: 0). No saves, no video
/// figures (those live on the video object's own insights). Audience: <c>GET /{page-id}?fields=followers_count</c>.
/// </summary>
public sealed class FacebookMetrics(HttpClient http, IOptions<FacebookOptions> options, TimeProvider clock) : IPlatformMetrics
{
    private const PlatformId Facebook = PlatformId.Facebook;

    public PlatformId Platform => Facebook;

    public int BatchSize => 1;

    private FacebookOptions Options => options.Value;

    public Task<IReadOnlyDictionary<string, PostMetricsReading>> ReadPostsAsync(PlatformAccount account, string accessToken,
        IReadOnlyList<PublishedPostRef> posts, CancellationToken cancellationToken) =>
        OnePostPerRequest.ReadAsync(posts, id => ReadAsync(id, account.AccessToken ?? accessToken, cancellationToken));

    public async Task<AudienceReading> ReadAudienceAsync(PlatformAccount account, string accessToken, CancellationToken cancellationToken)
    {
        var page = await GetAsync(MetaGraph.Segment(account.ExternalId), account.AccessToken ?? accessToken, cancellationToken, ("fields", "followers_count"));
        return new AudienceReading(page.Long("followers_count"));
    }

    private async Task<PostMetricsReading?> ReadAsync(string postId, string token, CancellationToken cancellationToken)
    {
        System.Text.Json.JsonElement post;
        IReadOnlyDictionary<string, double> insights;
        try
        {
            post = await GetAsync(MetaGraph.Segment(postId), token, cancellationToken,
                ("fields", "shares,comments.summary(true).limit(0),reactions.summary(true).limit(0)"));
            insights = MetaInsights.Values(await GetAsync($"{MetaGraph.Segment(postId)}/insights", token, cancellationToken,
                ("metric", "post_media_view,post_total_media_view_unique,post_clicks")));
        }
        catch (PlatformException e) when (MetaInsights.IsGone(e))
        {
            return null;
        }

        return new PostMetricsReading(
            Impressions: insights.Count("post_media_view"),
            Reach: insights.Count("post_total_media_view_unique"),
            Likes: Total(post, "reactions"),
            Comments: Total(post, "comments"),
            Shares: post.Obj("shares") is { } shares ? shares.Long("count") : 0,
            Clicks: insights.Count("post_clicks"));
    }

    private static long? Total(System.Text.Json.JsonElement post, string edge) =>
        post.Obj(edge)?.Obj("summary")?.Long("total_count");

    private Task<System.Text.Json.JsonElement> GetAsync(string path, string token, CancellationToken cancellationToken, params (string Name, string? Value)[] query) =>
        MetaGraph.SendAsync(http, Facebook,
            MetaGraph.Request(HttpMethod.Get, MetaGraph.Url(Options.GraphBaseUrl, $"{Options.ApiVersion}/{path}", query), token),
            MetaCall.Read, clock, [token, Options.ClientSecret], cancellationToken);
}
