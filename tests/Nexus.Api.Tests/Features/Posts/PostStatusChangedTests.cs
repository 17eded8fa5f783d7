using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Posts;

[Collection(ApiCollection.Name)]
public sealed class PostStatusChangedTests(ApiFixture api)
{
    private const string Watch = "subscription ($workspaceId: ID!) { postStatusChanged(workspaceId: $workspaceId) { event status at post { id } target { status externalId } } }";

    [Fact]
    public async Task a_post_scheduled_over_graphql_is_published_at_its_time_and_every_status_is_pushed_over_the_websocket()
    {
        var (owner, workspace, connection, watching) = await api.Host.WatchedWorkspaceAsync(Watch);
        await using var client = watching;

        var post = await api.Host.DraftAsync(owner, workspace, $"live {Guid.NewGuid():N}", connection);
        var due = DateTimeOffset.UtcNow.AddSeconds(2);
        await api.Host.ScheduleAsync(owner, post, due);

        var pushed = new List<(string Event, string Status)>();
        while (pushed.Count == 0 || pushed[^1].Event != "TargetPublished")
        {
            var change = (await client.NextAsync("posts", TimeSpan.FromSeconds(20))).GetProperty("data").GetProperty("postStatusChanged");
            Assert.Equal(post, change.GetProperty("post").GetProperty("id").GetString());
            pushed.Add((change.GetProperty("event").GetString()!, change.GetProperty("status").GetString()!));
            if (pushed[^1].Event == "TargetPublished")
            {
                Assert.Equal("PUBLISHED", change.GetProperty("target").GetProperty("status").GetString());
                Assert.StartsWith("sbx-post-", change.GetProperty("target").GetProperty("externalId").GetString());
                Assert.True(DateTimeOffset.Parse(change.GetProperty("at").GetString()!) >= due);
            }
        }

        Assert.Equal(
            [("PostScheduled", "SCHEDULED"), ("PostPublicationStarted", "PUBLISHING"), ("TargetPublishAttempted", "PUBLISHING"), ("TargetPublished", "PUBLISHED")],
            pushed);
    }

    [Fact]
    public async Task outsiders_cannot_watch_a_workspaces_posts()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var outsider = await api.Host.PersonAsync("Outsider");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        await using var client = await GraphQLWebSocketClient.ConnectedAsync(api.Host, outsider.Token);
        await client.SubscribeAsync("posts", Watch, new { workspaceId = workspace });
        Assert.Equal(["FORBIDDEN"], await client.ErrorCodesAsync("posts"));
    }
}
