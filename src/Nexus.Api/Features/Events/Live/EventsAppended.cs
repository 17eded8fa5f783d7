using GraphQL;
using GraphQL.Types;
using GraphQL.Types.Relay;
using GraphQL.Types.Relay.DataObjects;
using Marten;
using Nexus.Api.Features.EventStreams.Index;
using Nexus.Api.Features.EventStreams.Listing;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.Infrastructure;
using Nexus.Api.Infrastructure.Identity;
using Npgsql;

namespace Nexus.Api.Features.EventStreams.Live;

/// <summary>
/// <c>eventsAppended(workspaceId, types, after)</c>: the workspace's events from the cursor on, then live, each as an
/// edge of <c>Workspace.events</c> (its cursor and the event). One loop reads <c>seq &gt; last</c> from the index and
/// moves <c>last</c> to each event it sends: the replay and the live part are the same read, so nothing between them is
/// missed or sent twice, and the index being a gapless prefix of the log (<see cref="WorkspaceEventIndex"/>), a lower
/// sequence committed late is never skipped. Woken by the index's own commit (<c>NOTIFY nexus_event_index</c>), and
/// polled every <see cref="Poll"/> should a notification be missed. Without <c>after</c> it starts at the end of the
/// workspace's indexed events. Access as <c>Workspace.events</c>, checked again for every event.
/// </summary>
[SubscriptionType]
public sealed class EventsAppendedSubscription : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.Field<NonNullGraphType<EdgeType<WorkspaceEventType>>, Edge<WorkspaceEvent>>("eventsAppended")
            .Description("The workspace's events after `after` (a cursor of `Workspace.events`, the export or this subscription), then as they are appended; " +
                "without `after`, from now on. Each message carries its cursor, to resume from.")
            .Argument<NonNullGraphType<IdGraphType>>("workspaceId")
            .Argument<ListGraphType<NonNullGraphType<StringGraphType>>>("types", $"Only events of these stored types (at most {EventFilter.MaxTypes}).")
            .Argument<StringGraphType>("after", "Replay the events after this cursor first.")
            .RequireWorkspaceRole(Role.Admin, ctx => ctx.WorkspaceIdArgument("workspaceId"))
            .Scope(AppScope.EventsRead)
            .ResolveStreamAsync(async ctx =>
            {
                var workspaceId = ctx.WorkspaceIdArgument("workspaceId");
                var after = ctx.GetArgument<string?>("after") is { } cursor ? EventCursor.Decode(cursor) : (long?)null;
                var services = ctx.RequestServices!;
                var filter = EventFilter.Create(ctx.GetArgument<List<string>?>("types"), null, null, services.GetRequiredService<IDocumentStore>());
                var database = services.GetRequiredService<NpgsqlDataSource>();
                var start = after ?? await WorkspaceEventReader.LastAsync(database, workspaceId, ctx.CancellationToken);
                return new AppendedEvents(database, services.GetRequiredService<EventIndexSignal>(), services.GetRequiredService<ILogger<AppendedEvents>>(),
                    workspaceId, start, filter);
            });

    internal static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
}

/// <summary>One subscriber's read loop over the index, from <paramref name="start"/> on; it runs while subscribed.</summary>
public sealed class AppendedEvents(NpgsqlDataSource database, EventIndexSignal signal, ILogger<AppendedEvents> logger, Guid workspaceId, long start, EventFilter filter)
    : IObservable<Edge<WorkspaceEvent>?>
{
    private const int Page = 100;

    // A subscriber far behind is replayed a page at a time with a pause between pages, so that its socket's bounded send
    // queue (WebSocketSendQueueLimit) can drain: the live stream has no other back-pressure. Large ranges are the export's.
    private static readonly TimeSpan ReplayPause = TimeSpan.FromMilliseconds(100);

    public IDisposable Subscribe(IObserver<Edge<WorkspaceEvent>?> observer)
    {
        var stop = new CancellationTokenSource();
        _ = RunAsync(observer, stop.Token);
        return new Stop(stop);
    }

    private async Task RunAsync(IObserver<Edge<WorkspaceEvent>?> observer, CancellationToken ct)
    {
        var last = start;
        while (!ct.IsCancellationRequested)
        {
            // Taken before reading: a commit after the read wakes the wait below even if it lands before the wait starts.
            var changed = signal.Changed;
            var count = 0;
            try
            {
                await foreach (var e in WorkspaceEventReader.ReadAsync(database, workspaceId, last, filter, Page, ct))
                {
                    observer.OnNext(new Edge<WorkspaceEvent> { Cursor = e.Cursor, Node = e });
                    last = e.Sequence;
                    count++;
                }

                await (count == Page ? Task.Delay(ReplayPause, ct) : Task.WhenAny(changed, Task.Delay(EventsAppendedSubscription.Poll, ct)));
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Reading the event index for a subscriber of workspace {WorkspaceId} failed; retrying", workspaceId);
                await Task.Delay(EventsAppendedSubscription.Poll, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private sealed class Stop(CancellationTokenSource stop) : IDisposable
    {
        private int _stopped;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _stopped, 1) == 0)
            {
                stop.Cancel();
                stop.Dispose();
            }
        }
    }
}

/// <summary>
/// <c>NOTIFY nexus_event_index</c>, which the index sends in the transaction of each range it writes: tells this node's
/// subscribers that the index grew. Followed on the node's one listening connection (<see cref="DatabaseListener"/>).
/// </summary>
public sealed class EventIndexSignal : IDatabaseChannel
{
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    string IDatabaseChannel.Name => WorkspaceEventIndex.Channel;

    /// <summary>Completes at the next notification (or reconnection) after it was read.</summary>
    public Task Changed => Volatile.Read(ref _changed).Task;

    Task IDatabaseChannel.ListeningAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        Signal();
        return Task.CompletedTask;
    }

    void IDatabaseChannel.Notified(string payload) => Signal();

    // Subscribers poll meanwhile.
    void IDatabaseChannel.Deaf()
    {
    }

    private void Signal() =>
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}

public static class Configuration
{
    public static IServiceCollection AddNexusEventStreams(this IServiceCollection services) => services.AddDatabaseChannel<EventIndexSignal>();
}
