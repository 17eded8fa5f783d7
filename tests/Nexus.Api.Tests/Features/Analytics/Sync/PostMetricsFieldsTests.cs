using System.Text.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Analytics;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Platforms.Sandbox;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Posts;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Analytics.Sync;

/// <summary><c>Post.metrics</c>, <c>PostTarget.metrics</c> and <c>refreshMetrics</c> through the API, over readings the sync stored.</summary>
public sealed class PostMetricsFieldsTests(SyncFixture fixture) : IClassFixture<SyncFixture>, IAsyncLifetime
{
    private const string Figures = "impressions reach views likes comments shares saves clicks videoViews watchTimeSeconds averageViewSeconds engagementRate measuredAt";

    private static readonly string Query =
        $"query ($id: ID!, $after: String) {{ post(id: $id) {{ metrics {{ {Figures} }} targets {{ id externalId publishedAt metrics {{ nextSyncAt lastSyncError latest {{ {Figures} }} " +
        $"history(first: 1, after: $after) {{ totalCount pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {Figures} }} }} }} }} }} }} }}";

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
    public async Task a_post_shows_each_targets_latest_reading_and_history_and_their_sum()
    {
        var host = fixture.Host;
        var owner = await host.PersonAsync("Owner");
        var workspace = await host.CreateWorkspaceAsync(owner);
        string[] connections = [await host.ConnectSandboxAsync(owner, workspace), await host.ConnectSandboxAsync(owner, workspace)];
        var postId = await host.DraftAsync(owner, workspace, "two accounts", connections);
        await host.PostMutationAsync(owner, "publishPostNow", new { postId });
        await host.WaitForStatusAsync(owner, postId, TimeSpan.FromSeconds(20), "PUBLISHED");
        Assert.True(GlobalId.TryParse(postId, "Post", out var id));
        await Eventually.TrueAsync(async () => (await SyncScenarios.RowsAsync(fixture.ConnectionString, id)).Count == 2, "the targets got no sync rows", TimeSpan.FromSeconds(30));
        var published = (await SyncScenarios.RowsAsync(fixture.ConnectionString, id)).Max(r => r.PublishedAt);

        // Before any reading: published targets say when they will be read, and the post has no figures.
        var before = await PostAsync(owner, postId);
        Assert.Equal(JsonValueKind.Null, before.GetProperty("metrics").ValueKind);
        Assert.All(before.GetProperty("targets").EnumerateArray(), t => Assert.Equal(JsonValueKind.Null, t.GetProperty("metrics").GetProperty("latest").ValueKind));

        DateTimeOffset[] moments = [published + TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1), published + TimeSpan.FromHours(6) + TimeSpan.FromSeconds(1)];
        foreach (var moment in moments)
        {
            fixture.Clock.SetTo(moment);
            await host.SweepAllAsync();
        }

