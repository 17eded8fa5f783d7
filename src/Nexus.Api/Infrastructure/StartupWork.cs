using System.Collections.Concurrent;

namespace Nexus.Api.Infrastructure;

/// <summary>
/// Start-up work that runs after the host has started (the demo seed) and must be done before this node says it is
/// ready: <c>/readyz</c> answers 503 naming <c>startup</c> while any is pending. Work that hosted services finish in
/// their <c>StartAsync</c> (Marten's and the identity store's migrations) is already done once the host has started.
/// </summary>
public sealed class StartupWork
{
    private readonly ConcurrentDictionary<Guid, string> _pending = new();

    /// <summary>Names work as pending until the returned handle is disposed (whether the work succeeded or not).</summary>
    public IDisposable Begin(string name)
    {
        var id = Guid.NewGuid();
        _pending[id] = name;
        return new Done(() => _pending.TryRemove(id, out _));
    }

    public IReadOnlyCollection<string> Pending => [.. _pending.Values];

    private sealed class Done(Action end) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                end();
            }
        }
    }
}
