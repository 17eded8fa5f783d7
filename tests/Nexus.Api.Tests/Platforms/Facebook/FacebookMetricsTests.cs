using Nexus.Api.Platforms;
using Nexus.Api.Platforms.Facebook;

namespace Nexus.Api.Tests.Platforms.Facebook;

public sealed class FacebookMetricsTests : IDisposable
{
    private const string PostId = "1755847768034402_122100000000000001";
    private readonly FacebookFake _fb = new();

    public void Dispose() => _fb.Dispose();

    private Task<IReadOnlyDictionary<string, PostMetricsReading>> Read(params string[] ids) =>
        _fb.Metrics.ReadPostsAsync(FacebookFake.Page, FacebookFake.UserToken, [.. ids.Select(id => new PublishedPostRef(id, _fb.Clock.GetUtcNow().AddDays(-1)))], CancellationToken.None);

    [Fact]
    public async Task a_post_maps_the_views_metrics_clicks_reactions_comments_and_shares_with_the_page_token()
    {
        _fb.PostWithInsights(PostId, shares: 4, comments: 9, reactions: 57,
            ("post_media_view", 2300), ("post_total_media_view_unique", 1710), ("post_clicks", 88));

        var readings = await Read(PostId);

        Assert.Equal(new PostMetricsReading(Impressions: 2300, Reach: 1710, Likes: 57, Comments: 9, Shares: 4, Clicks: 88), readings[PostId]);
        var insights = Assert.Single(_fb.Calls("GET", $"/{FacebookFake.GraphVersion}/{PostId}/insights"));
        Assert.Equal("post_media_view,post_total_media_view_unique,post_clicks", FacebookFake.Query(insights, "metric"));
        Assert.Equal($"Bearer {FacebookFake.PageToken}", FacebookFake.Header(insights, "Authorization"));
        var post = Assert.Single(_fb.Calls("GET", $"/{FacebookFake.GraphVersion}/{PostId}"));
        Assert.Equal("shares,comments.summary(true).limit(0),reactions.summary(true).limit(0)", FacebookFake.Query(post, "fields"));
    }

    [Fact]
    public async Task a_post_nobody_shared_has_zero_shares_and_insights_meta_leaves_out_are_null()
    {
        _fb.PostWithInsights(PostId, shares: null, comments: 0, reactions: 3, ("post_media_view", 40));

        var reading = (await Read(PostId))[PostId];

        Assert.Equal(0, reading.Shares);
        Assert.Equal(40, reading.Impressions);
        Assert.Null(reading.Reach);
        Assert.Null(reading.Clicks);
        Assert.Null(reading.Saves);
        Assert.Null(reading.VideoViews);
    }

    [Fact]
    public async Task a_deleted_post_is_absent()
    {
        _fb.Get($"/{FacebookFake.GraphVersion}/{PostId}").RespondWith(FacebookFake.GraphError(400, 100, 33,
            $"Unsupported get request. Object with ID '{PostId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", "GraphMethodException"));

        Assert.Empty(await Read(PostId));
    }

    [Fact]
    public async Task page_throttling_is_a_rate_limit_and_a_lost_permission_is_auth_expired()
    {
        _fb.Get($"/{FacebookFake.GraphVersion}/{PostId}").RespondWith(FacebookFake.GraphError(400, 32, null, "Page request limit reached")
            .WithHeader("X-Business-Use-Case-Usage", $$"""{"{{FacebookFake.PageId}}":[{"type":"pages","call_count":100,"total_cputime":10,"total_time":10,"estimated_time_to_regain_access":5}]}"""));
        var throttled = await Assert.ThrowsAsync<PlatformException>(() => Read(PostId));
        Assert.Equal(PlatformFailureKind.RateLimited, throttled.Kind);
        Assert.Equal(_fb.Clock.GetUtcNow().AddMinutes(5), throttled.RetryAt);

        _fb.Server.Reset();
        _fb.Get($"/{FacebookFake.GraphVersion}/{PostId}").RespondWith(FacebookFake.GraphError(400, 190, 460, "Error validating access token: The session has been invalidated because the user changed their password."));
        Assert.Equal(PlatformFailureKind.AuthExpired, (await Assert.ThrowsAsync<PlatformException>(() => Read(PostId))).Kind);
    }

    [Fact]
    public async Task the_audience_is_the_pages_followers()
    {
        _fb.Get($"/{FacebookFake.GraphVersion}/{FacebookFake.PageId}").RespondWith(FacebookFake.Json(new { followers_count = 5120, id = FacebookFake.PageId }));

        var audience = await _fb.Metrics.ReadAudienceAsync(FacebookFake.Page, FacebookFake.UserToken, CancellationToken.None);

        Assert.Equal(new AudienceReading(5120), audience);
        var call = Assert.Single(_fb.Calls("GET", $"/{FacebookFake.GraphVersion}/{FacebookFake.PageId}"));
        Assert.Equal("followers_count", FacebookFake.Query(call, "fields"));
        Assert.Equal($"Bearer {FacebookFake.PageToken}", FacebookFake.Header(call, "Authorization"));
    }

    [Fact]
    public void the_descriptor_declares_the_client_and_read_insights_is_asked_for()
    {
        Assert.Equal(typeof(FacebookMetrics), new FacebookDescriptor().Metrics);
        Assert.Contains("read_insights", FacebookOptions.DefaultScopes);
    }
}
