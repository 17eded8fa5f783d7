using System.Diagnostics;
using System.Text.Json;
using Marten;
using Marten.Services;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Posts;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Infrastructure;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Posts;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure.Identity;
using Npgsql;
using Xunit.Abstractions;

namespace Nexus.Api.Tests.Infrastructure.Realtime;

/// <summary>
/// Subscribers connected to one node receive what another node commits: committed events are announced with
/// PostgreSQL NOTIFY and every node reads them by sequence number from its own position.
/// </summary>
public sealed class RealtimeAcrossNodesTests(TwoNodesFixture api, ITestOutputHelper output) : IClassFixture<TwoNodesFixture>
{
    private const string WatchStatus = "subscription ($workspaceId: ID!) { postStatusChanged(workspaceId: $workspaceId) { event status post { id } } }";
    private const string WatchChanges = "subscription ($workspaceId: ID!) { postChanged(workspaceId: $workspaceId) { change event postId post { text } } }";

    [Fact]
    public async Task a_subscription_on_one_node_sees_a_publication_committed_through_the_other()
    {
        var (owner, workspace, connection) = await WorkspaceAsync();
        await using var onB = await WatchAsync(api.Other, owner, WatchStatus, workspace);

        var post = await api.Host.DraftAsync(owner, workspace, $"across {Guid.NewGuid():N}", connection);
        await api.Host.ScheduleAsync(owner, post, DateTimeOffset.UtcNow.AddSeconds(1));

        var pushed = new List<(string Event, string Status)>();
        while (pushed.Count == 0 || pushed[^1].Event != "TargetPublished")
        {
            var next = onB.NextAsync("watch", TimeSpan.FromSeconds(20));
            Assert.True(await Task.WhenAny(next, Task.Delay(TimeSpan.FromSeconds(21))) == next && next.IsCompletedSuccessfully, $"Nothing more after [{string.Join(", ", pushed)}]: {next.Exception?.InnerException?.Message}");
            var change = (await next).GetProperty("data").GetProperty("postStatusChanged");
            Assert.Equal(post, change.GetProperty("post").GetProperty("id").GetString());
            pushed.Add((change.GetProperty("event").GetString()!, change.GetProperty("status").GetString()!));
        }

        Assert.Equal(
            [("PostScheduled", "SCHEDULED"), ("PostPublicationStarted", "PUBLISHING"), ("TargetPublishAttempted", "PUBLISHING"), ("TargetPublished", "PUBLISHED")],
            pushed);
        Assert.Empty(await onB.RoundTripAsync());
    }

