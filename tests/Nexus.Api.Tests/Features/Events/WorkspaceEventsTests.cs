using System.Text.Json;
using Nexus.Api.Features.EventStreams.Index;
using Nexus.Api.Tests.Features.Posts;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Events;

[Collection(ApiCollection.Name)]
public sealed class WorkspaceEventsTests(ApiFixture api)
{
    private const string Events = """
        query ($id: ID!, $first: Int, $after: String, $types: [String!], $from: DateTime, $to: DateTime) {
          workspace(id: $id) { events(first: $first, after: $after, types: $types, from: $from, to: $to) {
            totalCount edges { cursor node { id sequence streamId type version timestamp data } } pageInfo { hasNextPage endCursor } } }
        }
        """;

    private const string Appended = """
        subscription ($id: ID!, $after: String, $types: [String!]) {
          eventsAppended(workspaceId: $id, after: $after, types: $types) { cursor node { id sequence streamId type version timestamp data } }
        }
        """;

    private async Task<(IReadOnlyList<ExportedEvent> Events, JsonElement Connection)> PageAsync(Person person, string workspace, int first, string? after = null,
        string[]? types = null, string? from = null, string? to = null)
    {
        var response = await api.Host.AsAsync(person, Events, new { id = workspace, first, after, types, from, to });
        Assert.True(response.Errors.Length == 0, response.Body.ToString());
        var connection = response.Data.GetProperty("workspace").GetProperty("events");
        return ([.. connection.GetProperty("edges").EnumerateArray().Select(EventScenarios.Edge)], connection);
    }

    [Fact]
    public async Task pages_follow_each_other_in_commit_order_as_the_export_does_filtered_and_masked()
    {
        var a = await api.Host.EventfulWorkspaceAsync("Paged");
        var b = await api.Host.EventfulWorkspaceAsync("Other");
        var exported = await api.Host.IndexedAsync(a.Owner, a.Workspace, e => e.Any(x => x.Type == "post_drafted"));
        await api.Host.IndexedAsync(b.Owner, b.Workspace, e => e.Any(x => x.Type == "post_drafted"));

        var seen = new List<ExportedEvent>();
        string? after = null;
        while (true)
        {
            var (page, connection) = await PageAsync(a.Owner, a.Workspace, 2, after);
            Assert.Equal(exported.Count, connection.GetProperty("totalCount").GetInt32());
            seen.AddRange(page);
            if (!connection.GetProperty("pageInfo").GetProperty("hasNextPage").GetBoolean())
            {
                break;
            }

            after = connection.GetProperty("pageInfo").GetProperty("endCursor").GetString();
        }

        // The same events, cursors and shape as the export, and none of the other workspace's.
        Assert.Equal(exported.Select(e => (e.Cursor, e.Sequence, e.Id, e.StreamId, e.Type, e.Version, e.Timestamp)),
            seen.Select(e => (e.Cursor, e.Sequence, e.Id, e.StreamId, e.Type, e.Version, e.Timestamp)));
        Assert.All(exported.Zip(seen), pair => Assert.True(JsonElement.DeepEquals(pair.First.Data, pair.Second.Data), $"{pair.First.Data} <> {pair.Second.Data}"));
        Assert.DoesNotContain(seen, e => e.Data.GetRawText().Contains("Other", StringComparison.Ordinal));
        Assert.Equal(EventMasking.Masked, seen.Single(e => e.Type == "member_invited").Data.GetProperty("Email").GetString());

        var (typed, _) = await PageAsync(a.Owner, a.Workspace, 100, types: ["member_invited", "post_drafted"]);
        Assert.Equal(["member_invited", "post_drafted"], typed.Select(e => e.Type));
        var drafted = seen.Single(e => e.Type == "post_drafted");
        var (since, _) = await PageAsync(a.Owner, a.Workspace, 100, from: drafted.Timestamp);
        var (before, _) = await PageAsync(a.Owner, a.Workspace, 100, to: drafted.Timestamp);
        Assert.Equal(seen.Select(e => e.Sequence), before.Concat(since).Select(e => e.Sequence).Order());
        Assert.Equal(drafted.Sequence, since[0].Sequence);

        var bad = await api.Host.AsAsync(a.Owner, Events, new { id = a.Workspace, first = 10, types = new[] { "nothing_like_it" } });
        Assert.Equal(["BAD_REQUEST"], bad.ErrorCodes);
        Assert.Equal(["BAD_REQUEST"], (await api.Host.AsAsync(a.Owner, Events, new { id = a.Workspace, first = 101 })).ErrorCodes);
        Assert.Equal(["BAD_REQUEST"], (await api.Host.AsAsync(a.Owner, Events, new { id = a.Workspace, after = "bm9wZQ" })).ErrorCodes);
        Assert.Equal(["BAD_REQUEST"], (await api.Host.AsAsync(a.Owner, Events, new { id = a.Workspace, from = "2027-01-02T00:00:00Z", to = "2027-01-01T00:00:00Z" })).ErrorCodes);
        Assert.Equal(["BAD_REQUEST"], (await api.Host.AsAsync(a.Owner, Events, new { id = a.Workspace, types = Enumerable.Repeat("post_drafted", EventFilter.MaxTypes + 1).ToArray() })).ErrorCodes);
        Assert.Equal(["FORBIDDEN"], (await api.Host.AsAsync(b.Owner, Events, new { id = a.Workspace })).ErrorCodes);
    }