        fixture.Clock.Reset();
        var post = await PostAsync(owner, postId);
        var latest = new List<JsonElement>();
        foreach (var target in post.GetProperty("targets").EnumerateArray())
        {
            var metrics = target.GetProperty("metrics");
            var last = metrics.GetProperty("latest");
            latest.Add(last);
            // The sandbox's figures at the moment read, exactly: the readings are the platform's, untouched.
            var sandboxPost = await SandboxPostAsync(target.GetProperty("externalId").GetString()!);
            var expected = SandboxFigures.Post(sandboxPost, moments[1]);
            Assert.Equal(expected.Impressions, last.GetProperty("impressions").GetInt64());
            Assert.Equal(expected.Likes, last.GetProperty("likes").GetInt64());
            Assert.Equal(moments[1], last.GetProperty("measuredAt").GetDateTimeOffset());
            // Not a video, no link: the sandbox gives no views, video figures or clicks, and they stay null.
            foreach (var absent in new[] { "views", "videoViews", "watchTimeSeconds", "averageViewSeconds", "clicks" })
            {
                Assert.Equal(JsonValueKind.Null, last.GetProperty(absent).ValueKind);
            }

            var engagements = new[] { "likes", "comments", "shares", "saves" }.Sum(f => last.GetProperty(f).GetInt64());
            Assert.Equal((double)engagements / last.GetProperty("impressions").GetInt64(), last.GetProperty("engagementRate").GetDouble(), 9);
            Assert.Equal(published + TimeSpan.FromHours(24), metrics.GetProperty("nextSyncAt").GetDateTimeOffset(), TimeSpan.FromSeconds(1));

            // History, oldest first, a page at a time.
            var history = metrics.GetProperty("history");
            Assert.Equal(2, history.GetProperty("totalCount").GetInt32());
            Assert.Equal(moments[0], history.GetProperty("edges")[0].GetProperty("node").GetProperty("measuredAt").GetDateTimeOffset());
            Assert.True(history.GetProperty("pageInfo").GetProperty("hasNextPage").GetBoolean());
            var next = await PostAsync(owner, postId, history.GetProperty("pageInfo").GetProperty("endCursor").GetString());
            var second = next.GetProperty("targets").EnumerateArray().Single(t => t.GetProperty("id").GetString() == target.GetProperty("id").GetString())
                .GetProperty("metrics").GetProperty("history");
            Assert.Equal(moments[1], second.GetProperty("edges")[0].GetProperty("node").GetProperty("measuredAt").GetDateTimeOffset());
            Assert.False(second.GetProperty("pageInfo").GetProperty("hasNextPage").GetBoolean());
        }

        // The post's figures are the sums of its targets' latest; its rate is recomputed from the sums.
        var sum = post.GetProperty("metrics");
        foreach (var figure in new[] { "impressions", "reach", "likes", "comments", "shares", "saves" })
        {
            Assert.Equal(latest.Sum(l => l.GetProperty(figure).GetInt64()), sum.GetProperty(figure).GetInt64());
        }

