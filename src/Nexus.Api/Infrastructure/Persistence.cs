using JasperFx.CodeGeneration;
using JasperFx.Events;
using JasperFx.Events.Daemon;
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
            .AddAsyncDaemon(DaemonMode.Solo)
            .IntegrateWithWolverine()
            .ApplyAllDatabaseChangesOnStartup();

        builder.Host.UseWolverine(options =>
        {
            options.Policies.AutoApplyTransactions();
            options.Policies.UseDurableLocalQueues();
            options.Policies.UseDurableInboxOnAllListeners();
            options.Policies.UseDurableOutboxOnAllSendingEndpoints();

            options.Durability.Mode = DurabilityMode.Solo;
            // Scheduled publication is the product: poll persisted scheduled messages several times a second.
            options.Durability.ScheduledJobPollingTime = TimeSpan.FromMilliseconds(250);
            options.Durability.ScheduledJobFirstExecution = TimeSpan.FromMilliseconds(250);
            // A minute can hold thousands of due posts: release them in pages of 500 rather than 100 per poll.
            options.Durability.RecoveryBatchSize = 500;

            // A unique index or a stream's expected version lost a race with a concurrent command: run the handler
            // again, whose checks now see the winner's committed state and answer with a typed error. This is what
            // makes the checks handlers make on the aggregate they load for writing hold under concurrency.
            options.OnException(e => IsUniqueViolation(e) || IsConcurrencyConflict(e)).RetryWithCooldown(
                TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(25), TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200));

            options.CodeGeneration.TypeLoadMode = builder.Environment.IsProduction() ? TypeLoadMode.Auto : TypeLoadMode.Dynamic;
        });

        return builder;
    }

    internal static bool IsConcurrencyConflict(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is JasperFx.ConcurrencyException)
            {
                return true;
            }
        }

        return false;
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
