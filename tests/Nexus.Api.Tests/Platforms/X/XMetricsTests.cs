using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Nexus.Api.Platforms;
using Nexus.Api.Platforms.X;
using WireMock.Logging;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Nexus.Api.Tests.Platforms.X;

public sealed class XMetricsTests : IDisposable
{
    private static readonly PlatformAccount Account = new("2244994945", "X Dev", "XDevelopers", null, AccountKind.Person);
    private readonly XHarness _x = new();

    public void Dispose() => _x.Dispose();

    // GET /2/tweets as X documents it: data[] with public_metrics (and non_public_metrics when asked), includes.media with
    // the videos' public_metrics.view_count, and errors[] naming ids it could not find.
    private const string TweetsBody = """
        {
          "data": [
            {
              "id": "1460323737035677698",
              "text": "Introducing a new era for the Twitter Developer Platform!",
              "attachments": { "media_keys": ["7_1460322142680072196"] },
              "public_metrics": { "retweet_count": 12, "reply_count": 5, "like_count": 140, "quote_count": 3, "bookmark_count": 9, "impression_count": 5400 },
              "non_public_metrics": { "impression_count": 5400, "url_link_clicks": 31, "user_profile_clicks": 7 },
              "edit_history_tweet_ids": ["1460323737035677698"]
            },
            {
              "id": "1460323737035677699",
              "text": "Text only",
              "public_metrics": { "retweet_count": 0, "reply_count": 1, "like_count": 2, "quote_count": 0, "bookmark_count": 0, "impression_count": 80 },
              "edit_history_tweet_ids": ["1460323737035677699"]
            }
          ],
          "includes": {
            "media": [ { "media_key": "7_1460322142680072196", "type": "video", "public_metrics": { "view_count": 2100 } } ]
          },
          "errors": [
            {
              "value": "1460323737035677700",
              "detail": "Could not find tweet with ids: [1460323737035677700].",
              "title": "Not Found Error",
              "resource_type": "tweet",
              "parameter": "ids",
              "resource_id": "1460323737035677700",
              "type": "https://api.twitter.com/2/problems/resource-not-found"
            }
          ]
        }
        """;

    private static IResponseBuilder Json(string body, int status = 200) =>
        Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/json").WithBody(body, encoding: Encoding.UTF8);

    private static PublishedPostRef Recent(string id) => new(id, XHarness.Now.AddDays(-2));

    private static string? Query(ILogEntry entry, string name) =>
        QueryHelpers.ParseQuery(entry.RequestMessage!.RawQuery ?? "").TryGetValue(name, out var value) ? value.ToString() : null;

    private Task<IReadOnlyDictionary<string, PostMetricsReading>> Read(IReadOnlyList<PublishedPostRef> posts) =>
        _x.Metrics.ReadPostsAsync(Account, XHarness.AccessToken, posts, CancellationToken.None);

    [Fact]
    public async Task recent_own_posts_map_public_and_non_public_metrics_and_video_views_and_an_unknown_id_is_absent()
    {
        _x.Server.Given(Request.Create().WithPath("/2/tweets").UsingGet()).RespondWith(Json(TweetsBody));

        var readings = await Read([Recent("1460323737035677698"), Recent("1460323737035677699"), Recent("1460323737035677700")]);

        Assert.Equal(new PostMetricsReading(Impressions: 5400, Likes: 140, Comments: 5, Shares: 15, Saves: 9, Clicks: 31, VideoViews: 2100),
            readings["1460323737035677698"]);
        Assert.Equal(new PostMetricsReading(Impressions: 80, Likes: 2, Comments: 1, Shares: 0, Saves: 0), readings["1460323737035677699"]);
        Assert.False(readings.ContainsKey("1460323737035677700"));

        // One request (a slow first answer from WireMock can make the pipeline repeat the same GET).
        var call = Assert.Single(_x.Requests("/2/tweets").DistinctBy(c => c.RequestMessage!.RawQuery));
        Assert.Equal("1460323737035677698,1460323737035677699,1460323737035677700", Query(call, "ids"));
        Assert.Equal("public_metrics,non_public_metrics", Query(call, "tweet.fields"));
        Assert.Equal("attachments.media_keys", Query(call, "expansions"));
        Assert.Equal("public_metrics,type", Query(call, "media.fields"));
        Assert.Equal($"Bearer {XHarness.AccessToken}", call.Header("Authorization"));
    }

