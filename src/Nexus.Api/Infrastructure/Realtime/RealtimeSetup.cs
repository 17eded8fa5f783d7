using Marten;
using Weasel.Core;
using Weasel.Core.Migrations;
using Weasel.Postgresql.Functions;
using Weasel.Postgresql.Triggers;

namespace Nexus.Api.Infrastructure.Realtime;

/// <summary>Registers the feed, the realtime sources and the node's follower of committed events.</summary>
public static class RealtimeSetup
{
    public static IServiceCollection AddNexusRealtime(this IServiceCollection services)
    {
        services.AddSingleton<WorkspaceFeed>();
        foreach (var source in typeof(RealtimeSetup).Assembly.GetTypes()
                     .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IRealtimeSource).IsAssignableFrom(t))
                     .OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            services.AddSingleton(typeof(IRealtimeSource), source);
        }

        services.AddDatabaseChannel<CommittedEvents>();
        services.AddHostedService(sp => sp.GetRequiredService<CommittedEvents>());
        return services;
    }
}

/// <summary>
/// The announcement of committed events, a schema object of the event store (discovered like the areas' Marten
/// setup): a statement trigger on <c>mt_events</c> sends <c>NOTIFY nexus_events</c> once per transaction that
/// appends events. A notification is sent at commit and only then, so a crash between commit and announcement
/// cannot lose one; its payload is the sequence number drawn last when it was raised (informational: readers
/// read by position, see <see cref="CommittedEvents"/>), a few bytes however large the transaction.
/// </summary>
public sealed class RealtimeMarten : IConfigureMarten
{
    // A feature of its own rather than ExtendedSchemaObjects: Marten creates those before the event tables.
    public void Configure(IServiceProvider services, StoreOptions options) => options.Storage.Add(new EventAnnouncement(options.Advanced.Migrator));

    private sealed class EventAnnouncement(Migrator migrator) : FeatureSchemaBase(nameof(EventAnnouncement), migrator)
    {
        private const string Announce = "announce_events";

        protected override IEnumerable<ISchemaObject> schemaObjects()
        {
            var schema = Persistence.SchemaName;
            yield return Function.ForSql($$"""
                create or replace function {{schema}}.{{Announce}}() returns trigger language plpgsql as $$
                begin
                    -- Once per transaction: a transaction-local setting (undone with a rolled-back savepoint, as is
                    -- the notification) says it was announced already.
                    if coalesce(current_setting('nexus.events_announced', true), '') = '' then
                        perform set_config('nexus.events_announced', 'yes', true);
                        perform pg_notify('{{CommittedEvents.Channel}}', currval('{{schema}}.mt_events_sequence')::text);
                    end if;
                    return null;
                end
                $$;
                """);
            yield return new Trigger($"{schema}.{Announce}", $"{schema}.mt_events", $"{schema}.{Announce}()")
            {
                Timing = TriggerTiming.After,
                Events = TriggerEvents.Insert,
                ForEachRow = false,
            };
        }
    }
}
