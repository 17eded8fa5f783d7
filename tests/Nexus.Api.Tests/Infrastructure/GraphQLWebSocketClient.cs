using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Alba;

namespace Nexus.Api.Tests.Infrastructure;

/// <summary>
/// A <c>graphql-transport-ws</c> client over the test server: sends protocol messages and reads what the server
/// answers, in order, with bounded waits. Every wait fails the test with what arrived instead.
/// </summary>
public sealed class GraphQLWebSocketClient : IAsyncDisposable
{
    public const string SubProtocol = "graphql-transport-ws";
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    private readonly WebSocket _socket;
    private readonly Channel<JsonElement> _received = Channel.CreateUnbounded<JsonElement>();
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly Task _reading;

    private GraphQLWebSocketClient(WebSocket socket)
    {
        _socket = socket;
        _reading = ReadAsync();
    }

    /// <summary>The close status the server sent, once the socket is closed.</summary>
    public WebSocketCloseStatus? CloseStatus { get; private set; }

    public string? CloseDescription { get; private set; }

    /// <summary>Opens a socket to <c>/graphql</c> asking for <paramref name="subProtocols"/> (graphql-transport-ws by default).</summary>
    public static async Task<GraphQLWebSocketClient> ConnectAsync(IAlbaHost host, params string[] subProtocols)
    {
        var client = host.Server.CreateWebSocketClient();
        foreach (var protocol in subProtocols.Length == 0 ? [SubProtocol] : subProtocols)
        {
            client.SubProtocols.Add(protocol);
        }

        var socket = await client.ConnectAsync(new Uri("ws://localhost/graphql"), CancellationToken.None);
        return new GraphQLWebSocketClient(socket);
    }

    /// <summary>Connects, sends <c>connection_init</c> (with the token, when given) and waits for <c>connection_ack</c>.</summary>
    public static async Task<GraphQLWebSocketClient> ConnectedAsync(IAlbaHost host, string? accessToken = null)
    {
        var client = await ConnectAsync(host);
        await client.InitAsync(accessToken);
        await client.ReceiveAsync("connection_ack");
        return client;
    }

    public Task InitAsync(string? accessToken = null) =>
        SendAsync(accessToken is null ? new { type = "connection_init" } : new { type = "connection_init", payload = new { authorization = $"Bearer {accessToken}" } });

    public Task SubscribeAsync(string id, string query, object? variables = null) =>
        SendAsync(new { id, type = "subscribe", payload = new { query, variables } });

    public Task CompleteAsync(string id) => SendAsync(new { id, type = "complete" });

    public Task PingAsync() => SendAsync(new { type = "ping" });

    public Task SendAsync(object message) => SendTextAsync(JsonSerializer.Serialize(message));

    public async Task SendTextAsync(string text)
    {
        await _sending.WaitAsync();
        try
        {
            await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>The next message from the server; fails when none comes in time or the socket closes first.</summary>
    public async Task<JsonElement> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            if (await _received.Reader.WaitToReadAsync(cts.Token) && _received.Reader.TryRead(out var message))
            {
                return message;
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"No message from the server within {timeout ?? DefaultTimeout}.");
        }

        Assert.Fail($"The server closed the socket ({(int?)CloseStatus} {CloseDescription}) instead of sending a message.");
        return default;
    }

    /// <summary>The next message, which must be of <paramref name="type"/> (and for <paramref name="id"/>, when given).</summary>
    public async Task<JsonElement> ReceiveAsync(string type, string? id = null, TimeSpan? timeout = null)
    {
        var message = await ReceiveAsync(timeout);
        Assert.True(message.GetProperty("type").GetString() == type && (id is null || message.GetProperty("id").GetString() == id),
            $"Expected `{type}`{(id is null ? "" : $" for {id}")}, got {message}");
        return message;
    }

    /// <summary>The payload of the next message, which must be <c>next</c> for <paramref name="id"/>.</summary>
    public async Task<JsonElement> NextAsync(string id, TimeSpan? timeout = null) =>
        (await ReceiveAsync("next", id, timeout)).GetProperty("payload");

    /// <summary>The error codes of the next message, which must be <c>error</c> for <paramref name="id"/>.</summary>
    public async Task<string[]> ErrorCodesAsync(string id, TimeSpan? timeout = null)
    {
        var payload = (await ReceiveAsync("error", id, timeout)).GetProperty("payload");
        return [.. payload.EnumerateArray().Select(e => e.GetProperty("extensions").GetProperty("code").GetString()!)];
    }

    /// <summary>
    /// Sends <c>ping</c> and reads up to its <c>pong</c>; returns what came before it. The server handles messages in
    /// order, so a subscription sent before the ping has been accepted or refused by then.
    /// </summary>
    public async Task<JsonElement[]> RoundTripAsync(TimeSpan? timeout = null)
    {
        await PingAsync();
        var before = new List<JsonElement>();
        while (true)
        {
            var message = await ReceiveAsync(timeout);
            if (message.GetProperty("type").GetString() == "pong")
            {
                return [.. before];
            }

            before.Add(message);
        }
    }

    /// <summary>Waits for the server to close the socket, skipping messages; returns the close status.</summary>
    public async Task<WebSocketCloseStatus?> ClosedAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            while (await _received.Reader.WaitToReadAsync(cts.Token))
            {
                _received.Reader.TryRead(out _);
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"The server did not close the socket within {timeout ?? DefaultTimeout}.");
        }

        await _reading;
        return CloseStatus;
    }

    /// <summary>Closes from the client side (1000) and waits for the server's answer.</summary>
    public async Task CloseAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            await _sending.WaitAsync();
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
            }
            finally
            {
                _sending.Release();
            }
        }

        await Task.WhenAny(_reading, Task.Delay(DefaultTimeout));
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            try
            {
                await CloseAsync();
            }
            catch (Exception ex) when (ex is WebSocketException or IOException)
            {
                // Already gone.
            }
        }

        _socket.Dispose();
        _sending.Dispose();
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    (CloseStatus, CloseDescription) = (result.CloseStatus, result.CloseStatusDescription);
                    if (_socket.State == WebSocketState.CloseReceived)
                    {
                        await _sending.WaitAsync();
                        try
                        {
                            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                        }
                        finally
                        {
                            _sending.Release();
                        }
                    }

                    return;
                }

                message.Write(buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    _received.Writer.TryWrite(JsonDocument.Parse(message.ToArray()).RootElement.Clone());
                    message.SetLength(0);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The socket was aborted, or the server was gone before our answer to its close.
        }
        finally
        {
            _received.Writer.TryComplete();
        }
    }
}
