using JasperFx.Events;
using Marten;

namespace Nexus.Api.Infrastructure.Realtime;

/// <summary>
/// Turns committed events of one area into realtime messages. Implementations are discovered (one singleton each);
/// <see cref="RealtimeListener"/> calls every source after every commit that appended events.
/// </summary>
public interface IRealtimeSource
{
    /// <summary>
    /// Called after a transaction committed, with the event streams it appended to. Publish to the
    /// <paramref name="feed"/>; read models are read through <paramref name="session"/> (it sees the commit).
    /// </summary>
    Task PublishAsync(IReadOnlyList<StreamAction> committed, IQuerySession session, WorkspaceFeed feed, CancellationToken ct);
}
