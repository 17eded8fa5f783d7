using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using Nexus.Api.Platforms;
using Nexus.Api.Platforms.YouTube;

namespace Nexus.Api.Tests.Platforms.YouTube;

public sealed class YouTubeMetricsTests : IDisposable
{
    private static readonly PlatformAccount Channel = new("UC_x5XG1OV2P6uZZ5FSM9Ttw", "Nexus", null, null, AccountKind.Channel);
    private readonly YouTubeFake _yt = new();

    public void Dispose() => _yt.Dispose();

    private static string? Query(WireMock.IRequestMessage request, string name) =>
        QueryHelpers.ParseQuery(request.RawQuery ?? "").TryGetValue(name, out var value) ? value.ToString() : null;

    private Task<IReadOnlyDictionary<string, PostMetricsReading>> Read(params PublishedPostRef[] posts) =>
        _yt.Metrics.ReadPostsAsync(Channel, YouTubeFake.AccessToken, posts, CancellationToken.None);

    [Fact]
    public async Task statistics_and_watch_time_are_mapped_hidden_counts_are_null_and_a_deleted_video_is_absent()
    {
        _yt.VideoStatistics(
            ("dQw4w9WgXcQ", new JsonObject { ["viewCount"] = "15230", ["likeCount"] = "812", ["favoriteCount"] = "0", ["commentCount"] = "97" }),
            // Likes hidden by the owner, comments turned off: Google leaves the counts out.
            ("9bZkp7q19f0", new JsonObject { ["viewCount"] = "40", ["favoriteCount"] = "0" }));
        _yt.WatchTime(("dQw4w9WgXcQ", 2100, 83));

        var readings = await Read(
            new PublishedPostRef("dQw4w9WgXcQ", new DateTimeOffset(2026, 3, 3, 18, 0, 0, TimeSpan.Zero)),
            new PublishedPostRef("9bZkp7q19f0", new DateTimeOffset(2026, 3, 9, 8, 0, 0, TimeSpan.Zero)),
            new PublishedPostRef("deletedVid01", new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero)));

        Assert.Equal(new PostMetricsReading(Views: 15230, Likes: 812, Comments: 97, WatchTimeSeconds: 126000, AverageViewSeconds: 83), readings["dQw4w9WgXcQ"]);
        Assert.Equal(new PostMetricsReading(Views: 40), readings["9bZkp7q19f0"]);
        Assert.False(readings.ContainsKey("deletedVid01"));

        var list = Assert.Single(_yt.Requests("/youtube/v3/videos", "GET"));
        Assert.Equal("statistics", Query(list, "part"));
        Assert.Equal("dQw4w9WgXcQ,9bZkp7q19f0,deletedVid01", Query(list, "id"));
        Assert.Equal($"Bearer {YouTubeFake.AccessToken}", YouTubeFake.Header(list, "Authorization"));

