using Alba;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Posts;
using Nexus.Api.Features.Posts.Publishing;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;
using Npgsql;

namespace Nexus.Api.Tests.Features.Posts.Publishing;

/// <summary>A sandbox that takes 8 s to answer: long enough for another node to act while a call is under way.</summary>
public sealed class VerySlowSandboxFixture : ApiFixture
{
    protected override string Purpose => "leases";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Nexus:Platforms:Sandbox:Latency"] = "00:00:08",
        ["Nexus:Publishing:RetryBaseDelay"] = "00:00:00.200",
    };
}

/// <summary>An attempt being called is held by a lease in PostgreSQL; a lease that ran out means its caller is gone.</summary>
public sealed class AttemptLeaseTests(VerySlowSandboxFixture api) : IClassFixture<VerySlowSandboxFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task a_delivery_on_another_node_that_finds_the_lease_run_out_takes_it_over_and_the_post_is_published_once()
    {
        await using var other = await api.StartAnotherHostAsync();
        // Load the other node's publishing handler now, so that it acts well within the sandbox's 8 s.
        await other.Services.GetRequiredService<Wolverine.IMessageBus>().InvokeAsync(new PublishTarget(Guid.NewGuid(), Guid.NewGuid(), 1));
        var owner = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var text = $"lease ran out {Guid.NewGuid():N}";
        var post = await api.Host.DraftAsync(owner, workspace, text, connection);
        await api.Host.PostMutationAsync(owner, "publishPostNow", new { postId = post });
        var calling = await WaitAsync(api.Host, post, p => p.Targets[0].Attempts == 1);

        // What a caller that stopped renewing leaves behind (a node killed mid-call, once its lease has run out).
        await using (var data = NpgsqlDataSource.Create(api.ConnectionString))
        {
            await using var expire = data.CreateCommand($"update nexus.{AttemptLeases.Table} set expires_at = now() - interval '1 second' where attempt_id = $1");
            expire.Parameters.Add(new() { Value = PublishAttempt.IdOf(calling.Targets[0].Id, 1) });
            Assert.Equal(1, await expire.ExecuteNonQueryAsync());
        }

        await other.Services.GetRequiredService<Wolverine.IMessageBus>().InvokeAsync(new PublishTarget(calling.Id, calling.Targets[0].Id, 1));

        var published = await WaitAsync(api.Host, post, p => p.Status is PostStatus.Published or PostStatus.Failed);
        Assert.Equal(PostStatus.Published, published.Status);
        Assert.Single(await api.Host.SandboxPostsAsync(text));
        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var events = await session.Events.FetchStreamAsync(calling.Id);
        Assert.Single(events, e => e.Data is TargetPublished);
        Assert.DoesNotContain(events, e => e.Data is TargetUnconfirmed);
    }

    [Fact]
    public async Task a_lease_is_taken_where_none_is_live_and_otherwise_tells_how_long_it_has_left()
    {
        var leases = api.Host.Services.GetRequiredService<AttemptLeases>();
        var attempt = $"{Guid.NewGuid():N}:1";

        var first = await leases.TryTakeAsync(attempt, CancellationToken.None);
        var second = await leases.TryTakeAsync(attempt, CancellationToken.None);
        Assert.True(first.Taken);
        Assert.False(second.Taken);
        Assert.InRange(second.Remaining, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(15));
        Assert.Contains(attempt, await leases.HeldAsync([attempt], CancellationToken.None));

        await using (var data = NpgsqlDataSource.Create(api.ConnectionString))
        {
            await using var expire = data.CreateCommand($"update nexus.{AttemptLeases.Table} set expires_at = now() - interval '1 second' where attempt_id = $1");
            expire.Parameters.Add(new() { Value = attempt });
            Assert.Equal(1, await expire.ExecuteNonQueryAsync());
        }

        Assert.Empty(await leases.HeldAsync([attempt], CancellationToken.None));
        Assert.True((await leases.TryTakeAsync(attempt, CancellationToken.None)).Taken);
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
