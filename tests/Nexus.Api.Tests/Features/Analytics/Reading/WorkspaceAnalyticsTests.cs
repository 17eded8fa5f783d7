using System.Text.Json;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Posts;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Analytics.Reading;

[Collection(ApiCollection.Name)]
public sealed class WorkspaceAnalyticsTests(ApiFixture api)
{
    private const string Figures = "postsPublished targetsPublished targetsMeasured impressions reach views likes comments shares saves clicks videoViews watchTimeSeconds averageViewSeconds engagements engagementRate";

    private const string Analytics = "query ($id: ID!, $from: DateTime!, $to: DateTime!, $platforms: [PlatformId!], $interval: AnalyticsInterval) { workspace(id: $id) { " +
        "analytics(from: $from, to: $to, platforms: $platforms, interval: $interval) { from to previousFrom timeZone totals { " + Figures + " } previous { " + Figures + " } " +
        "series { date start end figures { postsPublished engagements } } byPlatform { platform figures { " + Figures + " } } } } }";

    private static readonly DateTimeOffset From = new(2027, 5, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset To = new(2027, 5, 11, 0, 0, 0, TimeSpan.Zero);

    private async Task<(Person Owner, string Workspace, Guid WorkspaceId)> WorkspaceAsync(string timeZone = "Europe/Berlin")
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner, timeZone: timeZone);
        return (owner, workspace, AnalyticsSeed.Raw(workspace));
    }

    private Task<Guid> SeedAsync(Guid workspace, string platform, DateTimeOffset at, Reading? reading, Guid? post = null) =>
        AnalyticsSeed.TargetAsync(api.ConnectionString, workspace, post ?? Guid.NewGuid(), Guid.NewGuid(), platform, at, reading);

    private async Task<JsonElement> AnalyticsAsync(Person person, string workspace, DateTimeOffset from, DateTimeOffset to, string[]? platforms = null, string interval = "DAY")
    {
        var response = await api.Host.AsAsync(person, Analytics, new { id = workspace, from = from.ToString("O"), to = to.ToString("O"), platforms, interval });
        Assert.True(response.Errors.Length == 0, response.Body.ToString());
        return response.Data.GetProperty("workspace").GetProperty("analytics");
    }

    private static DateTimeOffset At(string text) => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    private static long? Long(JsonElement figures, string name) => figures.GetProperty(name).ValueKind == JsonValueKind.Null ? null : figures.GetProperty(name).GetInt64();

    [Fact]
    public async Task totals_sum_what_platforms_give_leave_absent_figures_null_and_rate_by_impressions_or_else_reach()
    {
        var (owner, workspace, id) = await WorkspaceAsync();
        var shared = Guid.NewGuid();
        // Impressions given: rate on impressions. 10 + 5 + 5 = 20 engagements over 1,000.
        await SeedAsync(id, "Instagram", From.AddDays(1), new(Impressions: 1000, Reach: 800, Likes: 10, Comments: 5, Saves: 5, VideoViews: 100, WatchTimeSeconds: 1000, AverageViewSeconds: 10), shared);
        // No impressions: rate on reach. 20 + 4 = 24 over 400. Same post as the first: one post, two targets.
        await SeedAsync(id, "LinkedIn", From.AddDays(2), new(Reach: 400, Likes: 20, Shares: 4, Clicks: 7), shared);
        // Neither: its 100 engagements count, but not in the rate.
        await SeedAsync(id, "TikTok", From.AddDays(3), new(Views: 5000, Likes: 100, VideoViews: 300, AverageViewSeconds: 20));
        // Published, not measured yet: counted as published, adds no figure.
        await SeedAsync(id, "X", From.AddDays(4), null);
        // At `from` counts; at `to` does not.
        await SeedAsync(id, "X", From, new(Impressions: 600, Likes: 0));
        await SeedAsync(id, "X", To, new(Impressions: 999_999, Likes: 999_999));
        // The previous period [from - 10 days, from) and before it.
        await SeedAsync(id, "Instagram", From.AddDays(-3), new(Impressions: 100, Likes: 1));
        await SeedAsync(id, "Instagram", From.AddDays(-11), new(Impressions: 100, Likes: 50));
        // Another workspace's targets never count.
        await SeedAsync(Guid.NewGuid(), "Instagram", From.AddDays(1), new(Impressions: 5, Likes: 5));

        var analytics = await AnalyticsAsync(owner, workspace, From, To);
        var totals = analytics.GetProperty("totals");
        Assert.Equal(4, totals.GetProperty("postsPublished").GetInt32());
        Assert.Equal(5, totals.GetProperty("targetsPublished").GetInt32());
        Assert.Equal(4, totals.GetProperty("targetsMeasured").GetInt32());
        Assert.Equal(1600, Long(totals, "impressions"));
        Assert.Equal(1200, Long(totals, "reach"));
        Assert.Equal(5000, Long(totals, "views"));
        Assert.Equal(130, Long(totals, "likes"));
        Assert.Equal(5, Long(totals, "comments"));
        Assert.Equal(4, Long(totals, "shares"));
        Assert.Equal(5, Long(totals, "saves"));
        Assert.Equal(7, Long(totals, "clicks"));
        Assert.Equal(400, Long(totals, "videoViews"));
        Assert.Equal(1000, totals.GetProperty("watchTimeSeconds").GetDouble());
        // Weighted by video views: (10 × 100 + 20 × 300) ÷ 400.
        Assert.Equal(17.5, totals.GetProperty("averageViewSeconds").GetDouble(), 6);
        Assert.Equal(144, Long(totals, "engagements"));
        // (20 + 24 + 0) ÷ (1,000 + 400 + 600): sums, never an average of rates.
        Assert.Equal(44.0 / 2000, totals.GetProperty("engagementRate").GetDouble(), 9);

        var previous = analytics.GetProperty("previous");
        Assert.Equal(From.AddDays(-10), analytics.GetProperty("previousFrom").GetDateTimeOffset());
        Assert.Equal(1, previous.GetProperty("postsPublished").GetInt32());
        Assert.Equal(1, Long(previous, "engagements"));
        Assert.Equal(0.01, previous.GetProperty("engagementRate").GetDouble(), 9);
        Assert.Null(Long(previous, "reach"));
        Assert.Equal(JsonValueKind.Null, previous.GetProperty("averageViewSeconds").ValueKind);

        var byPlatform = analytics.GetProperty("byPlatform").EnumerateArray().ToDictionary(p => p.GetProperty("platform").GetString()!, p => p.GetProperty("figures"));
        Assert.Equal(["INSTAGRAM", "LINKEDIN", "TIKTOK", "X"], byPlatform.Keys.Order());
        Assert.Equal(0.02, byPlatform["INSTAGRAM"].GetProperty("engagementRate").GetDouble(), 9);
        Assert.Equal(0.06, byPlatform["LINKEDIN"].GetProperty("engagementRate").GetDouble(), 9);
        Assert.Equal(JsonValueKind.Null, byPlatform["TIKTOK"].GetProperty("engagementRate").ValueKind);
        Assert.Equal(100, Long(byPlatform["TIKTOK"], "engagements"));
        Assert.Equal(2, byPlatform["X"].GetProperty("targetsPublished").GetInt32());
        Assert.Equal(0, Long(byPlatform["X"], "engagements"));
        Assert.Equal(0.0, byPlatform["X"].GetProperty("engagementRate").GetDouble());

        var filtered = await AnalyticsAsync(owner, workspace, From, To, ["INSTAGRAM", "LINKEDIN"]);
        Assert.Equal(1, filtered.GetProperty("totals").GetProperty("postsPublished").GetInt32());
        Assert.Equal(44, Long(filtered.GetProperty("totals"), "engagements"));
        Assert.Equal(44.0 / 1400, filtered.GetProperty("totals").GetProperty("engagementRate").GetDouble(), 9);
        Assert.Equal(1, Long(filtered.GetProperty("previous"), "engagements"));
    }

    [Fact]
    public async Task a_workspace_without_published_posts_has_zero_posts_and_null_figures()
    {
        var (owner, workspace, _) = await WorkspaceAsync();
        var analytics = await AnalyticsAsync(owner, workspace, From, To);
        Assert.Equal(0, analytics.GetProperty("totals").GetProperty("postsPublished").GetInt32());
        Assert.Equal(JsonValueKind.Null, analytics.GetProperty("totals").GetProperty("engagements").ValueKind);
        Assert.Equal(JsonValueKind.Null, analytics.GetProperty("totals").GetProperty("engagementRate").ValueKind);
        // Midnight UTC is 02:00 in Berlin: the range touches 11 local days.
        Assert.Equal(11, analytics.GetProperty("series").GetArrayLength());
        Assert.Empty(analytics.GetProperty("byPlatform").EnumerateArray());
    }

    [Fact]
    public async Task days_are_local_days_of_the_workspace_zone_with_23_and_25_hours_across_daylight_saving()
    {
        var (owner, workspace, id) = await WorkspaceAsync("Europe/Berlin");
        // Spring: 2027-03-28 (a Sunday) has 23 hours in Berlin. Local 00:30 (+01:00) and 23:30 (+02:00) are both on the 28th.
        await SeedAsync(id, "Instagram", At("2027-03-28T00:30:00+01:00"), new(Likes: 1));
        await SeedAsync(id, "Instagram", At("2027-03-28T23:30:00+02:00"), new(Likes: 2));
        await SeedAsync(id, "Instagram", At("2027-03-29T00:30:00+02:00"), new(Likes: 4));
        // Autumn: 2027-10-31 has 25 hours. Local 00:30 (+02:00) and 23:30 (+01:00) are on the 31st; 00:30 on 1 November is November.
        await SeedAsync(id, "Instagram", At("2027-10-31T00:30:00+02:00"), new(Likes: 8));
        await SeedAsync(id, "Instagram", At("2027-10-31T23:30:00+01:00"), new(Likes: 16));
        await SeedAsync(id, "Instagram", At("2027-11-01T00:30:00+01:00"), new(Likes: 32));

        var spring = (await AnalyticsAsync(owner, workspace, At("2027-03-27T00:00:00+01:00"), At("2027-03-30T00:00:00+02:00")))
            .GetProperty("series").EnumerateArray().ToList();
        Assert.Equal(["2027-03-27", "2027-03-28", "2027-03-29"], spring.Select(b => b.GetProperty("date").GetString()));
        Assert.Equal([0L, 3L, 4L], spring.Select(b => Long(b.GetProperty("figures"), "engagements") ?? 0));
        Assert.Equal(TimeSpan.FromHours(23), spring[1].GetProperty("end").GetDateTimeOffset() - spring[1].GetProperty("start").GetDateTimeOffset());
        Assert.Equal(At("2027-03-27T23:00:00Z"), spring[1].GetProperty("start").GetDateTimeOffset());

        var autumn = (await AnalyticsAsync(owner, workspace, At("2027-10-31T00:00:00+02:00"), At("2027-11-02T00:00:00+01:00")))
            .GetProperty("series").EnumerateArray().ToList();
        Assert.Equal(["2027-10-31", "2027-11-01"], autumn.Select(b => b.GetProperty("date").GetString()));
        Assert.Equal([24L, 32L], autumn.Select(b => Long(b.GetProperty("figures"), "engagements") ?? 0));
        Assert.Equal(TimeSpan.FromHours(25), autumn[0].GetProperty("end").GetDateTimeOffset() - autumn[0].GetProperty("start").GetDateTimeOffset());

        // ISO weeks start on Monday: Sunday the 28th belongs to the week of Monday 22 March, Monday the 29th starts the next.
        var weeks = (await AnalyticsAsync(owner, workspace, At("2027-03-22T00:00:00+01:00"), At("2027-04-05T00:00:00+02:00"), interval: "WEEK"))
            .GetProperty("series").EnumerateArray().ToList();
        Assert.Equal(["2027-03-22", "2027-03-29"], weeks.Select(b => b.GetProperty("date").GetString()));
        Assert.Equal([3L, 4L], weeks.Select(b => Long(b.GetProperty("figures"), "engagements") ?? 0));
        Assert.Equal(TimeSpan.FromHours(7 * 24 - 1), weeks[0].GetProperty("end").GetDateTimeOffset() - weeks[0].GetProperty("start").GetDateTimeOffset());

        // 00:30 on 1 November in Berlin is still 31 October in UTC: it is November's.
        var months = (await AnalyticsAsync(owner, workspace, At("2027-10-01T00:00:00+02:00"), At("2027-12-01T00:00:00+01:00"), interval: "MONTH"))
            .GetProperty("series").EnumerateArray().ToList();
        Assert.Equal(["2027-10-01", "2027-11-01"], months.Select(b => b.GetProperty("date").GetString()));
        Assert.Equal([24L, 32L], months.Select(b => Long(b.GetProperty("figures"), "engagements") ?? 0));
        Assert.Equal([2, 1], months.Select(b => b.GetProperty("figures").GetProperty("postsPublished").GetInt32()));
    }

    [Fact]
    public async Task top_posts_are_the_real_posts_with_the_most_engagements()
    {
        var (owner, workspace, id) = await WorkspaceAsync();
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var posts = new List<(string Post, JsonElement Target)>();
        foreach (var text in new[] { "quiet", "loud", "middling" })
        {
            var post = await api.Host.DraftAsync(owner, workspace, $"{text} {Guid.NewGuid():N}", connection);
            await api.Host.PostMutationAsync(owner, "publishPostNow", new { postId = post });
            var published = await api.Host.WaitForStatusAsync(owner, post, TimeSpan.FromSeconds(30), "PUBLISHED", "FAILED");
            Assert.Equal("PUBLISHED", published.GetProperty("status").GetString());
            posts.Add((post, published.GetProperty("targets")[0]));
        }

        var at = DateTimeOffset.UtcNow.AddMinutes(-5);
        var likes = new long[] { 1, 50, 10 };
        for (var i = 0; i < posts.Count; i++)
        {
            await AnalyticsSeed.TargetAsync(api.ConnectionString, id, AnalyticsSeed.Raw(posts[i].Post), AnalyticsSeed.Raw(connection), "Sandbox", at,
                new(Impressions: 100, Likes: likes[i]), AnalyticsSeed.Raw(posts[i].Target.GetProperty("id").GetString()!));
        }

        var response = await api.Host.AsAsync(owner,
            "query ($id: ID!, $from: DateTime!, $to: DateTime!) { workspace(id: $id) { analytics(from: $from, to: $to) { topPosts(first: 2) { post { id text targets { id status } } figures { engagements engagementRate } } } } }",
            new { id = workspace, from = at.AddHours(-1).ToString("O"), to = at.AddHours(1).ToString("O") });
        Assert.True(response.Errors.Length == 0, response.Body.ToString());
        var top = response.Data.GetProperty("workspace").GetProperty("analytics").GetProperty("topPosts").EnumerateArray().ToList();
        Assert.Equal([posts[1].Post, posts[2].Post], top.Select(t => t.GetProperty("post").GetProperty("id").GetString()));
        Assert.StartsWith("loud", top[0].GetProperty("post").GetProperty("text").GetString());
        Assert.Equal(posts[1].Target.GetProperty("id").GetString(), top[0].GetProperty("post").GetProperty("targets")[0].GetProperty("id").GetString());
        Assert.Equal(50, top[0].GetProperty("figures").GetProperty("engagements").GetInt64());
        Assert.Equal(0.5, top[0].GetProperty("figures").GetProperty("engagementRate").GetDouble(), 9);

        var tooMany = await api.Host.AsAsync(owner,
            "query ($id: ID!) { workspace(id: $id) { analytics(from: \"2027-01-01T00:00:00Z\", to: \"2027-01-02T00:00:00Z\") { topPosts(first: 51) { figures { engagements } } } } }", new { id = workspace });
        Assert.Contains("BAD_REQUEST", tooMany.ErrorCodes);
    }

    [Fact]
    public async Task the_dashboard_counts_this_weeks_posts_active_accounts_their_followers_and_the_ranges_engagement_in_one_query()
    {
        var (owner, workspace, id) = await WorkspaceAsync("Pacific/Auckland");
        var first = await api.Host.ConnectSandboxAsync(owner, workspace);
        var second = await api.Host.ConnectSandboxAsync(owner, workspace);
        var now = DateTimeOffset.UtcNow;
        await AnalyticsSeed.AudienceAsync(api.ConnectionString, id, AnalyticsSeed.Raw(first), now.AddHours(-2), 1200, latest: true);
        await AnalyticsSeed.AudienceAsync(api.ConnectionString, id, AnalyticsSeed.Raw(second), now.AddHours(-1), 34, latest: true);
        // A connection that is not active (here: of no connection of the workspace at all) adds nothing.
        await AnalyticsSeed.AudienceAsync(api.ConnectionString, id, Guid.NewGuid(), now.AddHours(-1), 1_000_000, latest: true);

        var zone = TimeZoneInfo.FindSystemTimeZoneById("Pacific/Auckland");
        var local = TimeZoneInfo.ConvertTime(now, zone);
        var monday = DateOnly.FromDateTime(local.DateTime).AddDays(-(((int)local.DayOfWeek + 6) % 7));
        var weekStart = Nexus.Api.Features.Posts.WallClock.DayBounds(monday, zone).Start;
        await SeedAsync(id, "Sandbox", now.AddMinutes(-1), new(Impressions: 10, Likes: 3));
        await SeedAsync(id, "Sandbox", weekStart, new(Impressions: 10, Likes: 1));
        await SeedAsync(id, "Sandbox", weekStart.AddTicks(-10), new(Impressions: 10, Likes: 1));

        var response = await api.Host.AsAsync(owner,
            "query ($id: ID!, $from: DateTime!, $to: DateTime!) { workspace(id: $id) { analytics(from: $from, to: $to) { dashboard { postsThisWeek weekStartsAt connectedAccounts totalFollowers followersMeasuredAt engagements engagementRate } } } }",
            new { id = workspace, from = weekStart.AddDays(-7).ToString("O"), to = now.AddMinutes(1).ToString("O") });
        Assert.True(response.Errors.Length == 0, response.Body.ToString());
        var dashboard = response.Data.GetProperty("workspace").GetProperty("analytics").GetProperty("dashboard");
        Assert.Equal(2, dashboard.GetProperty("postsThisWeek").GetInt32());
        Assert.Equal(weekStart, dashboard.GetProperty("weekStartsAt").GetDateTimeOffset());
        Assert.Equal(2, dashboard.GetProperty("connectedAccounts").GetInt32());
        Assert.Equal(1234, dashboard.GetProperty("totalFollowers").GetInt64());
        Assert.Equal(5, dashboard.GetProperty("engagements").GetInt64());
        Assert.Equal(5.0 / 30, dashboard.GetProperty("engagementRate").GetDouble(), 9);

        await api.Host.MutateAsync(owner, "disconnectAccount", "DisconnectAccountInput", new { connectionId = second }, "connection { id status }");
        var after = await api.Host.AsAsync(owner,
            "query ($id: ID!) { workspace(id: $id) { analytics(from: \"2027-01-01T00:00:00Z\", to: \"2027-01-02T00:00:00Z\") { dashboard { connectedAccounts totalFollowers } } } }", new { id = workspace });
        var afterDashboard = after.Data.GetProperty("workspace").GetProperty("analytics").GetProperty("dashboard");
        Assert.Equal(1, afterDashboard.GetProperty("connectedAccounts").GetInt32());
        Assert.Equal(1200, afterDashboard.GetProperty("totalFollowers").GetInt64());
    }

    [Theory]
    [InlineData("2027-01-02T00:00:00Z", "2027-01-01T00:00:00Z")]
    [InlineData("2027-01-01T00:00:00Z", "2027-01-01T00:00:00Z")]
    [InlineData("2026-01-01T00:00:00Z", "2027-02-06T00:00:00Z")]
    public async Task a_range_that_is_empty_reversed_or_longer_than_400_days_is_a_bad_request(string from, string to)
    {
        var (owner, workspace, _) = await WorkspaceAsync();
        var response = await api.Host.AsAsync(owner, "query ($id: ID!, $from: DateTime!, $to: DateTime!) { workspace(id: $id) { analytics(from: $from, to: $to) { totals { postsPublished } } } }",
            new { id = workspace, from, to });
        Assert.Equal(["BAD_REQUEST"], response.ErrorCodes);
    }

    [Fact]
    public async Task only_members_read_a_workspaces_analytics()
    {
        var (_, workspace, _) = await WorkspaceAsync();
        var outsider = await api.Host.PersonAsync("Outsider");
        var response = await api.Host.AsAsync(outsider, "query ($id: ID!) { workspace(id: $id) { analytics(from: \"2027-01-01T00:00:00Z\", to: \"2027-01-02T00:00:00Z\") { totals { postsPublished } } } }",
            new { id = workspace });
        Assert.Equal(["FORBIDDEN"], response.ErrorCodes);
    }
}
