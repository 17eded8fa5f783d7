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
/// Close codes: 4400 invalid message, 4401 subscribe before <c>connection_ack</c>, 4403 invalid, revoked or expired
/// token, 4406 another subprotocol, 4408 no <c>connection_init</c> in time, 4409 an id already subscribed, 4429 a
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

    public async Task HandleAsync(HttpContext http)
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
            RateLimitClient = NexusRateLimiter.ClientOf(http),
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
