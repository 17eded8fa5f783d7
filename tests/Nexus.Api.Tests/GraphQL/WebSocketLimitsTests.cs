using System.Net.WebSockets;
using JasperFx.Events;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Infrastructure.Realtime;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.GraphQL;

/// <summary>
/// A host with tight WebSocket limits (1 s to send <c>connection_init</c>, 2 subscriptions per socket) and a realtime
/// source that always fails, registered before the real ones.
/// </summary>
public sealed class WebSocketLimitsFixture : ApiFixture
{
    protected override string Purpose => "wslimits";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Nexus:GraphQL:WebSocketInitTimeout"] = "00:00:01",
        ["Nexus:GraphQL:MaxSubscriptionsPerConnection"] = "2",
    };

    protected override void ConfigureServices(IServiceCollection services) =>
        services.Insert(0, ServiceDescriptor.Singleton<IRealtimeSource, FailingSource>());

    private sealed class FailingSource : IRealtimeSource
    {
        public Task PublishAsync(IReadOnlyList<StreamAction> committed, IQuerySession session, WorkspaceFeed feed, CancellationToken ct) =>
            throw new InvalidOperationException("This realtime source always fails.");
    }
}

public sealed class WebSocketLimitsTests(WebSocketLimitsFixture api) : IClassFixture<WebSocketLimitsFixture>
{
    private const string Watch = WebSocketTransportTests.WatchConnections;

    [Fact]
    public async Task without_connection_init_in_time_the_socket_closes_with_4408()
    {
        await using var client = await GraphQLWebSocketClient.ConnectAsync(api.Host);

        Assert.Equal(4408, (int?)await client.ClosedAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("Connection initialisation timeout", client.CloseDescription);
    }

    [Fact]
    public async Task an_initialised_socket_outlives_the_init_timeout()
    {
        await using var client = await GraphQLWebSocketClient.ConnectedAsync(api.Host);

        // Bounded by the timeout under test: the server would have closed the socket by now.
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        Assert.Empty(await client.RoundTripAsync());
    }

    [Fact]
    public async Task subscriptions_beyond_the_cap_get_an_error_and_the_socket_stays_open()
    {
        var owner = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        await using var client = await GraphQLWebSocketClient.ConnectedAsync(api.Host, owner.Token);

        await client.SubscribeAsync("1", Watch, new { workspaceId = workspace });
        await client.SubscribeAsync("2", Watch, new { workspaceId = workspace });
        await client.SubscribeAsync("3", Watch, new { workspaceId = workspace });

        Assert.Equal(["TOO_MANY_SUBSCRIPTIONS"], await client.ErrorCodesAsync("3"));
        Assert.Empty(await client.RoundTripAsync());
        await client.CompleteAsync("1");
        await client.SubscribeAsync("3", Watch, new { workspaceId = workspace });
        Assert.Empty(await client.RoundTripAsync());
    }

    [Fact]
    public async Task a_failing_realtime_source_neither_fails_the_commit_nor_stops_the_other_sources()
    {
        var owner = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        await using var client = await GraphQLWebSocketClient.ConnectedAsync(api.Host, owner.Token);
        await client.SubscribeAsync("watch", Watch, new { workspaceId = workspace });
        Assert.Empty(await client.RoundTripAsync());

        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);

        var next = await client.NextAsync("watch");
        Assert.Equal(connection, next.GetProperty("data").GetProperty("connectionStatusChanged").GetProperty("id").GetString());
    }
}

/// <summary>A host whose access tokens live 3 seconds.</summary>
public sealed class ShortTokenFixture : ApiFixture
{
    protected override string Purpose => "wstoken";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Nexus:Auth:AccessTokenLifetime"] = "00:00:03",
    };
}

public sealed class WebSocketTokenExpiryTests(ShortTokenFixture api) : IClassFixture<ShortTokenFixture>
{
    [Fact]
    public async Task the_socket_closes_with_4403_when_the_access_token_expires()
    {
        var (_, _, tokens) = await api.Host.SignedUpUserAsync();
        await using var client = await GraphQLWebSocketClient.ConnectedAsync(api.Host, tokens.AccessToken);

        Assert.Equal(4403, (int?)await client.ClosedAsync(TimeSpan.FromSeconds(15)));
        Assert.Contains("expired", client.CloseDescription);
    }
}

public sealed class WebSocketShutdownTests
{
    [Fact]
    public async Task stopping_the_server_closes_open_sockets_with_1001()
    {
        var api = new ApiFixture();
        await api.InitializeAsync();
        try
        {
            await using var client = await GraphQLWebSocketClient.ConnectedAsync(api.Host);

            var stopping = api.Host.StopAsync();

            Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, await client.ClosedAsync());
            await stopping;
        }
        finally
        {
            await api.DisposeAsync();
        }
    }
}
