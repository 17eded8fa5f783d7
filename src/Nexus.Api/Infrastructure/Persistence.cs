using JasperFx.CodeGeneration;
using JasperFx.Events;
using Marten;
using Npgsql;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Marten;

namespace Nexus.Api.Infrastructure;

/// <summary>An event record of the domain. Every implementation is registered with Marten and listed in <c>schema/events.md</c>.</summary>
public interface IDomainEvent;

/// <summary>Marten and Wolverine: the event store, documents, projections, handlers and durable messaging.</summary>
public static class Persistence
{
    public const string SchemaName = "nexus";

    public static IReadOnlyList<Type> EventTypes { get; } =
        [.. typeof(IDomainEvent).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IDomainEvent).IsAssignableFrom(t))
            .OrderBy(t => t.FullName, StringComparer.Ordinal)];

    public static WebApplicationBuilder AddNexusPersistence(this WebApplicationBuilder builder)
    {
        var connectionString = Database.ConnectionString(builder.Configuration);
        builder.Services.AddSingleton(_ => Database.CreateDataSource(connectionString));

        // Each area contributes its documents and projections through an IConfigureMarten of its own.
        foreach (var area in typeof(Persistence).Assembly.GetTypes()
                     .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IConfigureMarten).IsAssignableFrom(t)))
        {
            builder.Services.AddSingleton(typeof(IConfigureMarten), area);
        }

        builder.Services.AddMarten(options =>
            {
                options.DatabaseSchemaName = SchemaName;
                options.Events.DatabaseSchemaName = SchemaName;
                options.Events.StreamIdentity = StreamIdentity.AsGuid;
                options.Events.AppendMode = EventAppendMode.Quick;
                options.Events.UseIdentityMapForAggregates = true;
                options.Events.AddEventTypes(EventTypes);

                // A projection that cannot apply an event stops; it never silently drops data.
                foreach (var errors in new[] { options.Projections.Errors, options.Projections.RebuildErrors })
                {
                    errors.SkipApplyErrors = false;
                    errors.SkipSerializationErrors = false;
                    errors.SkipUnknownEvents = false;
                }
            })
            .UseNpgsqlDataSource()
            .UseLightweightSessions()
            // Async projections and subscriptions run as Wolverine agents, each on exactly one live node, spread across
            // the nodes and moved off a dead one by the same heartbeats and leader that move its scheduled messages. Not
            // Marten's HotCold: that is a second leader election (its own advisory lock and polling) with timings of its
            // own, and it runs every shard on the one node holding the lock. Wolverine refuses the two together, so there
            // is no AddAsyncDaemon here.
            .IntegrateWithWolverine(wolverine => wolverine.UseWolverineManagedEventSubscriptionDistribution = true)
            .ApplyAllDatabaseChangesOnStartup();

        builder.Host.UseWolverine(options =>
        {
            options.Policies.AutoApplyTransactions();
            options.Policies.AddMiddleware(typeof(OneTransaction), OneTransaction.AppliesTo);
            options.Policies.UseDurableLocalQueues();
            options.Policies.UseDurableInboxOnAllListeners();
            options.Policies.UseDurableOutboxOnAllSendingEndpoints();

            // Every node is equal: the leader (a PostgreSQL advisory lock) hands the durability agent (scheduled messages,
            // recovery) and the projection agents to live nodes, and takes them back from a node that stops heartbeating.
            options.Durability.Mode = DurabilityMode.Balanced;
            // A dead node's work must move in seconds, not Wolverine's default minute and more (60 s stale + 2 × 10 s checks).
            // Heartbeat every second; a node 5 s silent (five missed heartbeats: more than a GC pause or a busy moment of a
            // live node) is dropped from assignments and, one more check later, ejected, which releases the messages it
            // owned. Its agents restart elsewhere within about 7 s; its inbox is swept on the next 1 s pass. Each node pays
            // two small statements a second for it.
            options.Durability.HealthCheckPollingTime = TimeSpan.FromSeconds(1);
            options.Durability.StaleNodeTimeout = TimeSpan.FromSeconds(5);
            options.Durability.NodeReassignmentPollingTime = TimeSpan.FromSeconds(1);
            options.Durability.OrphanedMessageSweepPollingTime = TimeSpan.FromSeconds(1);
            // An agent command the leader sent that was never answered (a move from or a start on a node that was then
            // SIGKILLed, or a control message lost when PostgreSQL restarted) stays pending, and Wolverine places that
            // agent again only once the pending command is 2 × CheckAssignmentPeriod old: 60 s by default, during which
            // the agent (scheduled messages and recovery, a projection) runs nowhere. 3 s retries it 6 s on, which
            // follows a dead node's ejection closely; a command still in flight is never retried meanwhile (Wolverine
            // holds it while the dispatcher works on it).
            options.Durability.CheckAssignmentPeriod = TimeSpan.FromSeconds(3);
            // That hold is bounded by the command showing progress. The leader sends the start through the node's control
            // queue (a row in PostgreSQL the node polls, deleted unread after 30 s) and asks the node every poll interval
            // which agents it runs; while the node answers but the agent never shows up (the row expired unread on a
            // busy node, or the start failed), the agent stays pinned to that node until the stall timeout passes
            // without progress: by default 5 minutes, asked every 10 s, with the projection running nowhere. 20 s, asked
            // every 2 s, releases it for the next evaluation to re-send or re-place. Above the slowest real projection
            // start here (a rebuild runs inside the start: raise it for one), as a start given up on while still under
            // way can be sent again.
            options.Durability.AgentProgressStallTimeout = TimeSpan.FromSeconds(20);
            options.Durability.AgentProgressPollInterval = TimeSpan.FromSeconds(2);
            // A new node elects a leader (itself, when alone) and gets its agents at its first check: soon after start,
            // so a restarted node polls scheduled messages at once, as Solo did.
            options.Durability.FirstHealthCheckExecution = TimeSpan.FromMilliseconds(100);
            options.Durability.FirstNodeReassignmentExecution = TimeSpan.FromMilliseconds(100);
            // Scheduled publication is the product: poll persisted scheduled messages several times a second.
            options.Durability.ScheduledJobPollingTime = TimeSpan.FromMilliseconds(250);
            options.Durability.ScheduledJobFirstExecution = TimeSpan.FromMilliseconds(250);
            // A minute can hold thousands of due posts: release them in pages of 500 rather than 100 per poll.
            options.Durability.RecoveryBatchSize = 500;

            // A unique index or a stream's expected version lost a race with a concurrent command: run the handler
            // again, whose checks now see the winner's committed state and answer with a typed error. This is what
            // makes the checks handlers make on the aggregate they load for writing hold under concurrency. The window
            // covers a busy moment of two nodes on one database (a publisher holding the post's stream row while it
            // records an answer, a slow commit): about 3 s in all, jittered per process so that the nodes' losers of
            // one race do not try again in step. A mutation whose retries all lose answers VERSION_CONFLICT (see
            // MutationConflicts), never INTERNAL.
            options.OnException(e => IsUniqueViolation(e) || IsConcurrencyConflict(e)).RetryWithCooldown(ConflictRetryDelays());

            // Production loads the handler code pre-generated by `./build.sh codegen` (Internal/Generated, compiled in):
            // no Roslyn at start-up, which is seconds of CPU and ~100 MiB of memory. Elsewhere it is generated as
            // handlers change; GeneratedCodeTests fails when the checked-in copy is stale.
            options.CodeGeneration.TypeLoadMode = builder.Environment.IsProduction() ? TypeLoadMode.Static : TypeLoadMode.Dynamic;
        });

        return builder;
    }

    /// <summary>
    /// Marten throws <see cref="JasperFx.Events.EventStreamUnexpectedMaxEventIdException"/> (a
    /// <see cref="JasperFx.ConcurrencyException"/>) for a stale expected version, whether PostgreSQL raised it as
    /// <c>MT003</c> in the append function or as the unique violation on the events' (stream, version) key. The raw
    /// PostgreSQL errors are recognised too: a path that does not translate them is still the same lost race.
    /// </summary>
    internal static bool IsConcurrencyConflict(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is JasperFx.ConcurrencyException
                or PostgresException { SqlState: StreamVersionMismatch }
                or PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: EventVersionKey })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The SQLSTATE Marten's append function raises when a stream is not at the expected version.</summary>
    private const string StreamVersionMismatch = "MT003";

    private const string EventVersionKey = "pk_mt_events_stream_and_version";

    /// <summary>Pauses between attempts of a command that lost a write race: growing from 10 ms to 800 ms, ±30 % each.</summary>
    internal static TimeSpan[] ConflictRetryDelays()
    {
        int[] milliseconds = [10, 20, 40, 80, 150, 250, 400, 600, 800, 800];
        return [.. milliseconds.Select(ms => TimeSpan.FromMilliseconds(ms * (0.7 + (0.6 * Random.Shared.NextDouble()))))];
    }

    internal static bool IsUniqueViolation(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
            {
                return true;
            }
        }

        return false;
    }
}
