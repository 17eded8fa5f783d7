using Microsoft.Extensions.Logging.Abstractions;
using Nexus.Api.Infrastructure.Realtime;

namespace Nexus.Api.Tests.Infrastructure.Realtime;

public sealed class WorkspaceFeedTests
{
    private readonly WorkspaceFeed _feed = new(NullLogger<WorkspaceFeed>.Instance);

    [Fact]
    public void watchers_get_the_messages_of_their_workspace_and_type_only()
    {
        Guid a = Guid.NewGuid(), b = Guid.NewGuid();
        var strings = new Recorder<string>();
        var numbers = new Recorder<int>();
        using var s1 = _feed.Watch<string>(a).Subscribe(strings);
        using var s2 = _feed.Watch<int>(a).Subscribe(numbers);

        _feed.Publish(a, "one");
        _feed.Publish(b, "elsewhere");
        _feed.Publish(a, 2);
        _feed.Publish(a, "three");

        Assert.Equal(["one", "three"], strings.Received);
        Assert.Equal([2], numbers.Received);
    }

    [Fact]
    public void a_disposed_subscription_stops_receiving_and_leaves_nothing_behind()
    {
        var workspace = Guid.NewGuid();
        var first = new Recorder<string>();
        var second = new Recorder<string>();
        var subscription = _feed.Watch<string>(workspace).Subscribe(first);
        using (_feed.Watch<string>(workspace).Subscribe(second))
        {
            Assert.Equal(2, _feed.WatchersOf(workspace));
            subscription.Dispose();
            subscription.Dispose();
            _feed.Publish(workspace, "after");
        }

        Assert.Empty(first.Received);
        Assert.Equal(["after"], second.Received);
        Assert.Equal(0, _feed.WatchersOf(workspace));
    }

    [Fact]
    public void a_throwing_watcher_does_not_keep_the_message_from_the_others()
    {
        var workspace = Guid.NewGuid();
        var recorder = new Recorder<string>();
        using var broken = _feed.Watch<string>(workspace).Subscribe(new Throwing());
        using var working = _feed.Watch<string>(workspace).Subscribe(recorder);

        _feed.Publish(workspace, "hello");

        Assert.Equal(["hello"], recorder.Received);
    }

    [Fact]
    public async Task concurrent_subscribers_and_publishers_neither_lose_watchers_nor_leak()
    {
        var workspace = Guid.NewGuid();
        var steady = new Recorder<int>();
        using var subscription = _feed.Watch<int>(workspace).Subscribe(steady);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(() =>
        {
            for (var i = 0; i < 500; i++)
            {
                using var transient = _feed.Watch<int>(workspace).Subscribe(new Recorder<int>());
                _feed.Publish(workspace, (worker * 1000) + i);
            }
        })));

        Assert.Equal(8 * 500, steady.Received.Count);
        Assert.Equal(1, _feed.WatchersOf(workspace));
    }

    private sealed class Recorder<T> : IObserver<T>
    {
        private readonly List<T> _received = [];

        public List<T> Received
        {
            get
            {
                lock (_received)
                {
                    return [.. _received];
                }
            }
        }

        public void OnNext(T value)
        {
            lock (_received)
            {
                _received.Add(value);
            }
        }

        public void OnError(Exception error) => throw error;

        public void OnCompleted()
        {
        }
    }

    private sealed class Throwing : IObserver<string>
    {
        public void OnNext(string value) => throw new InvalidOperationException("broken watcher");

        public void OnError(Exception error)
        {
        }

        public void OnCompleted()
        {
        }
    }
}
