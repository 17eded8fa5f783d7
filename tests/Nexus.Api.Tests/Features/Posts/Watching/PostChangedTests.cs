using System.Reflection;
using System.Text.Json;
using Nexus.Api.Features.Posts.Watching;
using Nexus.Api.Infrastructure;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Posts.Watching;

[Collection(ApiCollection.Name)]
public sealed class PostChangedTests(ApiFixture api)
{
    private const string Watch = "subscription ($workspaceId: ID!) { postChanged(workspaceId: $workspaceId) { change event postId post { id status text } } }";

    [Fact]
    public async Task drafting_editing_moving_cancelling_and_discarding_are_each_pushed()
    {
        var (owner, workspace, connection, watching) = await api.Host.WatchedWorkspaceAsync(Watch);
        await using var client = watching;

        var post = await api.Host.DraftAsync(owner, workspace, "first words", connection);
        await api.Host.PostMutationAsync(owner, "updatePost", new { postId = post, expectedVersion = 1, text = "second words", targets = new[] { new { connectionId = connection } } });
        await api.Host.ScheduleAsync(owner, post, DateTimeOffset.UtcNow.AddDays(2));
        await api.Host.PostMutationAsync(owner, "reschedulePost", new { postId = post, at = DateTimeOffset.UtcNow.AddDays(3).ToString("O") });
        await api.Host.PostMutationAsync(owner, "cancelPost", new { postId = post });
        await api.Host.PostMutationAsync(owner, "discardPost", new { postId = post });

        var pushed = new List<JsonElement>();
        for (var i = 0; i < 6; i++)
        {
            var change = (await client.NextAsync("posts", TimeSpan.FromSeconds(20))).GetProperty("data").GetProperty("postChanged");
            Assert.Equal(post, change.GetProperty("postId").GetString());
            pushed.Add(change);
        }

        Assert.Equal(["DRAFTED", "UPDATED", "SCHEDULED", "RESCHEDULED", "CANCELLED", "DISCARDED"], pushed.Select(c => c.GetProperty("change").GetString()));
        Assert.Equal("second words", pushed[1].GetProperty("post").GetProperty("text").GetString());
        Assert.Equal(JsonValueKind.Null, pushed[5].GetProperty("post").ValueKind);
        Assert.Equal("PostDiscarded", pushed[5].GetProperty("event").GetString());
    }

    [Fact]
    public void every_event_of_a_post_stream_is_a_change()
    {
        var postEvents = Persistence.EventTypes.Where(t => t.GetProperty("PostId", BindingFlags.Public | BindingFlags.Instance) is not null).ToList();
        Assert.NotEmpty(postEvents);
        foreach (var type in postEvents)
        {
            var sample = System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(type);
            Assert.True(PostChangeSource.Describe(sample) is not null, $"{type.Name} is not pushed by postChanged");
        }
    }
}