        var report = Assert.Single(_yt.Requests("/v2/reports", "GET"));
        Assert.Equal("channel==MINE", Query(report, "ids"));
        Assert.Equal("2026-03-03", Query(report, "startDate"));
        Assert.Equal("2026-03-10", Query(report, "endDate"));
        Assert.Equal("estimatedMinutesWatched,averageViewDuration", Query(report, "metrics"));
        Assert.Equal("video", Query(report, "dimensions"));
        Assert.Equal("video==dQw4w9WgXcQ,9bZkp7q19f0", Query(report, "filters"));
        Assert.Equal($"Bearer {YouTubeFake.AccessToken}", YouTubeFake.Header(report, "Authorization"));
    }

    [Fact]
    public async Task a_refused_analytics_report_keeps_the_statistics_and_leaves_watch_time_null()
    {
        _yt.VideoStatistics(("dQw4w9WgXcQ", new JsonObject { ["viewCount"] = "15230", ["likeCount"] = "812", ["commentCount"] = "97" }));
        _yt.Json("/v2/reports", 403, YouTubeFake.ApiError(403, "accessNotConfigured", "YouTube Analytics API has not been used in project 1 before or it is disabled."), "GET");

        var readings = await Read(new PublishedPostRef("dQw4w9WgXcQ", YouTubeFake.Now.AddDays(-2)));

        Assert.Equal(new PostMetricsReading(Views: 15230, Likes: 812, Comments: 97), readings["dQw4w9WgXcQ"]);
    }

    [Fact]
    public async Task sixty_videos_take_two_list_requests()
    {
        _yt.VideoStatistics();

        var readings = await Read([.. Enumerable.Range(1, 60).Select(i => new PublishedPostRef($"video{i:D7}", YouTubeFake.Now.AddDays(-1)))]);

        Assert.Empty(readings);
        Assert.Equal(50, _yt.Metrics.BatchSize);
        Assert.Equal([50, 10], _yt.Requests("/youtube/v3/videos", "GET").DistinctBy(r => r.RawQuery).Select(r => Query(r, "id")!.Split(',').Length));
        Assert.Empty(_yt.Requests("/v2/reports"));
    }

    [Fact]
    public async Task the_quota_waits_for_midnight_pacific_and_a_401_is_auth_expired()
    {
        _yt.Json("/youtube/v3/videos", 403, YouTubeFake.ApiError(403, "quotaExceeded", "The request cannot be completed because you have exceeded your quota."), "GET");
        var limited = await Assert.ThrowsAsync<PlatformException>(() => Read(new PublishedPostRef("dQw4w9WgXcQ", YouTubeFake.Now)));
        Assert.Equal(PlatformFailureKind.RateLimited, limited.Kind);
        // 2026-03-10 12:00 UTC is 05:00 PDT; the next midnight there is 07:00 UTC the next day.
        Assert.Equal(new DateTimeOffset(2026, 3, 11, 7, 0, 0, TimeSpan.Zero), limited.RetryAt);

        _yt.Server.Reset();
        _yt.Json("/youtube/v3/videos", 401, new JsonObject { ["error"] = new JsonObject { ["code"] = 401, ["message"] = "Request had invalid authentication credentials.", ["status"] = "UNAUTHENTICATED" } }, "GET");
        Assert.Equal(PlatformFailureKind.AuthExpired, (await Assert.ThrowsAsync<PlatformException>(() => Read(new PublishedPostRef("dQw4w9WgXcQ", YouTubeFake.Now)))).Kind);
    }

    [Fact]
    public async Task the_audience_is_subscribers_and_videos_and_hidden_subscribers_are_null()
    {
        _yt.Json("/youtube/v3/channels", 200, new JsonObject
        {
            ["kind"] = "youtube#channelListResponse",
            ["items"] = new JsonArray(new JsonObject
            {
                ["kind"] = "youtube#channel",
                ["id"] = Channel.ExternalId,
                ["statistics"] = new JsonObject { ["viewCount"] = "1200000", ["subscriberCount"] = "20400", ["hiddenSubscriberCount"] = false, ["videoCount"] = "318" },
            }),
        }, "GET");

        Assert.Equal(new AudienceReading(20400, null, 318), await _yt.Metrics.ReadAudienceAsync(Channel, YouTubeFake.AccessToken, CancellationToken.None));
        var call = Assert.Single(_yt.Requests("/youtube/v3/channels", "GET"));
        Assert.Equal("statistics", Query(call, "part"));
        Assert.Equal("true", Query(call, "mine"));

        _yt.Server.Reset();
        _yt.Json("/youtube/v3/channels", 200, new JsonObject
        {
            ["items"] = new JsonArray(new JsonObject { ["id"] = Channel.ExternalId, ["statistics"] = new JsonObject { ["viewCount"] = "10", ["hiddenSubscriberCount"] = true, ["videoCount"] = "2" } }),
        }, "GET");
        Assert.Equal(new AudienceReading(null, null, 2), await _yt.Metrics.ReadAudienceAsync(Channel, YouTubeFake.AccessToken, CancellationToken.None));
    }

    [Fact]
    public void the_descriptor_declares_the_client_and_the_default_scopes_cover_it()
    {
        Assert.Equal(typeof(YouTubeMetrics), new YouTubeDescriptor().Metrics);
        Assert.Contains("https://www.googleapis.com/auth/youtube.readonly", YouTubeOptions.DefaultScopes);
        Assert.Contains("https://www.googleapis.com/auth/yt-analytics.readonly", YouTubeOptions.DefaultScopes);
    }
}
