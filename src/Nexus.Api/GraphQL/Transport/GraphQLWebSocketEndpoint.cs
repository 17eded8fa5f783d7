using System.Collections.Concurrent;
using System.Net.WebSockets;
using GraphQL;
using Microsoft.Extensions.Options;
using Nexus.Api.Infrastructure;

namespace Nexus.Api.GraphQL.Transport;

/// <summary>
/// GraphQL subscriptions over WebSocket at <c>/graphql</c>, in the <c>graphql-transport-ws</c> protocol of
/// graphql-ws (<c>connection_init</c> / <c>connection_ack</c>, <c>ping</c> / <c>pong</c>, <c>subscribe</c>,
/// <c>next</c>, <c>error</c>, <c>complete</c>). The access token comes in the init payload,
/// <c>{ "authorization": "Bearer …" }</c>, and is validated as HTTP requests' are (against the token store).
/// Only subscriptions run here; queries and mutations are answered with an <c>error</c> message and belong on HTTP.
/// Subscriptions go through the same schema, validation rules and error shaping as HTTP requests.
/// </summary>
/// <remarks>
/// Upgrades beyond <c>MaxWebSocketsPerClient</c> open sockets from one address are answered 429, beyond
/// <c>MaxWebSockets</c> on the server 503, both before the socket is accepted.
/// Close codes: 4400 invalid message, 4401 subscribe before <c>connection_ack</c>, 4403 invalid, revoked or expired
/// token, 4406 another subprotocol, 4408 no <c>connection_init</c> in time, or no active subscription for
/// <c>WebSocketIdleTimeout</c>, 4409 an id already subscribed, 4429 a
/// second <c>connection_init</c>, 4500 server fault, 1001 server shutdown, 1009 message over
/// <c>MaxRequestBytes</c>, 1013 send queue overflow (the client reads too slowly).
/// </remarks>
public sealed class GraphQLWebSocketEndpoint(
    IDocumentExecuter<NexusSchema> executer,
    IGraphQLTextSerializer serializer,
    IServiceScopeFactory scopes,
    IOptions<GraphQLOptions> options,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<GraphQLWebSocketEndpoint> logger)
{
    public const string SubProtocol = "graphql-transport-ws";

    /// <summary>How long a peer has to complete a close handshake before the socket is aborted.</summary>
    internal static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    private readonly GraphQLOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, int> _perClient = new(StringComparer.Ordinal);
    private int _open;

    public async Task HandleAsync(HttpContext http)
    {
        // Counted before the upgrade is accepted, so a refused socket never costs a connection.
        var client = NexusRateLimiter.ClientOf(http);
        if (Refusal(client) is { } status)
        {
            http.Response.StatusCode = status;
            http.Response.Headers.RetryAfter = "60";
            await http.Response.WriteAsync(status == StatusCodes.Status429TooManyRequests
                ? $"At most {_options.MaxWebSocketsPerClient} WebSockets may be open from one address."
                : "This server has as many WebSockets open as it accepts; try again later.");
            return;
        }

        try
        {
            await ServeAsync(http, client);
        }
        finally
        {
            Leave(client);
        }
    }

    /// <summary>Takes a place for one more socket from <paramref name="client"/>, or says why not (429 or 503).</summary>
    private int? Refusal(string client)
    {
        if (Interlocked.Increment(ref _open) > _options.MaxWebSockets)
        {
            Interlocked.Decrement(ref _open);
            return StatusCodes.Status503ServiceUnavailable;
        }

        if (_perClient.AddOrUpdate(client, 1, (_, count) => count + 1) > _options.MaxWebSocketsPerClient)
        {
            Leave(client);
            return StatusCodes.Status429TooManyRequests;
        }

        return null;
    }

    private void Leave(string client)
    {
        Interlocked.Decrement(ref _open);
        // Remove the entry when it drops to zero, so addresses seen once do not accumulate.
        while (_perClient.TryGetValue(client, out var count))
        {
            if (count <= 1 ? _perClient.TryRemove(new KeyValuePair<string, int>(client, count)) : _perClient.TryUpdate(client, count - 1, count))
            {
                return;
            }
        }
    }

    private async Task ServeAsync(HttpContext http, string client)
    {
        if (!http.WebSockets.WebSocketRequestedProtocols.Contains(SubProtocol, StringComparer.Ordinal))
        {
            using var refused = await http.WebSockets.AcceptWebSocketAsync();
            using var sender = new WebSocketSender(refused, 1, CloseTimeout);
            sender.Close(WebSocketCloseCodes.SubprotocolNotAcceptable, "Subprotocol not acceptable");
            await sender.RunAsync();
            await AwaitCloseAsync(refused, sender.Aborted);
            return;
        }

        using var socket = await http.WebSockets.AcceptWebSocketAsync(SubProtocol);
        using var connection = new GraphQLWebSocketConnection(socket, executer, serializer, scopes, options.Value, time, logger)
        {
            RateLimitClient = client,
        };
        await connection.RunAsync(lifetime.ApplicationStopping);
    }

    /// <summary>Reads until the peer answers the close (or the close timeout aborts), completing the handshake.</summary>
    private static async Task AwaitCloseAsync(WebSocket socket, CancellationToken aborted)
    {
        var buffer = new byte[1024];
        try
        {
            while (socket.State == WebSocketState.CloseSent &&
                   (await socket.ReceiveAsync(buffer, aborted)).MessageType != WebSocketMessageType.Close)
            {
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer left without answering.
        }
    }
}
