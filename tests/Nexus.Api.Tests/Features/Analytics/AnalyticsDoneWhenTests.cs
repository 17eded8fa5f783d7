using System.Net;
using System.Net.Http.Headers;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Analytics.Export;
using Nexus.Api.Features.Webhooks;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Tests.Features.Analytics.Sync;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Posts;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Analytics;

/// <summary>
/// Issue 13's "done when", end to end on the sandbox and only through the public surface: a published post's metrics
/// grow as the sync reads it, the dashboard and best times answer from one query each, the CSV downloads with the
/// post's figures, and the sandbox's own signed "published" webhook reaches Nexus and is processed.
/// </summary>
public sealed class AnalyticsDoneWhenTests(SyncFixture fixture) : IClassFixture<SyncFixture>, IAsyncLifetime
{
    public Task InitializeAsync()
    {
        fixture.Clock.Reset();
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        fixture.Clock.Reset();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task a_published_sandbox_post_earns_growing_metrics_that_the_dashboard_best_times_and_csv_show()
    {
        var host = fixture.Host;
        var owner = await host.PersonAsync("Owner");
        var workspace = await host.CreateWorkspaceAsync(owner, timeZone: "Europe/Berlin");
        var connection = await host.ConnectSandboxAsync(owner, workspace);
        var postId = await host.DraftAsync(owner, workspace, "launch day", connection);
        await host.PostMutationAsync(owner, "publishPostNow", new { postId });
        await host.WaitForStatusAsync(owner, postId, TimeSpan.FromSeconds(20), "PUBLISHED");
        Assert.True(GlobalId.TryParse(postId, "Post", out var id));
        await Eventually.TrueAsync(async () => (await SyncScenarios.RowsAsync(fixture.ConnectionString, id)).Count == 1, "the target got no sync row", TimeSpan.FromSeconds(30));
        var target = (await SyncScenarios.RowsAsync(fixture.ConnectionString, id)).Single();
        var published = target.PublishedAt;

        // The sync reads at +1 h and +6 h: the second reading is higher than the first.
        var impressions = new List<long>();
        foreach (var after in new[] { TimeSpan.FromHours(1), TimeSpan.FromHours(6) })
        {
            fixture.Clock.SetTo(published + after + TimeSpan.FromSeconds(1));
            await host.SweepAllAsync();
            fixture.Clock.Reset();
            var post = await host.AsAsync(owner, "query ($id: ID!) { post(id: $id) { metrics { impressions likes engagementRate } } }", new { id = postId });
            Assert.True(post.Errors.Length == 0, post.Body.ToString());
            impressions.Add(post.Data.GetProperty("post").GetProperty("metrics").GetProperty("impressions").GetInt64());
        }

        Assert.True(impressions[1] > impressions[0], $"impressions did not grow: {string.Join(" then ", impressions)}");

        // The dashboard and best times: one query each.
        var (from, to) = (published.AddDays(-1), published.AddDays(1));
        var dashboard = await host.AsAsync(owner,
            "query ($id: ID!, $from: DateTime!, $to: DateTime!) { workspace(id: $id) { analytics(from: $from, to: $to, interval: DAY) { " +
            "totals { postsPublished impressions engagementRate } " +
            "dashboard { postsThisWeek connectedAccounts totalFollowers engagementRate } } } }",
            new { id = workspace, from = from.ToString("O"), to = to.ToString("O") });
        Assert.True(dashboard.Errors.Length == 0, dashboard.Body.ToString());
        var analytics = dashboard.Data.GetProperty("workspace").GetProperty("analytics");
        Assert.Equal(1, analytics.GetProperty("totals").GetProperty("postsPublished").GetInt32());
        Assert.Equal(impressions[1], analytics.GetProperty("totals").GetProperty("impressions").GetInt64());
        Assert.True(analytics.GetProperty("totals").GetProperty("engagementRate").GetDouble() > 0);
        Assert.Equal(1, analytics.GetProperty("dashboard").GetProperty("connectedAccounts").GetInt32());

        var bestTimes = await host.AsAsync(owner, "query ($id: ID!) { workspace(id: $id) { bestTimes { postsAnalysed enoughHistory postsNeeded cells { samples } } } }", new { id = workspace });
        Assert.True(bestTimes.Errors.Length == 0, bestTimes.Body.ToString());
        var times = bestTimes.Data.GetProperty("workspace").GetProperty("bestTimes");
        // One post is not a pattern: the answer says how many more it needs rather than inventing a best time.
        Assert.Equal(1, times.GetProperty("postsAnalysed").GetInt32());
        Assert.False(times.GetProperty("enoughHistory").GetBoolean());
        Assert.True(times.GetProperty("postsNeeded").GetInt32() > 0);

        // The CSV: the post's row with the figures the dashboard summed.
        using var client = host.Server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get,
            $"{AnalyticsExport.Path}?workspaceId={Uri.EscapeDataString(workspace)}&from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(to.ToString("O"))}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", owner.Token);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = (await response.Content.ReadAsStringAsync()).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',');
        var cells = Assert.Single(lines[1..]).Split(',');
        Assert.Equal(impressions[1].ToString(System.Globalization.CultureInfo.InvariantCulture), cells[Array.IndexOf(header, "impressions")]);
        Assert.Equal("launch day", cells[Array.IndexOf(header, "text")]);

        // The sandbox confirmed the publication with a signed webhook of its own, stored once and processed.
        var key = "nexus-" + target.TargetId.ToString("N");
        await Eventually.TrueAsync(async () =>
        {
            await using var session = host.Services.GetRequiredService<IDocumentStore>().QuerySession();
            return await session.Query<PlatformWebhookDelivery>().CountAsync(d => d.Source == WebhookSource.Sandbox && d.Body.Contains(key) && d.ProcessedAt != null) == 1;
        }, "the sandbox's signed publication webhook was not processed once", TimeSpan.FromSeconds(30));
    }
}