        var summedEngagements = new[] { "likes", "comments", "shares", "saves" }.Sum(f => sum.GetProperty(f).GetInt64());
        Assert.Equal((double)summedEngagements / sum.GetProperty("impressions").GetInt64(), sum.GetProperty("engagementRate").GetDouble(), 9);
        Assert.Equal(JsonValueKind.Null, sum.GetProperty("views").ValueKind);
    }

    [Fact]
    public async Task refresh_metrics_reads_now_for_a_viewer_once_per_cooldown_and_leaves_the_schedule_alone()
    {
        var host = fixture.Host;
        var (owner, workspace, connection) = await host.ConnectedWorkspaceAsync();
        var viewer = await host.PersonAsync("Viewer");
        await host.AddMemberAsync(owner, workspace, viewer, "VIEWER");
        var (postId, row) = await host.PublishedAsync(fixture.ConnectionString, owner, workspace, connection, "refresh me");

        var payload = await RefreshAsync(viewer, postId);
        Assert.Equal(0, payload.GetProperty("errors").GetArrayLength());
        var latest = payload.GetProperty("post").GetProperty("targets")[0].GetProperty("metrics").GetProperty("latest");
        Assert.NotEqual(JsonValueKind.Null, latest.ValueKind);
        Assert.Single(await SyncScenarios.SnapshotsAsync(fixture.ConnectionString, row.TargetId));
        var after = await SyncScenarios.RowAsync(fixture.ConnectionString, row.TargetId);
        Assert.Equal((0, row.NextSyncAt), (after.SyncStep, after.NextSyncAt));

        // Reached by node(id), without its post, the target's metrics still check the post's workspace: members see them.
        var node = await host.AsAsync(viewer, "query ($id: ID!) { node(id: $id) { ... on PostTarget { metrics { latest { impressions measuredAt } } } } }",
            new { id = GlobalId.Encode("PostTarget", row.TargetId) });
        Assert.True(node.Errors.Length == 0, node.Body.ToString());
        Assert.Equal(latest.GetProperty("measuredAt").GetDateTimeOffset(),
            node.Data.GetProperty("node").GetProperty("metrics").GetProperty("latest").GetProperty("measuredAt").GetDateTimeOffset());
        var outsider = await host.PersonAsync("Outsider");
        var hidden = await host.AsAsync(outsider, "query ($id: ID!) { node(id: $id) { ... on PostTarget { metrics { latest { impressions } } } } }",
            new { id = GlobalId.Encode("PostTarget", row.TargetId) });
        Assert.Equal(JsonValueKind.Null, hidden.Data.GetProperty("node").ValueKind);

        // Again at once: refused with when to try again, and nothing is read.
        var again = await RefreshAsync(owner, postId);
        var error = Assert.Single(again.GetProperty("errors").EnumerateArray());
        Assert.Equal(("RefreshTooSoonError", "RATE_LIMITED"), (error.GetProperty("__typename").GetString(), error.GetProperty("code").GetString()));
        Assert.Contains("try again after", error.GetProperty("message").GetString());
        Assert.Single(await SyncScenarios.SnapshotsAsync(fixture.ConnectionString, row.TargetId));

        // After the cooldown it reads again.
        fixture.Clock.SetTo(DateTimeOffset.UtcNow + TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        Assert.Equal(0, (await RefreshAsync(owner, postId)).GetProperty("errors").GetArrayLength());
        Assert.Equal(2, (await SyncScenarios.SnapshotsAsync(fixture.ConnectionString, row.TargetId)).Count);
    }

    [Fact]
    public async Task refresh_metrics_of_a_post_not_yet_published_is_refused_with_a_typed_error()
    {
        var host = fixture.Host;
        var (owner, workspace, connection) = await host.ConnectedWorkspaceAsync();
        var postId = await host.DraftAsync(owner, workspace, "draft", connection);
        var error = Assert.Single((await RefreshAsync(owner, postId)).GetProperty("errors").EnumerateArray());
        Assert.Equal(("NothingPublishedError", "INVALID_STATE"), (error.GetProperty("__typename").GetString(), error.GetProperty("code").GetString()));
    }

    [Fact]
    public async Task a_platform_that_fails_on_demand_answers_a_typed_error_and_the_post_stays_published()
    {
        var host = fixture.Host;
        var (owner, workspace, connection) = await host.ConnectedWorkspaceAsync();
        var (postId, row) = await host.PublishedAsync(fixture.ConnectionString, owner, workspace, connection, "on demand [sandbox:metrics-unavailable]");
        var payload = await RefreshAsync(owner, postId);
        var error = Assert.Single(payload.GetProperty("errors").EnumerateArray());
        Assert.Equal("METRICS_UNAVAILABLE", error.GetProperty("code").GetString());
        Assert.Equal("PUBLISHED", payload.GetProperty("post").GetProperty("status").GetString());
        Assert.Empty(await SyncScenarios.SnapshotsAsync(fixture.ConnectionString, row.TargetId));
        await SyncScenarios.StopAsync(fixture.ConnectionString, row.TargetId);
    }

    private async Task<JsonElement> PostAsync(Person person, string postId, string? after = null)
    {
        var response = await fixture.Host.AsAsync(person, Query, new { id = postId, after });
        Assert.True(response.Errors.Length == 0, response.Body.ToString());
        return response.Data.GetProperty("post");
    }

    private async Task<JsonElement> RefreshAsync(Person person, string postId) =>
        await fixture.Host.MutateAsync(person, "refreshMetrics", "RefreshMetricsInput", new { postId },
            $"post {{ status targets {{ metrics {{ latest {{ {Figures} }} }} }} }}");

    private async Task<SandboxPost> SandboxPostAsync(string id)
    {
        await using var session = fixture.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return (await session.LoadAsync<SandboxPost>(id))!;
    }
}