    [Fact]
    public async Task the_query_the_export_and_the_subscription_continue_one_cursor_without_gap_or_duplicate_while_events_are_appended()
    {
        var a = await api.Host.EventfulWorkspaceAsync("Continuity");
        await api.Host.IndexedAsync(a.Owner, a.Workspace, e => e.Any(x => x.Type == "post_drafted"));

        // The query reads what is there; more is appended; the export goes on from the query's last cursor.
        var (queried, connection) = await PageAsync(a.Owner, a.Workspace, 100);
        Assert.False(connection.GetProperty("pageInfo").GetProperty("hasNextPage").GetBoolean());
        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => api.Host.DraftAsync(a.Owner, a.Workspace, $"between {i}", a.Connection)));
        var exported = await IndexedAfterAsync(a, queried[^1].Cursor, 4);

        // The subscription goes on from the export's last line while posts are drafted concurrently.
        await using var client = await GraphQLWebSocketClient.ConnectedAsync(api.Host, a.Owner.Token);
        await client.SubscribeAsync("live", Appended, new { id = a.Workspace, after = exported[^1].Cursor });
        var drafting = Task.WhenAll(Enumerable.Range(0, 8).Select(i => api.Host.DraftAsync(a.Owner, a.Workspace, $"live {i}", a.Connection)));
        var live = new List<ExportedEvent>();
        while (live.Count < 8)
        {
            live.Add(EventScenarios.Edge((await client.NextAsync("live", TimeSpan.FromSeconds(30))).GetProperty("data").GetProperty("eventsAppended")));
        }

        await drafting;
        var everything = await IndexedAfterAsync(a, null, queried.Count + 12);
        var joined = queried.Concat(exported).Concat(live).ToList();
        Assert.Equal(everything.Select(e => (e.Cursor, e.Sequence, e.Type)), joined.Select(e => (e.Cursor, e.Sequence, e.Type)));
        Assert.Equal(8, live.Count(e => e.Data.GetProperty("Text").GetString()!.StartsWith("live", StringComparison.Ordinal)));

        // Nothing more arrives (no duplicate): the next message is the pong to a ping.
        await client.PingAsync();
        Assert.Equal("pong", (await client.ReceiveAsync()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task a_subscription_without_a_cursor_starts_now_filters_by_type_and_refuses_unknown_types()
    {
        var a = await api.Host.EventfulWorkspaceAsync("Live");
        await api.Host.IndexedAsync(a.Owner, a.Workspace, e => e.Any(x => x.Type == "post_drafted"));
        await using var client = await GraphQLWebSocketClient.ConnectedAsync(api.Host, a.Owner.Token);
        await client.SubscribeAsync("bad", Appended, new { id = a.Workspace, types = new[] { "nothing_like_it" } });
        Assert.Equal(["BAD_REQUEST"], await client.ErrorCodesAsync("bad"));

        await client.SubscribeAsync("scheduled", Appended, new { id = a.Workspace, types = new[] { "post_scheduled" } });
        await client.PingAsync();
        Assert.Equal("pong", (await client.ReceiveAsync()).GetProperty("type").GetString());
        await api.Host.DraftAsync(a.Owner, a.Workspace, "not scheduled", a.Connection);
        await api.Host.ScheduleAsync(a.Owner, a.Post, DateTimeOffset.UtcNow.AddDays(30));
        var edge = EventScenarios.Edge((await client.NextAsync("scheduled", TimeSpan.FromSeconds(30))).GetProperty("data").GetProperty("eventsAppended"));
        Assert.Equal("post_scheduled", edge.Type);
        Assert.Equal(2, edge.Version);
    }

    private async Task<IReadOnlyList<ExportedEvent>> IndexedAfterAsync(EventfulWorkspace a, string? after, int count)
    {
        IReadOnlyList<ExportedEvent> events = [];
        await Eventually.TrueAsync(async () =>
        {
            events = (await api.Host.ExportAsync(a.Owner.Token, EventScenarios.ExportQuery(a.Workspace, after: after))).Events;
            return events.Count >= count;
        }, $"Expected {count} events indexed.", TimeSpan.FromSeconds(30));
        Assert.Equal(count, events.Count);
        return events;
    }
}
