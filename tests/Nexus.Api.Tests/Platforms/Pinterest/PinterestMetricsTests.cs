using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using Nexus.Api.Platforms;
using Nexus.Api.Platforms.Pinterest;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Nexus.Api.Tests.Platforms.Pinterest;

public sealed class PinterestMetricsTests : IDisposable
{
    private static readonly PlatformAccount User = new("549755885175", "Nexus", "nexus", null, AccountKind.Person);
    private readonly PinterestFake _pinterest = new();

    public void Dispose() => _pinterest.Dispose();

    private static string? Query(WireMock.IRequestMessage request, string name) =>
        QueryHelpers.ParseQuery(request.RawQuery ?? "").TryGetValue(name, out var value) ? value.ToString() : null;

    private Task<IReadOnlyDictionary<string, PostMetricsReading>> Read(params PublishedPostRef[] posts) =>
        _pinterest.Metrics.ReadPostsAsync(User, PinterestFake.AccessToken, posts, CancellationToken.None);

    [Fact]
    public async Task an_image_pin_maps_impressions_saves_and_both_clicks_from_the_summary_and_has_no_video_figures()
    {
        _pinterest.PinAnalytics("813744226420795884", new JsonObject { ["IMPRESSION"] = 1200, ["SAVE"] = 45, ["PIN_CLICK"] = 80, ["OUTBOUND_CLICK"] = 22 });

        var readings = await Read(new PublishedPostRef("813744226420795884", new DateTimeOffset(2026, 3, 2, 22, 30, 0, TimeSpan.Zero)));

        Assert.Equal(new PostMetricsReading(Impressions: 1200, Saves: 45, Clicks: 102), readings["813744226420795884"]);
        var call = Assert.Single(_pinterest.Requests("/v5/pins/813744226420795884/analytics", "GET"));
        Assert.Equal("2026-03-02", Query(call, "start_date"));
        Assert.Equal("2026-03-10", Query(call, "end_date"));
        Assert.Equal("IMPRESSION,SAVE,PIN_CLICK,OUTBOUND_CLICK,VIDEO_MRC_VIEW,VIDEO_AVG_WATCH_TIME", Query(call, "metric_types"));
        Assert.Equal($"Bearer {PinterestFake.AccessToken}", PinterestFake.Header(call, "Authorization"));
    }

    [Fact]
    public async Task a_video_pin_adds_video_views_and_the_average_watch_time_in_seconds()
    {
        _pinterest.PinAnalytics("813744226420795885", new JsonObject
        {
            ["IMPRESSION"] = 5000,
            ["SAVE"] = 10,
            ["PIN_CLICK"] = 7,
            ["OUTBOUND_CLICK"] = 0,
            ["VIDEO_MRC_VIEW"] = 900,
            ["VIDEO_AVG_WATCH_TIME"] = 2507.75,
        });

        var reading = (await Read(new PublishedPostRef("813744226420795885", PinterestFake.Now.AddHours(-30))))["813744226420795885"];

        Assert.Equal(new PostMetricsReading(Impressions: 5000, Saves: 10, Clicks: 7, VideoViews: 900, AverageViewSeconds: 2.50775), reading);
        Assert.Null(reading.Likes);
        Assert.Null(reading.Reach);
    }

    [Fact]
    public async Task an_old_pin_is_read_over_the_last_90_days_only_and_a_deleted_pin_is_absent()
    {
        _pinterest.PinAnalytics("1", new JsonObject { ["IMPRESSION"] = 3 });
        _pinterest.Json("/v5/pins/2/analytics", 404, PinterestFake.Error(404, "Pin not found."), "GET");

        var readings = await Read(new PublishedPostRef("2", PinterestFake.Now.AddDays(-5)), new PublishedPostRef("1", PinterestFake.Now.AddDays(-120)));

        Assert.Equal(["1"], readings.Keys);
        Assert.Equal("2025-12-11", Query(Assert.Single(_pinterest.Requests("/v5/pins/1/analytics", "GET")), "start_date"));
        Assert.Equal(1, _pinterest.Metrics.BatchSize);
    }

    [Fact]
    public async Task a_429_waits_for_the_reset_and_a_401_is_auth_expired()
    {
        _pinterest.Server.Given(Request.Create().WithPath("/v5/pins/1/analytics").UsingGet()).RespondWith(Response.Create().WithStatusCode(429)
            .WithHeader("Content-Type", "application/json").WithHeader("x-ratelimit-reset", "1773154800")
            .WithBody(PinterestFake.Error(29, "You have exceeded your rate limit. Try again later.").ToJsonString()));
        var limited = await Assert.ThrowsAsync<PlatformException>(() => Read(new PublishedPostRef("1", PinterestFake.Now)));
        Assert.Equal(PlatformFailureKind.RateLimited, limited.Kind);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1773154800), limited.RetryAt);

        _pinterest.Server.Reset();
        _pinterest.Json("/v5/pins/1/analytics", 401, PinterestFake.Error(2, "Authentication failed."), "GET");
        Assert.Equal(PlatformFailureKind.AuthExpired, (await Assert.ThrowsAsync<PlatformException>(() => Read(new PublishedPostRef("1", PinterestFake.Now)))).Kind);
    }

    [Fact]
    public async Task the_audience_is_followers_following_and_pins()
    {
        _pinterest.Json("/v5/user_account", 200, new JsonObject
        {
            ["account_type"] = "BUSINESS",
            ["id"] = User.ExternalId,
            ["username"] = "nexus",
            ["follower_count"] = 7310,
            ["following_count"] = 120,
            ["pin_count"] = 890,
            ["monthly_views"] = 40000,
        }, "GET");

        Assert.Equal(new AudienceReading(7310, 120, 890), await _pinterest.Metrics.ReadAudienceAsync(User, PinterestFake.AccessToken, CancellationToken.None));
        Assert.Equal($"Bearer {PinterestFake.AccessToken}", PinterestFake.Header(Assert.Single(_pinterest.Requests("/v5/user_account", "GET")), "Authorization"));
    }

    [Fact]
    public void the_descriptor_declares_the_client_and_the_default_scopes_cover_it()
    {
        Assert.Equal(typeof(PinterestMetrics), new PinterestDescriptor().Metrics);
        Assert.Contains("pins:read", PinterestOptions.DefaultScopes);
        Assert.Contains("user_accounts:read", PinterestOptions.DefaultScopes);
    }
}
