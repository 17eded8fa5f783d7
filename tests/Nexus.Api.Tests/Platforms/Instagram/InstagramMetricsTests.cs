using Nexus.Api.Platforms;
using Nexus.Api.Platforms.Instagram;

namespace Nexus.Api.Tests.Platforms.Instagram;

public sealed class InstagramMetricsTests : IDisposable
{
    private const string Token = "IGAAlong-lived-token";
    private readonly InstagramFake _ig = new();

    public void Dispose() => _ig.Dispose();

    private static PublishedPostRef Post(string id) => new(id, new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero));

    private Task<IReadOnlyDictionary<string, PostMetricsReading>> Read(params string[] ids) =>
        _ig.Metrics.ReadPostsAsync(InstagramFake.Account, Token, [.. ids.Select(Post)], CancellationToken.None);

    [Fact]
    public async Task a_feed_post_maps_views_reach_likes_comments_shares_and_saves_and_has_no_clicks_or_watch_time()
    {
        _ig.MediaWithInsights("17900000000000009", "FEED", 40, 6,
            ("views", 1520), ("reach", 980), ("likes", 41), ("comments", 7), ("shares", 3), ("saved", 12), ("total_interactions", 63));

        var readings = await Read("17900000000000009");

        Assert.Equal(new PostMetricsReading(Impressions: 1520, Reach: 980, Likes: 41, Comments: 7, Shares: 3, Saves: 12), readings["17900000000000009"]);
        var insights = Assert.Single(_ig.Calls("GET", $"/{InstagramFake.GraphVersion}/17900000000000009/insights"));
        Assert.Equal("views,reach,likes,comments,shares,saved,total_interactions", InstagramFake.Query(insights, "metric"));
        Assert.Equal($"Bearer {Token}", InstagramFake.Header(insights, "Authorization"));
        Assert.DoesNotContain(Token, insights.Url, StringComparison.Ordinal);
        var media = Assert.Single(_ig.Calls("GET", $"/{InstagramFake.GraphVersion}/17900000000000009"));
        Assert.Equal("media_product_type,like_count,comments_count", InstagramFake.Query(media, "fields"));
    }

    [Fact]
    public async Task a_reel_adds_plays_and_its_watch_times_in_seconds()
    {
        _ig.MediaWithInsights("17900000000000010", "REELS", 200, 20,
            ("views", 5000), ("reach", 3100), ("likes", 210), ("comments", 22), ("shares", 15), ("saved", 30), ("total_interactions", 277),
            ("ig_reels_avg_watch_time", 6450), ("ig_reels_video_view_total_time", 32250000));

        var reading = (await Read("17900000000000010"))["17900000000000010"];

        Assert.Equal(new PostMetricsReading(Impressions: 5000, Reach: 3100, Views: 5000, Likes: 210, Comments: 22, Shares: 15, Saves: 30,
            WatchTimeSeconds: 32250, AverageViewSeconds: 6.45), reading);
        Assert.Equal("views,reach,likes,comments,shares,saved,total_interactions,ig_reels_avg_watch_time,ig_reels_video_view_total_time",
            InstagramFake.Query(Assert.Single(_ig.Calls("GET", $"/{InstagramFake.GraphVersion}/17900000000000010/insights")), "metric"));
    }

    [Fact]
    public async Task a_story_asks_only_for_story_metrics_and_its_missing_figures_stay_null()
    {
        _ig.MediaWithInsights("17900000000000011", "STORY", 0, 0, ("views", 300), ("reach", 250), ("shares", 2), ("total_interactions", 9));

        var reading = (await Read("17900000000000011"))["17900000000000011"];

        Assert.Equal("views,reach,shares,total_interactions",
            InstagramFake.Query(Assert.Single(_ig.Calls("GET", $"/{InstagramFake.GraphVersion}/17900000000000011/insights")), "metric"));
        Assert.Equal(300, reading.Impressions);
        Assert.Null(reading.Saves);
        Assert.Null(reading.Clicks);
        Assert.Null(reading.Views);
        Assert.Equal(0, reading.Likes);
    }

    [Fact]
    public async Task too_few_viewers_withholds_the_insights_but_keeps_the_public_counts()
    {
        _ig.Get($"/{InstagramFake.GraphVersion}/17900000000000012")
            .RespondWith(InstagramFake.Json(new { media_product_type = "FEED", like_count = 4, comments_count = 1, id = "17900000000000012" }));
        _ig.Get($"/{InstagramFake.GraphVersion}/17900000000000012/insights")
            .RespondWith(InstagramFake.GraphError(400, 10, 2108006, "(#10) Not enough viewers for the media to show insights", "OAuthException"));

        var reading = (await Read("17900000000000012"))["17900000000000012"];

        Assert.Equal(new PostMetricsReading(Likes: 4, Comments: 1), reading);
    }

    [Fact]
    public async Task a_missing_insights_permission_is_auth_expired_not_a_reading_without_insights()
    {
        _ig.Get($"/{InstagramFake.GraphVersion}/17900000000000012")
            .RespondWith(InstagramFake.Json(new { media_product_type = "FEED", like_count = 4, comments_count = 1, id = "17900000000000012" }));
        _ig.Get($"/{InstagramFake.GraphVersion}/17900000000000012/insights")
            .RespondWith(InstagramFake.GraphError(403, 10, null, "(#10) Application does not have permission for this action"));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => Read("17900000000000012"));

        Assert.Equal(PlatformFailureKind.AuthExpired, failure.Kind);
    }

    [Fact]
    public async Task a_deleted_media_is_absent_and_does_not_fail_the_others()
    {
        _ig.Get($"/{InstagramFake.GraphVersion}/17900000000000013").RespondWith(InstagramFake.GraphError(400, 100, 33,
            "Unsupported get request. Object with ID '17900000000000013' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", "GraphMethodException"));
        _ig.MediaWithInsights("17900000000000009", "FEED", 1, 1, ("views", 10));

        var readings = await Read("17900000000000013", "17900000000000009");

        Assert.Equal(["17900000000000009"], readings.Keys);
        Assert.Equal(10, readings["17900000000000009"].Impressions);
        Assert.Null(readings["17900000000000009"].Reach);
    }

    [Fact]
    public async Task throttling_is_a_rate_limit_until_meta_says_access_returns()
    {
        _ig.Get($"/{InstagramFake.GraphVersion}/17900000000000009").RespondWith(InstagramFake.GraphError(400, 80002, null, "There have been too many calls to this Instagram account.")
            .WithHeader("X-Business-Use-Case-Usage", """{"17841400000000001":[{"type":"instagram","call_count":100,"total_cputime":4,"total_time":4,"estimated_time_to_regain_access":17}]}"""));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => Read("17900000000000009"));

        Assert.Equal(PlatformFailureKind.RateLimited, failure.Kind);
        Assert.Equal(_ig.Clock.GetUtcNow().AddMinutes(17), failure.RetryAt);
    }

    [Fact]
    public async Task an_expired_token_is_auth_expired()
    {
        _ig.Get($"/{InstagramFake.GraphVersion}/17900000000000009").RespondWith(InstagramFake.GraphError(400, 190, 463, "Error validating access token: Session has expired."));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => Read("17900000000000009"));

        Assert.Equal(PlatformFailureKind.AuthExpired, failure.Kind);
        Assert.DoesNotContain(Token, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task the_audience_is_followers_follows_and_media_count()
    {
        _ig.Get($"/{InstagramFake.GraphVersion}/{InstagramFake.IgUserId}")
            .RespondWith(InstagramFake.Json(new { followers_count = 15230, follows_count = 312, media_count = 421, id = InstagramFake.IgUserId }));

        var audience = await _ig.Metrics.ReadAudienceAsync(InstagramFake.Account, Token, CancellationToken.None);

        Assert.Equal(new AudienceReading(15230, 312, 421), audience);
        var call = Assert.Single(_ig.Calls("GET", $"/{InstagramFake.GraphVersion}/{InstagramFake.IgUserId}"));
        Assert.Equal("followers_count,follows_count,media_count", InstagramFake.Query(call, "fields"));
        Assert.Equal($"Bearer {Token}", InstagramFake.Header(call, "Authorization"));
    }

    [Fact]
    public void the_descriptor_declares_the_client_and_the_insights_scope_is_asked_for()
    {
        Assert.Equal(typeof(InstagramMetrics), new InstagramDescriptor().Metrics);
        Assert.Contains("instagram_business_manage_insights", InstagramOptions.DefaultScopes);
        Assert.Equal(1, _ig.Metrics.BatchSize);
    }
}
