using JasperFx.Events;
using Marten;

namespace Nexus.Api.Infrastructure.Realtime;

/// <summary>
/// Turns committed events of one area into realtime messages. Implementations are discovered (one singleton each);
/// <see cref="CommittedEvents"/> calls every source with the events each node learns were committed.
/// </summary>
public interface IRealtimeSource
{
    /// <summary>
    /// Called with committed events, one entry per stream and transaction, in sequence order. Publish to the
    /// <paramref name="feed"/>. Later transactions may have committed since: read a stream's state as of an entry
    /// with <see cref="CommittedState.AsCommittedAsync{T}"/>, not the read model as it is now.
    /// </summary>
    Task PublishAsync(IReadOnlyList<StreamAction> committed, IQuerySession session, WorkspaceFeed feed, CancellationToken ct);
}

public static class CommittedState
{
    /// <summary>
    /// The aggregate of each entry's stream as it was right after that entry's transaction (null when it did not
    /// exist then, e.g. deleted): the read model when the stream has not moved on since, else the stream replayed to
    /// the entry's last version.
    /// </summary>
    public static async Task<IReadOnlyList<T?>> AsCommittedAsync<T>(this IQuerySession session, IReadOnlyList<StreamAction> committed,
        Func<T, (Guid Id, long Version)> identity, CancellationToken ct) where T : class
    {
        var current = (await session.LoadManyAsync<T>(ct, committed.Select(s => s.Id).Distinct())).ToDictionary(d => identity(d).Id);
        var states = new List<T?>(committed.Count);
        foreach (var stream in committed)
        {
            var version = stream.Events[^1].Version;
            states.Add(current.TryGetValue(stream.Id, out var now) && identity(now).Version == version
                ? now
                : await session.Events.AggregateStreamAsync<T>(stream.Id, version, token: ct));
        }

        return states;
    }
}
