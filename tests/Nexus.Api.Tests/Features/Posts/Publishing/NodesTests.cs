using System.Reflection;
using Alba;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Analytics;
using Nexus.Api.Features.Posts;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;
using Npgsql;
using Wolverine.Runtime;

namespace Nexus.Api.Tests.Features.Posts.Publishing;

/// <summary>
/// Nodes on one database. The projection that moves is the product's async one (the metric rows).
/// </summary>
public sealed class NodesFixture : ApiFixture
{
    protected override string Purpose => "nodes";
}

/// <summary>
/// Every node is equal: the work a node was given (running scheduled messages, a projection) moves to another when it
/// stops. Each test starts a second node and stops the one doing the work, whichever it is.
/// </summary>
public sealed class NodesTests(NodesFixture api) : IClassFixture<NodesFixture>, IAsyncLifetime
{
    private IAlbaHost? _other;

    private const string DurabilityAgent = "wolverinedb://";
    private const string MetricRowsAgent = "metricrows";

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan AgentPatience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task a_post_scheduled_through_a_node_that_stops_before_it_is_due_is_published_once_by_another()
    {
        var (runner, survivor) = await NodesAsync(DurabilityAgent);
        var owner = await runner.PersonAsync();
        var workspace = await runner.CreateWorkspaceAsync(owner);
        var connection = await runner.ConnectSandboxAsync(owner, workspace);
        var text = $"outlives its node {Guid.NewGuid():N}";
        var post = await runner.DraftAsync(owner, workspace, text, connection);
        Assert.Equal(0, (await runner.ScheduleAsync(owner, post, DateTimeOffset.UtcNow.AddSeconds(4))).GetProperty("errors").GetArrayLength());

        await StopAsync(runner, survivor);

        await Eventually.TrueAsync(() => Runs(survivor, DurabilityAgent), "the surviving node never took over the scheduled messages", Patience);
        // Read from the database: each in-process node signs its own tokens, so the owner's token is the stopped node's.
        GlobalId.TryParse(post, PostType.TypeName, out var id);
        // As wide as an agent's move: the survivor first has to see the stopped node gone and take its agents over.
        var deadline = DateTime.UtcNow + AgentPatience;
        Post? published;
        while (true)
        {
            await using var session = survivor.Services.GetRequiredService<IDocumentStore>().QuerySession();
            published = await session.LoadAsync<Post>(id);
            if (published?.Status is PostStatus.Published or PostStatus.Failed)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"post still {published?.Status} after {AgentPatience}");
            await Task.Delay(100);
        }

