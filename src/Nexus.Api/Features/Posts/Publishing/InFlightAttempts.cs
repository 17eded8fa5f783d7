using System.Collections.Concurrent;

namespace Nexus.Api.Features.Posts.Publishing;

/// <summary>
/// The attempts this process is calling a platform for right now. A second delivery of an attempt that finds it
/// recorded but unanswered tells "still being called here" (wait) from "its caller is gone" (ask the platform): an
/// attempt owned by this process and listed here is in flight; one owned by an earlier process (before a restart)
/// lost its caller. Nexus runs one node (Wolverine Solo); several nodes would need a lease per attempt instead.
/// </summary>
public sealed class InFlightAttempts
{
    // A count, not a flag: two deliveries of one attempt may both be about to claim it; each releases only its own.
    private readonly ConcurrentDictionary<string, int> _calls = new();

    /// <summary>This process's id, recorded as the owner of the attempts it starts.</summary>
    public Guid ProcessId { get; } = Guid.CreateVersion7();

    public bool IsCalling(string attemptId) => _calls.TryGetValue(attemptId, out var count) && count > 0;

    /// <summary>Lists the attempt until the returned handle is disposed (after its answer is saved).</summary>
    public IDisposable Track(string attemptId)
    {
        _calls.AddOrUpdate(attemptId, 1, (_, count) => count + 1);
        return new Release(() =>
        {
            if (_calls.AddOrUpdate(attemptId, 0, (_, count) => count - 1) <= 0)
            {
                _calls.TryRemove(new KeyValuePair<string, int>(attemptId, 0));
            }
        });
    }

    private sealed class Release(Action release) : IDisposable
    {
        private Action? _release = release;

        public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
    }
}
