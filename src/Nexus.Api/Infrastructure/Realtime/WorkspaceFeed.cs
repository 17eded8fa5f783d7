namespace Nexus.Api.Infrastructure.Realtime;

/// <summary>
/// In-process fan-out of realtime messages, keyed by workspace and message type: <see cref="IRealtimeSource"/>s
/// publish what a committed transaction changed, GraphQL subscriptions watch. Delivery is synchronous on the
/// publisher's thread, so observers must only hand the message on (the WebSocket transport queues it).
/// </summary>
/// <remarks>
/// Each node has its own feed; <see cref="CommittedEvents"/> fills it with what every node commits.
/// </remarks>
public sealed class WorkspaceFeed(ILogger<WorkspaceFeed> logger)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(Guid Workspace, Type Message), Subscriber[]> _topics = [];

    /// <summary>Delivers <paramref name="message"/> to everyone watching <typeparamref name="T"/> in the workspace.</summary>
    public void Publish<T>(Guid workspaceId, T message)
    {
        Subscriber[]? subscribers;
        lock (_gate)
        {
            _topics.TryGetValue((workspaceId, typeof(T)), out subscribers);
        }

        foreach (var subscriber in subscribers ?? [])
        {
            try
            {
                ((IObserver<T>)subscriber.Observer).OnNext(message);
            }
            catch (Exception ex)
            {
                // One broken watcher must not keep the message from the others.
                logger.LogError(ex, "A {Message} watcher of workspace {WorkspaceId} failed", typeof(T).Name, workspaceId);
            }
        }
    }

    /// <summary>The <typeparamref name="T"/> messages of a workspace from now on; disposing the subscription stops them.</summary>
    public IObservable<T> Watch<T>(Guid workspaceId) => new Topic<T>(this, workspaceId);

    /// <summary>Whether anyone watches anything: when no one does, sources need not read what a commit changed.</summary>
    public bool HasWatchers
    {
        get
        {
            lock (_gate)
            {
                return _topics.Count > 0;
            }
        }
    }

    /// <summary>How many watchers a workspace has (all message types); for tests and diagnostics.</summary>
    public int WatchersOf(Guid workspaceId)
    {
        lock (_gate)
        {
            return _topics.Where(t => t.Key.Workspace == workspaceId).Sum(t => t.Value.Length);
        }
    }

    private void Add((Guid, Type) key, Subscriber subscriber)
    {
        lock (_gate)
        {
            _topics[key] = _topics.TryGetValue(key, out var existing) ? [.. existing, subscriber] : [subscriber];
        }
    }

    private void Remove((Guid, Type) key, Subscriber subscriber)
    {
        lock (_gate)
        {
            if (!_topics.TryGetValue(key, out var existing))
            {
                return;
            }

            var remaining = Array.FindAll(existing, s => !ReferenceEquals(s, subscriber));
            if (remaining.Length == 0)
            {
                _topics.Remove(key);
            }
            else
            {
                _topics[key] = remaining;
            }
        }
    }

    private sealed class Subscriber(object observer)
    {
        public object Observer { get; } = observer;
    }

    private sealed class Topic<T>(WorkspaceFeed feed, Guid workspaceId) : IObservable<T>
    {
        public IDisposable Subscribe(IObserver<T> observer)
        {
            var key = (workspaceId, typeof(T));
            var subscriber = new Subscriber(observer);
            feed.Add(key, subscriber);
            return new Unsubscriber(() => feed.Remove(key, subscriber));
        }
    }

    private sealed class Unsubscriber(Action remove) : IDisposable
    {
        private Action? _remove = remove;

        public void Dispose() => Interlocked.Exchange(ref _remove, null)?.Invoke();
    }
}

public static class WatchingCommitted
{
    /// <summary>
    /// A subscription's source stream: the <typeparamref name="T"/> messages of a workspace committed from now on,
    /// on any node (this node first catches up with what committed before, so none of it is delivered).
    /// </summary>
    public static async Task<IObservable<T?>> WatchCommittedAsync<T>(this global::GraphQL.IResolveFieldContext context, Guid workspaceId)
    {
        var services = context.RequestServices!;
        await services.GetRequiredService<CommittedEvents>().CaughtUpAsync(context.CancellationToken);
        return services.GetRequiredService<WorkspaceFeed>().Watch<T?>(workspaceId);
    }
}
