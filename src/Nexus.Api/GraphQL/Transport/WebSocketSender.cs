using System.Net.WebSockets;
using System.Threading.Channels;

namespace Nexus.Api.GraphQL.Transport;

/// <summary>
/// Writes one WebSocket's outgoing messages, in the order they were queued, from a bounded queue: whoever produces a
/// message (a subscription event on any thread) only queues it and never waits for a slow client. A client that lets
/// the queue fill up is closed with 1013 (try again later) rather than buffered without bound.
/// </summary>
internal sealed class WebSocketSender : IDisposable
{
    private readonly WebSocket _socket;
    private readonly Channel<ReadOnlyMemory<byte>> _queue;
    private readonly CancellationTokenSource _abort = new();
    private readonly TimeSpan _closeTimeout;
    private (WebSocketCloseStatus Status, string Reason) _close;
    private int _closing;

    public WebSocketSender(WebSocket socket, int capacity, TimeSpan closeTimeout)
    {
        _socket = socket;
        _closeTimeout = closeTimeout;
        _queue = Channel.CreateBounded<ReadOnlyMemory<byte>>(new BoundedChannelOptions(Math.Max(1, capacity))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Cancelled when the peer failed to finish the close handshake in time: stop reading, the socket is aborted.</summary>
    public CancellationToken Aborted => _abort.Token;

    public bool IsClosing => Volatile.Read(ref _closing) != 0;

    /// <summary>The close the server asked for (status and reason), once it has.</summary>
    public (WebSocketCloseStatus Status, string Reason)? CloseRequested => IsClosing ? _close : null;

    /// <summary>Queues a text message; false when the socket is closing or the queue overflowed (the socket then closes with 1013).</summary>
    public bool TrySend(ReadOnlyMemory<byte> message)
    {
        if (IsClosing)
        {
            return false;
        }

        if (_queue.Writer.TryWrite(message))
        {
            return true;
        }

        Close(WebSocketCloseCodes.SlowConsumer, "Send queue overflow: the client reads too slowly");
        return false;
    }

    /// <summary>
    /// Closes with <paramref name="status"/>: the message being written is finished, those still queued are dropped,
    /// then the close frame goes out. A peer that has not completed the close within the timeout is aborted.
    /// Only the first close counts.
    /// </summary>
    public bool Close(WebSocketCloseStatus status, string reason)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return false;
        }

        _close = (status, reason);
        _queue.Writer.TryComplete();
        _abort.CancelAfter(_closeTimeout);
        return true;
    }

    public void Dispose() => _abort.Dispose();

    /// <summary>Writes queued messages until the close; ends once the close frame is sent or the socket is gone.</summary>
    public async Task RunAsync()
    {
        try
        {
            var reader = _queue.Reader;
            while (!IsClosing && await reader.WaitToReadAsync(_abort.Token))
            {
                while (!IsClosing && reader.TryRead(out var message))
                {
                    await _socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, _abort.Token);
                }
            }

            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(_close.Status, _close.Reason, _abort.Token);
            }
        }
        catch (OperationCanceledException)
        {
            _socket.Abort();
        }
        catch (WebSocketException)
        {
            // The peer is gone; nothing left to tell it.
        }
        catch (ObjectDisposedException)
        {
            // Torn down by the server while a send was pending.
        }
    }
}

/// <summary>The WebSocket close codes Nexus uses: <c>graphql-transport-ws</c>'s own (44xx) and the standard ones.</summary>
public static class WebSocketCloseCodes
{
    public const WebSocketCloseStatus BadRequest = (WebSocketCloseStatus)4400;
    public const WebSocketCloseStatus Unauthorized = (WebSocketCloseStatus)4401;
    public const WebSocketCloseStatus Forbidden = (WebSocketCloseStatus)4403;
    public const WebSocketCloseStatus SubprotocolNotAcceptable = (WebSocketCloseStatus)4406;
    public const WebSocketCloseStatus ConnectionInitialisationTimeout = (WebSocketCloseStatus)4408;
    public const WebSocketCloseStatus SubscriberAlreadyExists = (WebSocketCloseStatus)4409;
    public const WebSocketCloseStatus TooManyInitialisationRequests = (WebSocketCloseStatus)4429;
    public const WebSocketCloseStatus InternalServerError = (WebSocketCloseStatus)4500;

    /// <summary>1001: the server is shutting down.</summary>
    public const WebSocketCloseStatus GoingAway = WebSocketCloseStatus.EndpointUnavailable;

    /// <summary>1009: a message larger than <c>Nexus:GraphQL:MaxRequestBytes</c>.</summary>
    public const WebSocketCloseStatus MessageTooBig = WebSocketCloseStatus.MessageTooBig;

    /// <summary>1013 (try again later): the client did not read its messages fast enough and the send queue filled up.</summary>
    public const WebSocketCloseStatus SlowConsumer = (WebSocketCloseStatus)1013;
}
