using System.Net.WebSockets;
using System.Text;
using Nexus.Api.GraphQL.Transport;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.GraphQL;

public sealed class WebSocketSenderTests
{
    [Fact]
    public async Task messages_are_written_in_the_order_they_were_queued_then_the_close()
    {
        using var socket = new RecordingSocket();
        using var sender = new WebSocketSender(socket, 10, TimeSpan.FromSeconds(5));
        var running = sender.RunAsync();

        for (var i = 0; i < 5; i++)
        {
            Assert.True(sender.TrySend(Encoding.UTF8.GetBytes($"m{i}")));
        }

        await Eventually.TrueAsync(() => socket.Sent.Count == 5, "the queued messages were not written");
        sender.Close(WebSocketCloseStatus.NormalClosure, "bye");
        await running.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(["m0", "m1", "m2", "m3", "m4"], socket.Sent);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.ClosedWith);
        Assert.False(sender.TrySend(Encoding.UTF8.GetBytes("late")));
    }

    [Fact]
    public async Task a_client_that_does_not_read_is_closed_with_1013_once_the_queue_overflows_and_others_never_wait()
    {
        using var socket = new RecordingSocket { Blocked = true };
        using var sender = new WebSocketSender(socket, 2, TimeSpan.FromSeconds(5));
        var running = sender.RunAsync();

        Assert.True(sender.TrySend(Encoding.UTF8.GetBytes("first")));
        await Eventually.TrueAsync(() => socket.Writing, "the first message was not being written");
        Assert.True(sender.TrySend(Encoding.UTF8.GetBytes("queued 1")));
        Assert.True(sender.TrySend(Encoding.UTF8.GetBytes("queued 2")));
        Assert.False(sender.TrySend(Encoding.UTF8.GetBytes("overflow")));

        Assert.Equal(WebSocketCloseCodes.SlowConsumer, sender.CloseRequested?.Status);
        socket.Release();
        await running.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["first"], socket.Sent);
        Assert.Equal((WebSocketCloseStatus)1013, socket.ClosedWith);
    }

    [Fact]
    public async Task a_client_that_never_takes_the_close_is_aborted_after_the_close_timeout()
    {
        using var socket = new RecordingSocket { Blocked = true };
        using var sender = new WebSocketSender(socket, 1, TimeSpan.FromMilliseconds(200));
        var running = sender.RunAsync();
        sender.TrySend(Encoding.UTF8.GetBytes("stuck"));
        await Eventually.TrueAsync(() => socket.Writing, "the message was not being written");

        sender.Close(WebSocketCloseCodes.GoingAway, "Server shutting down");

        await running.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(socket.Aborted);
        Assert.True(sender.Aborted.IsCancellationRequested);
    }

    /// <summary>A socket whose sends can be held, as TCP holds them when the peer stops reading.</summary>
    private sealed class RecordingSocket : WebSocket
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private WebSocketState _state = WebSocketState.Open;

        public bool Blocked { get; init; }

        public volatile bool Writing;

        public List<string> Sent { get; } = [];

        public WebSocketCloseStatus? ClosedWith { get; private set; }

        public bool Aborted { get; private set; }

        public void Release() => _released.TrySetResult();

        public override async Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
        {
            Writing = true;
            if (Blocked)
            {
                await _released.Task.WaitAsync(cancellationToken);
            }

            lock (Sent)
            {
                Sent.Add(Encoding.UTF8.GetString(buffer));
            }
        }

        public override Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
        {
            ClosedWith = closeStatus;
            _state = WebSocketState.CloseSent;
            return Task.CompletedTask;
        }

        public override void Abort()
        {
            Aborted = true;
            _state = WebSocketState.Aborted;
        }

        public override WebSocketCloseStatus? CloseStatus => ClosedWith;

        public override string? CloseStatusDescription => null;

        public override WebSocketState State => _state;

        public override string? SubProtocol => null;

        public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
            CloseOutputAsync(closeStatus, statusDescription, cancellationToken);

        public override Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public override void Dispose()
        {
        }
    }
}
