using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Infrastructure.Realtime;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.GraphQL;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Connections.WatchingConnections;

[Collection(ApiCollection.Name)]
public sealed class ConnectionStatusChangedTests(ApiFixture api)
{
    private const string Watch = "subscription ($workspaceId: ID!) { connectionStatusChanged(workspaceId: $workspaceId) { id platform status statusReason } }";

    [Fact]
    public async Task members_receive_each_status_change_in_order_when_an_account_is_connected_and_disconnected()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var viewer = await api.Host.PersonAsync("Viewer");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        await api.Host.AddMemberAsync(owner, workspace, viewer, "VIEWER");
        await using var client = await GraphQLWebSocketClient.ConnectedAsync(api.Host, viewer.Token);
        await client.SubscribeAsync("watch", Watch, new { workspaceId = workspace });
        Assert.Empty(await client.RoundTripAsync());

        // Both commit inside Wolverine handlers (AutoApplyTransactions): their sessions run the realtime listener too.
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        await api.Host.MutateAsync(owner, "disconnectAccount", "DisconnectAccountInput", new { connectionId = connection }, "connection { status }");

        var connected = (await client.NextAsync("watch")).GetProperty("data").GetProperty("connectionStatusChanged");
        var disconnected = (await client.NextAsync("watch")).GetProperty("data").GetProperty("connectionStatusChanged");
        Assert.Equal(connection, connected.GetProperty("id").GetString());
        Assert.Equal("SANDBOX", connected.GetProperty("platform").GetString());
        Assert.Equal("ACTIVE", connected.GetProperty("status").GetString());
        Assert.Equal(connection, disconnected.GetProperty("id").GetString());
        Assert.Equal("DISCONNECTED", disconnected.GetProperty("status").GetString());
    }

    [Fact]
    public async Task only_the_watched_workspace_s_changes_are_delivered()
    {
        var owner = await api.Host.PersonAsync();
        var watched = await api.Host.CreateWorkspaceAsync(owner, "Watched");
        var other = await api.Host.CreateWorkspaceAsync(owner, "Other");
        await using var client = await GraphQLWebSocketClient.ConnectedAsync(api.Host, owner.Token);
        await client.SubscribeAsync("watch", Watch, new { workspaceId = watched });
        Assert.Empty(await client.RoundTripAsync());

        await api.Host.ConnectSandboxAsync(owner, other);
        var connection = await api.Host.ConnectSandboxAsync(owner, watched);

        var next = (await client.NextAsync("watch")).GetProperty("data").GetProperty("connectionStatusChanged");
        Assert.Equal(connection, next.GetProperty("id").GetString());
    }

    [Fact]
    public async Task outsiders_cannot_subscribe_to_a_workspace()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var outsider = await api.Host.PersonAsync("Outsider");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        await using var client = await GraphQLWebSocketClient.ConnectedAsync(api.Host, outsider.Token);

        await client.SubscribeAsync("watch", Watch, new { workspaceId = workspace });
        await client.SubscribeAsync("bad-id", Watch, new { workspaceId = "not-a-workspace" });

        Assert.Equal(["FORBIDDEN"], await client.ErrorCodesAsync("watch"));
        Assert.Equal(["BAD_REQUEST"], await client.ErrorCodesAsync("bad-id"));
        Assert.Equal(0, api.Host.Services.GetRequiredService<WorkspaceFeed>().WatchersOf(WebSocketTransportTests.GuidOf(workspace)));
    }

    [Fact]
    public async Task a_member_removed_mid_subscription_gets_a_forbidden_error_instead_of_the_next_event()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var member = await api.Host.PersonAsync("Member");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        await api.Host.AddMemberAsync(owner, workspace, member, "EDITOR");
        await using var client = await GraphQLWebSocketClient.ConnectedAsync(api.Host, member.Token);
        await client.SubscribeAsync("watch", Watch, new { workspaceId = workspace });
        Assert.Empty(await client.RoundTripAsync());

        await api.Host.MutateAsync(owner, "removeMember", "RemoveMemberInput", new { workspaceId = workspace, userId = member.UserId });
        await api.Host.ConnectSandboxAsync(owner, workspace);

        Assert.Equal(["FORBIDDEN"], await client.ErrorCodesAsync("watch"));
        Assert.Empty(await client.RoundTripAsync());
        await Eventually.TrueAsync(() => api.Host.Services.GetRequiredService<WorkspaceFeed>().WatchersOf(WebSocketTransportTests.GuidOf(workspace)) == 0,
            "the ended subscription still watches the feed");
    }
}