    [Fact]
    public async Task events_committed_while_the_listening_connection_is_down_are_delivered_once_after_it_is_back()
    {
        var (owner, workspace, connection) = await WorkspaceAsync();
        await using var onB = await WatchAsync(api.Other, owner, WatchChanges, workspace);
        var post = await api.Host.DraftAsync(owner, workspace, "first", connection);
        Assert.Equal("DRAFTED", (await ChangeAsync(onB)).GetProperty("change").GetString());

        var listener = api.Other.Services.GetRequiredService<DatabaseListener>();
        var killed = listener.ProcessId!.Value;
        await using (var admin = new NpgsqlConnection(api.ConnectionString))
        {
            await admin.OpenAsync();
            await using var terminate = new NpgsqlCommand("select pg_terminate_backend($1)", admin) { Parameters = { new() { Value = killed } } };
            Assert.True(await terminate.ExecuteScalarAsync() is true);
        }

        // The listener waits a second before reconnecting: these commit while node B hears nothing.
        for (var i = 1; i <= 3; i++)
        {
            await EditAsync(owner, post, connection, $"edit {i}");
        }

        Assert.Equal(["edit 1", "edit 2", "edit 3"], [.. await TextsAsync(onB, 3)]);
        await Eventually.TrueAsync(() => listener.ProcessId is { } pid && pid != killed, "The listener did not reconnect");
        await EditAsync(owner, post, connection, "after");
        Assert.Equal(["after"], [.. await TextsAsync(onB, 1)]);
        Assert.Empty(await onB.RoundTripAsync());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task an_event_whose_transaction_commits_after_a_later_numbered_one_is_delivered_once(bool pastTheStaleThreshold)
    {
        var (owner, workspace, connection) = await WorkspaceAsync();
        await using var onB = await WatchAsync(api.Other, owner, WatchChanges, workspace);
        var held = await api.Host.DraftAsync(owner, workspace, "held", connection);
        var other = await api.Host.DraftAsync(owner, workspace, "other", connection);
        await TextsAsync(onB, 2);

        // A transaction draws its sequence number, then waits while a later one commits.
        var store = api.Host.Services.GetRequiredService<IDocumentStore>();
        await using var database = new NpgsqlConnection(api.ConnectionString);
        await database.OpenAsync();
        await using var transaction = await database.BeginTransactionAsync();
        Assert.True(GlobalId.TryParse(held, PostType.TypeName, out var heldId));
        await using (var session = store.LightweightSession(SessionOptions.ForTransaction(transaction)))
        {
            var post = await session.LoadAsync<Post>(heldId);
            session.Events.Append(heldId, new PostEdited(heldId, "held edit", post!.Media, [], Guid.NewGuid(), DateTimeOffset.UtcNow));
            await session.SaveChangesAsync();
        }

        await EditAsync(owner, other, connection, "other edit");
        Assert.Equal(["other edit"], [.. await TextsAsync(onB, 1)]);
        if (pastTheStaleThreshold)
        {
            // Long enough for the node to give up the hole (3 s): the late commit is still delivered.
            await Task.Delay(TimeSpan.FromSeconds(4.5));
        }

        await transaction.CommitAsync();

        Assert.Equal(["held edit"], [.. await TextsAsync(onB, 1)]);
        Assert.Empty(await onB.RoundTripAsync());
    }

    /// <summary>Not a test of a figure (none is asserted): prints commit-to-delivery times across nodes for the record.</summary>
    [Fact]
    public async Task delivery_across_nodes_is_timed()
    {
        var (owner, workspace, connection) = await WorkspaceAsync();
        await using var onB = await WatchAsync(api.Other, owner, WatchChanges, workspace);
        var post = await api.Host.DraftAsync(owner, workspace, "timed", connection);
        await TextsAsync(onB, 1);

        var delivered = new List<double>();
        var committed = new List<double>();
        for (var i = 0; i < 20; i++)
        {
            var next = onB.NextAsync("watch", TimeSpan.FromSeconds(20));
            var clock = Stopwatch.StartNew();
            await EditAsync(owner, post, connection, $"timed {i}");
            committed.Add(clock.Elapsed.TotalMilliseconds);
            await next;
            delivered.Add(clock.Elapsed.TotalMilliseconds);
        }

        var afterAnswer = delivered.Zip(committed, (d, c) => d - c).ToList();
        output.WriteLine($"updatePost on node A answered (committed) after median {Median(committed):F1} ms; " +
            $"its change reached the subscriber on node B after median {Median(delivered):F1} ms, max {delivered.Max():F1} ms (from the request's start); " +
            $"after the answer: median {Median(afterAnswer):F1} ms, max {afterAnswer.Max():F1} ms");
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private async Task<(Person Owner, string Workspace, string Connection)> WorkspaceAsync()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        return (owner, workspace, await api.Host.ConnectSandboxAsync(owner, workspace));
    }

    private static async Task<GraphQLWebSocketClient> WatchAsync(Alba.IAlbaHost node, Person person, string query, string workspace)
    {
        var client = await GraphQLWebSocketClient.ConnectedAsync(node, person.Token);
        await client.SubscribeAsync("watch", query, new { workspaceId = workspace });
        Assert.Empty(await client.RoundTripAsync());
        return client;
    }

    private async Task EditAsync(Person owner, string post, string connection, string text)
    {
        var version = (await api.Host.PostAsync(owner, post)).GetProperty("version").GetInt32();
        var payload = await api.Host.PostMutationAsync(owner, "updatePost", new { postId = post, expectedVersion = version, text, targets = new[] { new { connectionId = connection } } });
        Assert.Equal(0, payload.GetProperty("errors").GetArrayLength());
    }

    private static async Task<JsonElement> ChangeAsync(GraphQLWebSocketClient client) =>
        (await client.NextAsync("watch", TimeSpan.FromSeconds(20))).GetProperty("data").GetProperty("postChanged");

    private static async Task<List<string>> TextsAsync(GraphQLWebSocketClient client, int count)
    {
        var texts = new List<string>();
        for (var i = 0; i < count; i++)
        {
            texts.Add((await ChangeAsync(client)).GetProperty("post").GetProperty("text").GetString()!);
        }

        return texts;
    }
}
