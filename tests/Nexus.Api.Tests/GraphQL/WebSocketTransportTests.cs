using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Infrastructure.Realtime;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.GraphQL;

/// <summary>The <c>graphql-transport-ws</c> protocol on <c>WS /graphql</c>: its messages, rules and close codes.</summary>
[Collection(ApiCollection.Name)]
public sealed class WebSocketTransportTests(ApiFixture api)
{
    public const string WatchConnections = "subscription ($workspaceId: ID!) { connectionStatusChanged(workspaceId: $workspaceId) { id status } }";

    [Fact]
    public async Task a_socket_without_the_graphql_transport_ws_subprotocol_is_closed_with_4406()
    {
        await using var client = await GraphQLWebSocketClient.ConnectAsync(api.Host, "graphql-ws");

        Assert.Equal(4406, (int?)await client.ClosedAsync());
        Assert.Equal("Subprotocol not acceptable", client.CloseDescription);
    }

    [Fact]
    public async Task connection_init_is_acknowledged_and_ping_is_answered_with_pong_at_any_time()
    {
        await using var client = await GraphQLWebSocketClient.ConnectAsync(api.Host);

        Assert.Empty(await client.RoundTripAsync());
        await client.InitAsync();
        await client.ReceiveAsync("connection_ack");
        await client.SendAsync(new { type = "pong" });
        Assert.Empty(await client.RoundTripAsync());
    }

    [Theory]
    [InlineData("Bearer not-a-token")]
    [InlineData("Bearer ")]
    [InlineData("Basic dXNlcjpwYXNz")]
    public async Task an_invalid_authorization_in_connection_init_closes_with_4403(string authorization)
    {
        await using var client = await GraphQLWebSocketClient.ConnectAsync(api.Host);

        await client.SendAsync(new { type = "connection_init", payload = new { authorization } });

        Assert.Equal(4403, (int?)await client.ClosedAsync());
    }

    [Fact]
    public async Task a_revoked_token_is_refused_at_connection_init_and_at_the_next_subscribe()
    {
        var owner = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var (email, password, tokens) = await api.Host.SignedUpUserAsync();
        await using var before = await GraphQLWebSocketClient.ConnectedAsync(api.Host, tokens.AccessToken);

        // Changing the password from another sign-in revokes every other one, this one included.
        var elsewhere = await api.Host.PasswordGrantAsync(email, password);
        var changed = await api.Host.RunAsync(() => api.Host.PostGraphQLAsync(elsewhere.AccessToken,
            "mutation ($input: ChangePasswordInput!) { changePassword(input: $input) { errors { __typename } } }",
            new { input = new { currentPassword = password, newPassword = "another correct horse battery" } }));
        Assert.True(changed.Status == 200 && changed.Errors.Length == 0, changed.Body.ToString());
        Assert.Equal(401, (await api.Host.PostGraphQLAsync(tokens.AccessToken, "{ me { id } }")).Status);

        await using var after = await GraphQLWebSocketClient.ConnectAsync(api.Host);
        await after.InitAsync(tokens.AccessToken);
        Assert.Equal(4403, (int?)await after.ClosedAsync());

        await before.SubscribeAsync("watch", WatchConnections, new { workspaceId = workspace });
        Assert.Equal(4403, (int?)await before.ClosedAsync());
    }

    [Fact]
    public async Task a_second_connection_init_closes_with_4429()
    {
        await using var client = await GraphQLWebSocketClient.ConnectedAsync(api.Host);

        await client.InitAsync();

        Assert.Equal(4429, (int?)await client.ClosedAsync());
    }

    [Fact]
    public async Task subscribe_before_connection_ack_closes_with_4401()
    {
        await using var client = await GraphQLWebSocketClient.ConnectAsync(api.Host);

        await client.SubscribeAsync("1", "subscription { connectionStatusChanged(workspaceId: \"x\") { id } }");

        Assert.Equal(4401, (int?)await client.ClosedAsync());
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1, 2]")]
    [InlineData("{\"payload\": {}}")]
    [InlineData("{\"type\": \"start\", \"id\": \"1\"}")]
    [InlineData("{\"type\": \"next\", \"id\": \"1\", \"payload\": {}}")]
    [InlineData("{\"type\": \"subscribe\", \"payload\": {\"query\": \"subscription { x }\"}}")]
    [InlineData("{\"type\": \"subscribe\", \"id\": \"1\"}")]
    public async Task an_invalid_or_unknown_message_closes_with_4400(string message)
    {
        await using var client = await GraphQLWebSocketClient.ConnectedAsync(api.Host);

        await client.SendTextAsync(message);

        Assert.Equal(4400, (int?)await client.ClosedAsync());
    }

    [Fact]
    public async Task a_message_larger_than_max_request_bytes_closes_with_1009()
    {
        await using var client = await GraphQLWebSocketClient.ConnectedAsync(api.Host);

        await client.SubscribeAsync("1", "subscription { " + new string(' ', 200 * 1024) + " }");

        Assert.Equal(WebSocketCloseStatus.MessageTooBig, await client.ClosedAsync());
    }

