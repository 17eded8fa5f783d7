using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using Nexus.Api.Platforms;
using Nexus.Api.Platforms.TikTok;

namespace Nexus.Api.Tests.Platforms.TikTok;

public sealed class TikTokMetricsTests : IDisposable
{
    private static readonly PlatformAccount Creator = new("open-id-1", "Creator", "creator", null, AccountKind.Person);
    private readonly TikTokFake _tiktok = new();

    public void Dispose() => _tiktok.Dispose();

    private static PublishedPostRef Post(string id) => new(id, TikTokFake.Now.AddDays(-1));

    private static string? Query(WireMock.IRequestMessage request, string name) =>
        QueryHelpers.ParseQuery(request.RawQuery ?? "").TryGetValue(name, out var value) ? value.ToString() : null;

    [Fact]
    public async Task videos_map_views_likes_comments_and_shares_and_have_no_impressions_reach_or_saves()
    {
        _tiktok.Videos(("7080213458555737986", 12000, 980, 71, 33));

        var readings = await _tiktok.Metrics.ReadPostsAsync(Creator, TikTokFake.AccessToken, [Post("7080213458555737986"), Post("7080213458555737999")], CancellationToken.None);

        Assert.Equal(new PostMetricsReading(Views: 12000, Likes: 980, Comments: 71, Shares: 33), readings["7080213458555737986"]);
        Assert.False(readings.ContainsKey("7080213458555737999"));
        var call = Assert.Single(_tiktok.Requests("/v2/video/query/"));
        Assert.Equal("POST", call.Method);
        Assert.Equal("id,view_count,like_count,comment_count,share_count", Query(call, "fields"));
        Assert.Equal($"Bearer {TikTokFake.AccessToken}", TikTokFake.Header(call, "Authorization"));
        Assert.Equal(["7080213458555737986", "7080213458555737999"], TikTokFake.Body(call)["filters"]!["video_ids"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    [Fact]
    public async Task twenty_five_videos_take_two_requests_of_twenty_and_five()
    {
        _tiktok.Videos();

        await _tiktok.Metrics.ReadPostsAsync(Creator, TikTokFake.AccessToken, [.. Enumerable.Range(1, 25).Select(i => Post($"70802134585557{i:D5}"))], CancellationToken.None);

        Assert.Equal(20, _tiktok.Metrics.BatchSize);
        Assert.Equal([20, 5], _tiktok.Requests("/v2/video/query/").Select(r => TikTokFake.Body(r)["filters"]!["video_ids"]!.AsArray().Count));
    }

    [Fact]
    public async Task a_rate_limit_waits_a_minute_and_an_invalid_token_is_auth_expired()
    {
        _tiktok.Json("/v2/video/query/", 429, new JsonObject { ["data"] = new JsonObject(), ["error"] = TikTokFake.Error("rate_limit_exceeded", "Too many requests.") });
        var limited = await Assert.ThrowsAsync<PlatformException>(() => _tiktok.Metrics.ReadPostsAsync(Creator, TikTokFake.AccessToken, [Post("1")], CancellationToken.None));
        Assert.Equal(PlatformFailureKind.RateLimited, limited.Kind);
        Assert.Equal(TikTokFake.Now.AddMinutes(1), limited.RetryAt);

        _tiktok.Server.Reset();
        _tiktok.Json("/v2/video/query/", 401, new JsonObject { ["data"] = new JsonObject(), ["error"] = TikTokFake.Error("access_token_invalid", "The access token is invalid or not found in the request.") });
        var expired = await Assert.ThrowsAsync<PlatformException>(() => _tiktok.Metrics.ReadPostsAsync(Creator, TikTokFake.AccessToken, [Post("1")], CancellationToken.None));
        Assert.Equal(PlatformFailureKind.AuthExpired, expired.Kind);
    }

    [Fact]
    public async Task the_audience_is_followers_following_and_videos()
    {
        _tiktok.Json("/v2/user/info/", 200, new JsonObject
        {
            ["data"] = new JsonObject { ["user"] = new JsonObject { ["follower_count"] = 40213, ["following_count"] = 88, ["likes_count"] = 912000, ["video_count"] = 143 } },
            ["error"] = TikTokFake.Ok(),
        }, "GET");

        var audience = await _tiktok.Metrics.ReadAudienceAsync(Creator, TikTokFake.AccessToken, CancellationToken.None);

        Assert.Equal(new AudienceReading(40213, 88, 143), audience);
        var call = Assert.Single(_tiktok.Requests("/v2/user/info/"));
        Assert.Equal("follower_count,following_count,video_count", Query(call, "fields"));
        Assert.Equal($"Bearer {TikTokFake.AccessToken}", TikTokFake.Header(call, "Authorization"));
    }

    [Fact]
    public void the_descriptor_declares_the_client_and_the_default_scopes_cover_it()
    {
        Assert.Equal(typeof(TikTokMetrics), new TikTokDescriptor().Metrics);
        Assert.Contains("video.list", TikTokOptions.DefaultScopes);
        Assert.Contains("user.info.stats", TikTokOptions.DefaultScopes);
    }
}
