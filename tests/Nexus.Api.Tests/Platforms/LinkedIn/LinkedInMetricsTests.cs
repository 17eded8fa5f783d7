using System.Text;
using Nexus.Api.Platforms;
using Nexus.Api.Platforms.LinkedIn;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Nexus.Api.Tests.Platforms.LinkedIn;

public sealed class LinkedInMetricsTests : IDisposable
{
    private const string Share = "urn:li:share:7100000000000000001";
    private const string UgcPost = "urn:li:ugcPost:7100000000000000002";
    private static readonly PlatformAccount Organization = new("2414183", "Nexus Inc", null, null, AccountKind.Organization);
    private static readonly PlatformAccount Member = new("yrZCpj2Z12", "Ada Lovelace", null, null, AccountKind.Person);
    private readonly LinkedInHarness _li = new();

    public void Dispose() => _li.Dispose();

    private static IResponseBuilder Json(string body, int status = 200) =>
        Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/json").WithBody(body, encoding: Encoding.UTF8);

    private static PublishedPostRef Post(string urn) => new(urn, LinkedInHarness.Now.AddDays(-3));

    private static string Statistics(string key, string urn, long impressions, long unique, long clicks, long likes, long comments, long shares) => $$"""
        {"totalShareStatistics":{"uniqueImpressionsCount":{{unique}},"shareCount":{{shares}},"engagement":0.031,"clickCount":{{clicks}},"likeCount":{{likes}},"impressionCount":{{impressions}},"commentCount":{{comments}}},
         "{{key}}":"{{urn}}","organizationalEntity":"urn:li:organization:2414183"}
        """;