    [Fact]
    public async Task posts_older_than_30_days_are_asked_for_public_metrics_only_and_have_no_clicks()
    {
        _x.Server.Given(Request.Create().WithPath("/2/tweets").UsingGet()).RespondWith(Json("""
            {"data":[{"id":"1","text":"old","public_metrics":{"retweet_count":1,"reply_count":0,"like_count":4,"quote_count":1,"bookmark_count":2,"impression_count":900}}]}
            """));

        var readings = await Read([new PublishedPostRef("1", XHarness.Now.AddDays(-31)), Recent("2")]);

        var calls = _x.Requests("/2/tweets").DistinctBy(c => c.RequestMessage!.RawQuery).ToList();
        Assert.Equal(2, calls.Count);
        Assert.Contains(calls, c => Query(c, "ids") == "1" && Query(c, "tweet.fields") == "public_metrics");
        Assert.Contains(calls, c => Query(c, "ids") == "2" && Query(c, "tweet.fields") == "public_metrics,non_public_metrics");
        Assert.Equal(new PostMetricsReading(Impressions: 900, Likes: 4, Comments: 0, Shares: 2, Saves: 2), readings["1"]);
        Assert.Null(readings["1"].Clicks);
        Assert.Null(readings["1"].Reach);
    }

    [Fact]
    public async Task a_batch_holds_at_most_100_ids()
    {
        _x.Server.Given(Request.Create().WithPath("/2/tweets").UsingGet()).RespondWith(Json("""{"errors":[{"title":"Not Found Error","detail":"Could not find tweet"}]}"""));

        var readings = await Read([.. Enumerable.Range(1, 150).Select(i => Recent(i.ToString(System.Globalization.CultureInfo.InvariantCulture)))]);

        Assert.Empty(readings);
        Assert.Equal(100, _x.Metrics.BatchSize);
        Assert.Equal([100, 50], _x.Requests("/2/tweets").DistinctBy(c => c.RequestMessage!.RawQuery).Select(c => Query(c, "ids")!.Split(',').Length).Order().Reverse());
    }

    [Fact]
    public async Task a_429_is_a_rate_limit_until_x_rate_limit_reset()
    {
        _x.Server.Given(Request.Create().WithPath("/2/tweets").UsingGet())
            .RespondWith(Json("""{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}""", 429)
                .WithHeader("x-rate-limit-limit", "15").WithHeader("x-rate-limit-remaining", "0").WithHeader("x-rate-limit-reset", "1793704500"));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => Read([Recent("1")]));

        Assert.Equal(PlatformFailureKind.RateLimited, failure.Kind);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1793704500), failure.RetryAt);
    }

    [Fact]
    public async Task a_401_is_auth_expired()
    {
        _x.Server.Given(Request.Create().WithPath("/2/tweets").UsingGet())
            .RespondWith(Json("""{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}""", 401));

        Assert.Equal(PlatformFailureKind.AuthExpired, (await Assert.ThrowsAsync<PlatformException>(() => Read([Recent("1")]))).Kind);
    }

    [Fact]
    public async Task the_audience_is_the_users_public_metrics()
    {
        _x.Server.Given(Request.Create().WithPath("/2/users/me").UsingGet()).RespondWith(Json("""
            {"data":{"id":"2244994945","name":"X Dev","username":"XDevelopers","public_metrics":{"followers_count":583423,"following_count":2048,"tweet_count":14052,"listed_count":1672,"like_count":3400}}}
            """));

        var audience = await _x.Metrics.ReadAudienceAsync(Account, XHarness.AccessToken, CancellationToken.None);

        Assert.Equal(new AudienceReading(583423, 2048, 14052), audience);
        var call = Assert.Single(_x.Requests("/2/users/me"));
        Assert.Equal("public_metrics", Query(call, "user.fields"));
        Assert.Equal($"Bearer {XHarness.AccessToken}", call.Header("Authorization"));
    }

    [Fact]
    public void the_descriptor_declares_the_client_and_the_default_scopes_cover_it()
    {
        Assert.Equal(typeof(XMetrics), new XDescriptor().Metrics);
        Assert.Contains("tweet.read", XOptions.DefaultScopes);
        Assert.Contains("users.read", XOptions.DefaultScopes);
    }
}
