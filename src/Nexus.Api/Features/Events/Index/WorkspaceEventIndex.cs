using System.Collections.Concurrent;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Projections;
using Nexus.Api.Infrastructure;
using Weasel.Postgresql.Tables;

namespace Nexus.Api.Features.EventStreams.Index;

/// <summary>
/// Which events belong to which workspace: one row per event of a workspace's streams (the workspace's own, its posts',
/// its connections'), with what the analysts' filters need. Events live in one stream per aggregate and only a stream's
/// first event names the workspace (<c>WorkspaceCreated</c>, <c>PostDrafted</c>, <c>AccountConnected</c>: any first
/// event with a <c>Guid WorkspaceId</c>), so the stream's workspace is learned from it and every later event of the
/// stream follows it. A stream whose first event names no workspace (a user's: <c>UserRegistered</c>) is never indexed,
/// so its events are never shown to anyone.
/// </summary>
/// <remarks>
/// <para>
/// Runs asynchronously, as a Wolverine-managed agent like <c>MetricRows</c>, so nothing here can fail or slow a command's
/// transaction. The daemon hands it the log in ranges in sequence order, each range only once every sequence number
/// below the range's ceiling is committed or known to be abandoned: that ceiling is Marten's high-water mark, "the
/// furthest known event sequence that the daemon knows that all events with that sequence or lower can be safely
/// processed in order" (Marten docs, Async Daemon). A range's rows and the projection's progress are written in one
/// transaction. So the index is always a gapless prefix of the log: a reader that has seen everything up to sequence
/// <c>n</c> and then reads <c>seq_id &gt; n</c> never misses an event with a lower number that committed later, which
/// reading <c>mt_events</c> directly would (a sequence number is drawn before its transaction commits). This is what
/// makes the cursor of <c>Workspace.events</c>, the export and <c>eventsAppended</c> one cursor without gaps.
/// </para>
/// <para>
/// The one exception is Marten's: a hole that stays open past the stale threshold is skipped as a rolled-back
/// transaction. Since Marten 9.16.1 it first checks that no live transaction could still fill it
/// (<c>UseTransactionEvidenceForGapSkipping</c>); a transaction that runs longer than that and then commits is missed by
/// every async projection alike, this one included.
/// </para>
/// <para>
/// Every write is an insert that ignores a row already there, so replaying the log (a rebuild) never duplicates or
/// reorders anything and needs no teardown. After each range it sends <c>NOTIFY</c> <see cref="Channel"/> (delivered
/// at commit), which wakes <c>eventsAppended</c> subscribers.
/// </para>
/// </remarks>
public sealed class WorkspaceEventIndex : IProjection
{
    public const string Name = "WorkspaceEventIndex";
    public const string Channel = "nexus_event_index";
    public const string Events = Persistence.SchemaName + ".workspace_events";
    public const string Streams = Persistence.SchemaName + ".event_stream_workspaces";
    public const string SharedStreams = Persistence.SchemaName + ".event_stream_other_workspaces";

    private static readonly ConcurrentDictionary<Type, Func<object, Guid?>> WorkspaceReaders = new();

    // Two statements per range, whatever its length: the streams it starts, then its events joined to their stream's
    // workspace (which the first statement may just have written).
    public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var starts = events.Where(e => e.Version == 1).Select(e => (e.StreamId, Workspace: WorkspaceOf(e.Data))).Where(s => s.Workspace is not null).ToList();
        if (starts.Count > 0)
        {
            operations.QueueSqlCommand(
                $"insert into {Streams} (stream_id, workspace_id) select * from unnest(?::uuid[], ?::uuid[]) on conflict (stream_id) do nothing",
                starts.Select(s => s.StreamId).ToArray(), starts.Select(s => s.Workspace!.Value).ToArray());
        }

        // A stream of two parties (a marketplace application: the brand's and the creator's workspaces) is listed
        // under the other workspace too.
        var shared = events.Where(e => e.Version == 1 && e.Data is Marketplace.IPartiesStart).Select(e => (e.StreamId, Other: ((Marketplace.IPartiesStart)e.Data).OtherWorkspaceId)).ToList();
        if (shared.Count > 0)
        {
            operations.QueueSqlCommand(
                $"insert into {SharedStreams} (stream_id, workspace_id) select * from unnest(?::uuid[], ?::uuid[]) on conflict do nothing",
                shared.Select(s => s.StreamId).ToArray(), shared.Select(s => s.Other).ToArray());
        }

        if (events.Count > 0)
        {
            operations.QueueSqlCommand(
                $"insert into {Events} (workspace_id, seq_id, stream_id, type, timestamp) " +
                $"select s.workspace_id, e.seq, e.stream, e.type, e.at from unnest(?::bigint[], ?::uuid[], ?::text[], ?::timestamptz[]) as e(seq, stream, type, at) " +
                $"join (select stream_id, workspace_id from {Streams} union all select stream_id, workspace_id from {SharedStreams}) s on s.stream_id = e.stream " +
                "on conflict (workspace_id, seq_id) do nothing",
                events.Select(e => e.Sequence).ToArray(), events.Select(e => e.StreamId).ToArray(), events.Select(e => e.EventTypeName).ToArray(),
                events.Select(e => e.Timestamp.ToUniversalTime()).ToArray());
            operations.QueueSqlCommand($"select pg_notify('{Channel}', '')");
        }

        return Task.CompletedTask;
    }

    /// <summary>The workspace an event names in a <c>Guid WorkspaceId</c> property; null when it names none.</summary>
    public static Guid? WorkspaceOf(object data) =>
        WorkspaceReaders.GetOrAdd(data.GetType(), type => type.GetProperty("WorkspaceId") is { } property && property.PropertyType == typeof(Guid)
            ? e => (Guid)property.GetValue(e)!
            : _ => null)(data);
}

/// <summary>Registers the index (an async projection) and creates its tables with the rest of the schema.</summary>
public sealed class WorkspaceEventIndexMarten : IConfigureMarten
{
    public void Configure(IServiceProvider services, StoreOptions options)
    {
        options.Projections.Add(new WorkspaceEventIndex(), ProjectionLifecycle.Async, WorkspaceEventIndex.Name);

        var streams = new Table(WorkspaceEventIndex.Streams);
        streams.AddColumn<Guid>("stream_id").AsPrimaryKey();
        streams.AddColumn<Guid>("workspace_id").NotNull();
        options.Storage.ExtendedSchemaObjects.Add(streams);

        var shared = new Table(WorkspaceEventIndex.SharedStreams);
        shared.AddColumn<Guid>("stream_id").AsPrimaryKey();
        shared.AddColumn<Guid>("workspace_id").AsPrimaryKey();
        options.Storage.ExtendedSchemaObjects.Add(shared);

        // Keyed (workspace, sequence): every read is one workspace's events after a cursor, in sequence order.
        var events = new Table(WorkspaceEventIndex.Events);
        events.AddColumn<Guid>("workspace_id").AsPrimaryKey();
        events.AddColumn<long>("seq_id").AsPrimaryKey();
        events.AddColumn<Guid>("stream_id").NotNull();
        events.AddColumn<string>("type").NotNull();
        events.AddColumn("timestamp", "timestamp with time zone").NotNull();
        options.Storage.ExtendedSchemaObjects.Add(events);
    }
}