    [Fact]
    public async Task an_organizations_shares_and_ugc_posts_are_read_in_one_request_and_mapped()
    {
        _li.Server.Given(Request.Create().WithPath("/rest/organizationalEntityShareStatistics").UsingGet()).RespondWith(Json($$"""
            {"paging":{"start":0,"count":10,"links":[]},"elements":[
              {{Statistics("share", Share, 2100, 1200, 61, 28, 3, 4)}},
              {{Statistics("ugcPost", UgcPost, 900, 700, 12, 9, 1, 0)}}
            ]}
            """));

        var readings = await _li.Metrics.ReadPostsAsync(Organization, LinkedInHarness.AccessToken, [Post(Share), Post(UgcPost), Post("urn:li:share:7100000000000000009")], CancellationToken.None);

        Assert.Equal(new PostMetricsReading(Impressions: 2100, Reach: 1200, Likes: 28, Comments: 3, Shares: 4, Clicks: 61), readings[Share]);
        Assert.Equal(new PostMetricsReading(Impressions: 900, Reach: 700, Likes: 9, Comments: 1, Shares: 0, Clicks: 12), readings[UgcPost]);
        Assert.Equal(2, readings.Count);

        var call = Assert.Single(_li.Requests("/rest/organizationalEntityShareStatistics").DistinctBy(e => e.RequestMessage!.RawQuery));
        call.AssertRestHeaders();
        var query = call.RequestMessage!.RawQuery!;
        Assert.Contains("q=organizationalEntity", query, StringComparison.Ordinal);
        Assert.Contains("organizationalEntity=urn%3Ali%3Aorganization%3A2414183", query, StringComparison.Ordinal);
        Assert.Contains("shares=List(urn%3Ali%3Ashare%3A7100000000000000001,urn%3Ali%3Ashare%3A7100000000000000009)", query, StringComparison.Ordinal);
        Assert.Contains("ugcPosts=List(urn%3Ali%3AugcPost%3A7100000000000000002)", query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task an_organizations_posts_go_20_to_a_request()
    {
        _li.Server.Given(Request.Create().WithPath("/rest/organizationalEntityShareStatistics").UsingGet()).RespondWith(Json("""{"paging":{"start":0,"count":10,"links":[]},"elements":[]}"""));

        await _li.Metrics.ReadPostsAsync(Organization, LinkedInHarness.AccessToken,
            [.. Enumerable.Range(1, 25).Select(i => Post($"urn:li:share:{7100000000000000000 + i}"))], CancellationToken.None);

        Assert.Equal(2, _li.Requests("/rest/organizationalEntityShareStatistics").DistinctBy(e => e.RequestMessage!.RawQuery).Count());
    }

    [Fact]
    public async Task a_members_post_is_read_one_figure_a_request_and_has_no_clicks()
    {
        foreach (var (queryType, count) in new[] { ("IMPRESSION", 1534L), ("MEMBERS_REACHED", 1002L), ("REACTION", 47L), ("COMMENT", 6L), ("RESHARE", 2L) })
        {
            _li.Server.Given(Request.Create().WithPath("/rest/memberCreatorPostAnalytics").WithParam("queryType", queryType).UsingGet()).RespondWith(Json($$$"""
                {"paging":{"start":0,"count":10,"links":[]},"elements":[{"count":{{{count}}},"metricType":{"com.linkedin.adsexternalapi.memberanalytics.v1.CreatorPostAnalyticsMetricTypeV1":"{{{queryType}}}"}}]}
                """));
        }

        var readings = await _li.Metrics.ReadPostsAsync(Member, LinkedInHarness.AccessToken, [Post(Share)], CancellationToken.None);

        Assert.Equal(new PostMetricsReading(Impressions: 1534, Reach: 1002, Likes: 47, Comments: 6, Shares: 2), readings[Share]);
        var calls = _li.Requests("/rest/memberCreatorPostAnalytics").DistinctBy(e => e.RequestMessage!.RawQuery).ToList();
        Assert.Equal(5, calls.Count);
        Assert.All(calls, c =>
        {
            c.AssertRestHeaders();
            Assert.Contains("q=entity&entity=(share:urn%3Ali%3Ashare%3A7100000000000000001)", c.RequestMessage!.RawQuery, StringComparison.Ordinal);
            Assert.Contains("aggregation=TOTAL", c.RequestMessage.RawQuery, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task a_figure_linkedin_returns_no_element_for_is_null_and_a_deleted_post_is_absent()
    {
        _li.Server.Given(Request.Create().WithPath("/rest/memberCreatorPostAnalytics").UsingGet())
            .AtPriority(10).RespondWith(Json("""{"paging":{"start":0,"count":10,"links":[]},"elements":[]}"""));
        _li.Server.Given(Request.Create().WithPath("/rest/memberCreatorPostAnalytics").WithParam("entity", new WireMock.Matchers.WildcardMatcher("*ugcPost*7100000000000000002*")).UsingGet())
            .AtPriority(1).RespondWith(Json("""{"status":404,"code":"NOT_FOUND","message":"Not Found"}""", 404));

        var readings = await _li.Metrics.ReadPostsAsync(Member, LinkedInHarness.AccessToken, [Post(Share), Post(UgcPost)], CancellationToken.None);

        Assert.Equal(new PostMetricsReading(), readings[Share]);
        Assert.False(readings.ContainsKey(UgcPost));
    }

    [Fact]
    public async Task a_429_waits_for_midnight_utc_and_a_401_is_auth_expired()
    {
        _li.Server.Given(Request.Create().WithPath("/rest/organizationalEntityShareStatistics").UsingGet())
            .RespondWith(Json("""{"status":429,"code":"TOO_MANY_REQUESTS","message":"Resource level throttle APPLICATION DAY limit for calls to this resource is reached."}""", 429));
        var limited = await Assert.ThrowsAsync<PlatformException>(() => _li.Metrics.ReadPostsAsync(Organization, LinkedInHarness.AccessToken, [Post(Share)], CancellationToken.None));
        Assert.Equal(PlatformFailureKind.RateLimited, limited.Kind);
        Assert.Equal(new DateTimeOffset(2026, 11, 4, 0, 0, 0, TimeSpan.Zero), limited.RetryAt);

        _li.Server.Reset();
        _li.Server.Given(Request.Create().WithPath("/rest/organizationalEntityShareStatistics").UsingGet())
            .RespondWith(Json("""{"status":401,"serviceErrorCode":65601,"code":"REVOKED_ACCESS_TOKEN","message":"The token used in the request has been revoked by the user"}""", 401));
        var expired = await Assert.ThrowsAsync<PlatformException>(() => _li.Metrics.ReadPostsAsync(Organization, LinkedInHarness.AccessToken, [Post(Share)], CancellationToken.None));
        Assert.Equal(PlatformFailureKind.AuthExpired, expired.Kind);
    }

    [Fact]
    public async Task the_audience_is_the_organizations_followers_or_the_members()
    {
        _li.Server.Given(Request.Create().WithPath(new WireMock.Matchers.WildcardMatcher("/rest/networkSizes/*")).UsingGet()).RespondWith(Json("""{"firstDegreeSize":18240}"""));
        _li.Server.Given(Request.Create().WithPath("/rest/memberFollowersCount").WithParam("q", "me").UsingGet())
            .RespondWith(Json("""{"paging":{"start":0,"count":10,"links":[]},"elements":[{"memberFollowersCount":912}]}"""));

        Assert.Equal(new AudienceReading(18240), await _li.Metrics.ReadAudienceAsync(Organization, LinkedInHarness.AccessToken, CancellationToken.None));
        Assert.Equal(new AudienceReading(912), await _li.Metrics.ReadAudienceAsync(Member, LinkedInHarness.AccessToken, CancellationToken.None));

        var network = Assert.Single(_li.Server.LogEntries, e => e.RequestMessage!.Path.StartsWith("/rest/networkSizes/", StringComparison.Ordinal));
        network.AssertRestHeaders();
        Assert.EndsWith("urn:li:organization:2414183", Uri.UnescapeDataString(network.RequestMessage!.Path), StringComparison.Ordinal);
        Assert.Contains("edgeType=COMPANY_FOLLOWED_BY_MEMBER", network.RequestMessage.RawQuery, StringComparison.Ordinal);
    }

    [Fact]
    public void the_descriptor_declares_the_client_and_the_community_management_scopes_include_the_analytics_ones()
    {
        Assert.Equal(typeof(LinkedInMetrics), new LinkedInDescriptor().Metrics);
        Assert.Contains("r_organization_social", LinkedInOptions.OrganizationScopes);
        Assert.Contains("r_member_postAnalytics", LinkedInOptions.OrganizationScopes);
    }
}
