using System.Net;
using System.Net.WebSockets;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.GraphQL;

/// <summary>A host that accepts 2 WebSockets per address and 3 in all.</summary>
public sealed class WebSocketCapsFixture : ApiFixture
{
    protected override string Purpose => "wscaps";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Nexus:GraphQL:MaxWebSocketsPerClient"] = "2",
        ["Nexus:GraphQL:MaxWebSockets"] = "3",
    };
}

public sealed class WebSocketCapsTests(WebSocketCapsFixture api) : IClassFixture<WebSocketCapsFixture>
{
    [Fact]
    public async Task sockets_beyond_the_per_address_cap_get_429_and_beyond_the_server_cap_503()
    {
        var open = new List<WebSocket>();
        try
        {
            open.Add(await ConnectAsync("10.0.0.1"));
            open.Add(await ConnectAsync("10.0.0.1"));

            var perAddress = await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync("10.0.0.1"));
            Assert.Contains("429", perAddress.Message);

            open.Add(await ConnectAsync("10.0.0.2"));
            var overall = await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync("10.0.0.3"));
            Assert.Contains("503", overall.Message);

            // A closed socket gives its place back, once the server has seen the close: until then the host is
            // still full (503) or the address still at its cap (429).
            await open[0].CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
            open[0].Dispose();
            open.RemoveAt(0);
            WebSocket? again = null;
            await Eventually.TrueAsync(() =>
            {
                try
                {
                    again = ConnectAsync("10.0.0.1").GetAwaiter().GetResult();
                    return true;
                }
                catch (Exception ex) when (ex.Message.Contains("429", StringComparison.Ordinal) || ex.Message.Contains("503", StringComparison.Ordinal))
                {
                    return false;
                }
            }, "The closed socket's place was not given back.");
            open.Add(again!);
        }
        finally
        {
            foreach (var socket in open)
            {
                socket.Abort();
                socket.Dispose();
            }
        }
    }

    private async Task<WebSocket> ConnectAsync(string address)
    {
        var client = api.Host.Server.CreateWebSocketClient();
        client.SubProtocols.Add(GraphQLWebSocketClient.SubProtocol);
        client.ConfigureRequest = request => request.HttpContext.Connection.RemoteIpAddress = IPAddress.Parse(address);
        return await client.ConnectAsync(new Uri("ws://localhost/graphql"), CancellationToken.None);
    }
}

/// <summary>A host that closes WebSockets after 1 second without an active subscription.</summary>
public sealed class WebSocketIdleFixture : ApiFixture
{
    protected override string Purpose => "wsidle";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Nexus:GraphQL:WebSocketIdleTimeout"] = "00:00:01",
    };
}

public sealed class WebSocketIdleTests(WebSocketIdleFixture api) : IClassFixture<WebSocketIdleFixture>
{
    [Fact]
    public async Task a_signed_in_socket_that_never_subscribes_is_closed_with_4408()
    {
        var person = await api.Host.PersonAsync();
        await using var client = await GraphQLWebSocketClient.ConnectedAsync(api.Host, person.Token);

        Assert.Equal(4408, (int?)await client.ClosedAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("Idle", client.CloseDescription);
    }

    [Fact]
    public async Task an_anonymous_socket_that_only_pings_is_closed_too()
    {
        await using var client = await GraphQLWebSocketClient.ConnectedAsync(api.Host);
        for (var i = 0; i < 3; i++)
        {
            try
            {
                await client.PingAsync();
            }
            catch (ObjectDisposedException)
            {
                // Closed already, pings and all (a loaded machine can take the idle second between two pings): the
                // close code below says why.
                break;
            }

            await Task.Delay(300);
        }

        Assert.Equal(4408, (int?)await client.ClosedAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task a_socket_with_an_active_subscription_stays_open_and_closes_once_it_ends()
    {
        var owner = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        await using var client = await GraphQLWebSocketClient.ConnectedAsync(api.Host, owner.Token);
        await client.SubscribeAsync("watch", WebSocketTransportTests.WatchConnections, new { workspaceId = workspace });
        Assert.Empty(await client.RoundTripAsync());

        // Bounded by the timeout under test: an idle socket would have been closed by now.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.Empty(await client.RoundTripAsync());

        await client.CompleteAsync("watch");
        Assert.Equal(4408, (int?)await client.ClosedAsync(TimeSpan.FromSeconds(10)));
    }
}
