using Alba;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Posts;
using Nexus.Api.Features.Posts.Publishing;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Posts;

/// <summary>A sandbox slow enough (2 s) that a host can be stopped in the middle of a platform call.</summary>
public sealed class SlowSandboxFixture : ApiFixture
{
    protected override string Purpose => "restart";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Nexus:Platforms:Sandbox:Latency"] = "00:00:02",
        ["Nexus:Publishing:RetryBaseDelay"] = "00:00:00.200",
    };
}

/// <summary>Stops the API and starts another on the same database, like a deploy or a crash.</summary>
public sealed class RestartTests(SlowSandboxFixture api) : IClassFixture<SlowSandboxFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task a_post_scheduled_before_a_restart_is_published_after_it()
    {
        var owner = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var text = $"survives restarts {Guid.NewGuid():N}";
        var post = await api.Host.DraftAsync(owner, workspace, text, connection);
        Assert.Equal(0, (await api.Host.ScheduleAsync(owner, post, DateTimeOffset.UtcNow.AddSeconds(3))).GetProperty("errors").GetArrayLength());

        var next = await api.RestartAsync();
        var published = await WaitAsync(next, post, p => p.Status == PostStatus.Published);
        Assert.Single(await next.SandboxPostsAsync(text));
        Assert.Equal(1, published.Targets[0].Attempts);
    }

    [Fact]
    public async Task an_attempt_cut_off_mid_call_is_reconciled_with_the_platform_and_published_once()
    {
        var owner = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var text = $"cut off {Guid.NewGuid():N}";
        var post = await api.Host.DraftAsync(owner, workspace, text, connection);
        await api.Host.PostMutationAsync(owner, "publishPostNow", new { postId = post });

        // The attempt is recorded before the call; the sandbox takes 2 s to answer: stop the API in between.
        await WaitAsync(api.Host, post, p => p.Targets[0].Attempts == 1);
        var next = await api.RestartAsync();

        var published = await WaitAsync(next, post, p => p.Status is PostStatus.Published or PostStatus.Failed);
        Assert.Equal(PostStatus.Published, published.Status);
        Assert.Single(await next.SandboxPostsAsync(text));
        GlobalId.TryParse(post, PostType.TypeName, out var id);
        await using var session = next.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var events = await session.Events.FetchStreamAsync(id);
        Assert.Single(events, e => e.Data is TargetPublished);
    }

    [Fact]
    public async Task a_second_delivery_on_another_node_while_the_call_is_under_way_waits_for_it_instead_of_reconciling()
    {
        await using var other = await WarmNodeAsync();
        var owner = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var text = $"in flight {Guid.NewGuid():N}";
        var post = await api.Host.DraftAsync(owner, workspace, text, connection);
        await api.Host.PostMutationAsync(owner, "publishPostNow", new { postId = post });
        var calling = await WaitAsync(api.Host, post, p => p.Targets[0].Attempts == 1);

        // The stall check or a redelivery sends the same attempt, to the other node, while the sandbox is still answering (2 s).
        await other.Services.GetRequiredService<Wolverine.IMessageBus>().InvokeAsync(new PublishTarget(calling.Id, calling.Targets[0].Id, 1));

        var published = await WaitAsync(api.Host, post, p => p.Status is PostStatus.Published or PostStatus.Failed);
        Assert.Equal((PostStatus.Published, 1), (published.Status, published.Targets[0].Attempts));
        Assert.Single(await api.Host.SandboxPostsAsync(text));
        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var events = await session.Events.FetchStreamAsync(calling.Id);
        Assert.DoesNotContain(events, e => e.Data is TargetPublishFailed or TargetUnconfirmed or TargetReconcileDeferred);
    }

    /// <summary>Another node, its publishing handler already loaded, so that it answers within the sandbox's 2 s.</summary>
    private async Task<IAlbaHost> WarmNodeAsync()
    {
        var other = await api.StartAnotherHostAsync();
        await other.Services.GetRequiredService<Wolverine.IMessageBus>().InvokeAsync(new PublishTarget(Guid.NewGuid(), Guid.NewGuid(), 1));
        return other;
    }

    private static async Task<Post> WaitAsync(IAlbaHost host, string postId, Func<Post, bool> reached)
    {
        GlobalId.TryParse(postId, PostType.TypeName, out var id);
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            await using var session = host.Services.GetRequiredService<IDocumentStore>().QuerySession();
            var post = await session.LoadAsync<Post>(id);
            if (post is not null && reached(post))
            {
                return post;
            }

            Assert.True(DateTime.UtcNow < deadline, $"post still {post?.Status} with {post?.Targets[0]} after {Patience}");
            await Task.Delay(100);
        }
    }
}