        Assert.Equal((PostStatus.Published, 1), (published.Status, published.Targets[0].Attempts));
        Assert.Single(await survivor.SandboxPostsAsync(text));
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Single(await survivor.SandboxPostsAsync(text));
    }

    /// <summary>
    /// A node that dies without a word (SIGKILL: no goodbye, its row and assignments left behind, its leadership lock
    /// gone with its connection) while its heartbeat is still fresh: the survivor leads, ejects it once it is stale and
    /// runs the scheduled messages itself within seconds. (The graceful stop above deletes the node's row at once.)
    /// </summary>
    [Fact]
    public async Task a_post_due_after_its_node_dies_abruptly_is_published_by_another_within_seconds()
    {
        var (runner, survivor) = await NodesAsync(DurabilityAgent);
        var owner = await survivor.PersonAsync();
        var workspace = await survivor.CreateWorkspaceAsync(owner);
        var connection = await survivor.ConnectSandboxAsync(owner, workspace);
        var text = $"outlives a killed node {Guid.NewGuid():N}";
        var post = await survivor.DraftAsync(owner, workspace, text, connection);
        Assert.Equal(0, (await survivor.ScheduleAsync(owner, post, DateTimeOffset.UtcNow.AddSeconds(3))).GetProperty("errors").GetArrayLength());

        await DieAbruptlyAsync(runner);

        // Stale after 5 s and ejected a second or two later: well inside this bound.
        await Eventually.TrueAsync(() => Runs(survivor, DurabilityAgent), "the surviving node never took over the scheduled messages of the dead one", TimeSpan.FromSeconds(25));
        await survivor.WaitForStatusAsync(owner, post, Patience, "PUBLISHED");
        Assert.Single(await survivor.SandboxPostsAsync(text));
        await StopAsync(runner, survivor);
    }

    [Fact]
    public async Task an_async_projection_keeps_advancing_after_the_node_running_it_stops()
    {
        var (runner, survivor) = await NodesAsync(MetricRowsAgent);
        var owner = await survivor.PersonAsync();
        var workspace = await survivor.CreateWorkspaceAsync(owner);
        var connection = await survivor.ConnectSandboxAsync(owner, workspace);
        await PublishedAndProjectedAsync(survivor, owner, workspace, connection, "before");

        await StopAsync(runner, survivor);

        await Eventually.TrueAsync(() => Runs(survivor, MetricRowsAgent), "the surviving node never took over the projection", Patience);
        await PublishedAndProjectedAsync(survivor, owner, workspace, connection, "after");
    }

    private static async Task PublishedAndProjectedAsync(IAlbaHost host, Person owner, string workspace, string connection, string label)
    {
        var post = await host.DraftAsync(owner, workspace, $"projected {label} {Guid.NewGuid():N}", connection);
        await host.PostMutationAsync(owner, "publishPostNow", new { postId = post });
        await host.WaitForStatusAsync(owner, post, Patience, "PUBLISHED");
        GlobalId.TryParse(post, PostType.TypeName, out var id);
        // As wide as an agent's move: the survivor first has to see the stopped node gone and take its agents over.
        var deadline = DateTime.UtcNow + AgentPatience;
        while (true)
        {
            await using (var command = host.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand($"select exists (select 1 from {AnalyticsTables.TargetMetrics} where post_id = $1)"))
            {
                command.Parameters.Add(new() { Value = id });
                if (await command.ExecuteScalarAsync() is true)
                {
                    return;
                }
            }

            Assert.True(DateTime.UtcNow < deadline,
                $"the projection never saw the post published {label} the node stopped; this node runs [{string.Join(", ", RunningAgents(host))}]");
            await Task.Delay(100);
        }
    }

    /// <summary>The node running the agent (once exactly one does), and the other. The node the fixture does not own is
    /// stopped by the test, or by <see cref="DisposeAsync"/> when the test fails before.</summary>
    private async Task<(IAlbaHost Runner, IAlbaHost Survivor)> NodesAsync(string agent)
    {
        // The second node joins one already running its agents, as a node added to a deployment does.
        await Eventually.TrueAsync(() => Runs(api.Host, agent), $"the first node never ran {agent} alone", AgentPatience);
        var other = await api.StartAnotherHostAsync();
        _other = other;
        // The leader then moves a share of the agents to the new node (a stop here, a start there through the new node's
        // control queue). Until the new node runs its share the move may still be under way, so the node running the
        // agent is only known after it. Before the test hosts kept Wolverine's control queue, the new node was never
        // reached: it ran nothing, and the agent moved to it ran nowhere.
        var deadline = DateTime.UtcNow + AgentPatience;
        while (!(RunningAgents(other).Any() && (Runs(api.Host, agent) ^ Runs(other, agent))))
        {
            Assert.True(DateTime.UtcNow < deadline,
                $"the joining node got no share of the agents, or no single node runs {agent}, after {AgentPatience}: one runs [{string.Join(", ", RunningAgents(api.Host))}], the joining one [{string.Join(", ", RunningAgents(other))}]");
            await Task.Delay(100);
        }

        return Runs(api.Host, agent) ? (api.Host, other) : (other, api.Host);
    }

    /// <summary>Stops the runner; the survivor stays as the fixture's host for the tests after.</summary>
    private async Task StopAsync(IAlbaHost runner, IAlbaHost survivor)
    {
        _other = null;
        if (runner == api.Host)
        {
            await api.HandOverAsync(survivor);
        }
        else
        {
            await runner.DisposeAsync();
        }
    }

    /// <summary>
    /// What a SIGKILL leaves: Wolverine's own test hook stops the node's agents and heartbeat and releases its leadership
    /// lock without deleting its row or assignments, and stamps its last heartbeat now: to the other nodes it is a
    /// node that stopped heartbeating with work assigned, as a killed process is.
    /// </summary>
    private static async Task DieAbruptlyAsync(IAlbaHost host)
    {
        var runtime = (WolverineRuntime)host.Services.GetRequiredService<IWolverineRuntime>();
        var disable = typeof(WolverineRuntime).GetMethod("DisableAgentsAsync", BindingFlags.Instance | BindingFlags.NonPublic, [typeof(DateTimeOffset)])
                      ?? throw new InvalidOperationException("Wolverine no longer has WolverineRuntime.DisableAgentsAsync(DateTimeOffset)");
        await (Task)disable.Invoke(runtime, [DateTimeOffset.UtcNow])!;
    }

    public async Task InitializeAsync() => await Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_other is { } other)
        {
            await other.DisposeAsync();
        }
    }

    private static bool Runs(IAlbaHost host, string agent) =>
        RunningAgents(host).Any(uri => uri.Contains(agent, StringComparison.OrdinalIgnoreCase));

    private static IEnumerable<string> RunningAgents(IAlbaHost host) =>
        host.Services.GetRequiredService<IWolverineRuntime>().Agents.AllRunningAgentUris().Select(uri => uri.ToString());
}