    [Fact]
    public async Task a_duplicate_subscription_id_closes_with_4409()
    {
        var owner = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        await using var client = await GraphQLWebSocketClient.ConnectedAsync(api.Host, owner.Token);
        await client.SubscribeAsync("watch", WatchConnections, new { workspaceId = workspace });
        Assert.Empty(await client.RoundTripAsync());

        await client.SubscribeAsync("watch", WatchConnections, new { workspaceId = workspace });

        Assert.Equal(4409, (int?)await client.ClosedAsync());
        Assert.Equal("Subscriber for watch already exists", client.CloseDescription);
    }

    [Fact]
    public async Task anonymous_subscriptions_get_an_unauthenticated_error_and_the_socket_stays_open()
    {
        await using var client = await GraphQLWebSocketClient.ConnectedAsync(api.Host);

        await client.SubscribeAsync("1", WatchConnections, new { workspaceId = "V29ya3NwYWNlOjA" });

        Assert.Equal(["UNAUTHENTICATED"], await client.ErrorCodesAsync("1"));
        Assert.Empty(await client.RoundTripAsync());
    }

    [Fact]
    public async Task invalid_documents_get_an_error_message_from_the_same_validation_as_http()
    {
        var person = await api.Host.PersonAsync();
        await using var client = await GraphQLWebSocketClient.ConnectedAsync(api.Host, person.Token);

        await client.SubscribeAsync("unknown", "subscription { noSuchField }");
        await client.SubscribeAsync("syntax", "subscription {");
        await client.SubscribeAsync("two", "subscription ($w: ID!) { a: connectionStatusChanged(workspaceId: $w) { id } b: connectionStatusChanged(workspaceId: $w) { id } }", new { w = "x" });

        Assert.Equal(["BAD_REQUEST"], await client.ErrorCodesAsync("unknown"));
        Assert.Equal(["BAD_REQUEST"], await client.ErrorCodesAsync("syntax"));
        Assert.Contains("BAD_REQUEST", await client.ErrorCodesAsync("two"));
    }

    [Fact]
    public async Task queries_and_mutations_are_refused_over_the_socket()
    {
        var person = await api.Host.PersonAsync();
        await using var client = await GraphQLWebSocketClient.ConnectedAsync(api.Host, person.Token);

        await client.SubscribeAsync("q", "{ me { id } }");
        await client.SubscribeAsync("m", "mutation { __typename }");

        Assert.Equal(["BAD_REQUEST"], await client.ErrorCodesAsync("q"));
        Assert.Equal(["BAD_REQUEST"], await client.ErrorCodesAsync("m"));
    }

    [Fact]
    public async Task subscriptions_over_http_are_refused_with_400()
    {
        var person = await api.Host.PersonAsync();

        var response = await api.Host.AsAsync(person, WatchConnections, new { workspaceId = "x" });

        Assert.Equal(400, response.Status);
        Assert.Equal(["BAD_REQUEST"], response.ErrorCodes);
    }

    [Fact]
    public async Task completing_a_subscription_stops_it_and_frees_its_id()
    {
        var feed = api.Host.Services.GetRequiredService<WorkspaceFeed>();
        var owner = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        await using var client = await GraphQLWebSocketClient.ConnectedAsync(api.Host, owner.Token);
        await client.SubscribeAsync("watch", WatchConnections, new { workspaceId = workspace });
        Assert.Empty(await client.RoundTripAsync());
        Assert.Equal(1, feed.WatchersOf(GuidOf(workspace)));

        await client.CompleteAsync("watch");
        Assert.Empty(await client.RoundTripAsync());

        Assert.Equal(0, feed.WatchersOf(GuidOf(workspace)));
        await client.SubscribeAsync("watch", WatchConnections, new { workspaceId = workspace });
        Assert.Empty(await client.RoundTripAsync());
        await client.CompleteAsync("unknown-id");
        Assert.Empty(await client.RoundTripAsync());
    }

    [Fact]
    public async Task closing_the_socket_ends_its_subscriptions()
    {
        var feed = api.Host.Services.GetRequiredService<WorkspaceFeed>();
        var owner = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var client = await GraphQLWebSocketClient.ConnectedAsync(api.Host, owner.Token);
        await client.SubscribeAsync("a", WatchConnections, new { workspaceId = workspace });
        await client.SubscribeAsync("b", WatchConnections, new { workspaceId = workspace });
        Assert.Empty(await client.RoundTripAsync());
        Assert.Equal(2, feed.WatchersOf(GuidOf(workspace)));

        await client.CloseAsync();
        await client.DisposeAsync();

        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.CloseStatus);
        await Eventually.TrueAsync(() => feed.WatchersOf(GuidOf(workspace)) == 0, "the closed socket's subscriptions still watch the feed");
    }

    public static Guid GuidOf(string workspaceId) =>
        Nexus.Api.GraphQL.Relay.GlobalId.TryParse(workspaceId, "Workspace", out var id) ? id : throw new ArgumentException(workspaceId);
}
