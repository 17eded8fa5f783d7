using Marten;
using Nexus.Api.Infrastructure;
using Weasel.Postgresql.Tables;

namespace Nexus.Api.Features.Hooks;

/// <summary>
/// Where outbound webhooks live: plain tables, because the sweeper claims due rows with <c>for update skip locked</c>
/// and the delivery log is paged by key, both of which are one statement on typed columns.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>nexus.webhook_endpoints</c>: URL, subscribed event types, whether enabled (and why not), the signing secret
/// sealed by the token vault (key id + AES-GCM payload, bound to the endpoint's id), and since when it has been failing.</item>
/// <item><c>nexus.webhook_deliveries</c>: one row per (endpoint, event); the request body as sent, the state
/// (<c>pending</c>, <c>delivered</c>, <c>failed</c>), the next attempt, and the last attempt's answer (status, the first
/// bytes of the body, duration, error). The unique (endpoint, event id, type) makes a replayed event no second row.</item>
/// </list>
/// </remarks>
public static class HookTables
{
    public const string Endpoints = Persistence.SchemaName + ".webhook_endpoints";
    public const string Deliveries = Persistence.SchemaName + ".webhook_deliveries";
}

public sealed class HooksMarten : IConfigureMarten
{
    public void Configure(IServiceProvider services, StoreOptions options)
    {
        var endpoints = new Table(HookTables.Endpoints);
        endpoints.AddColumn<Guid>("id").AsPrimaryKey();
        endpoints.AddColumn<Guid>("workspace_id").NotNull();
        endpoints.AddColumn<string>("url").NotNull();
        endpoints.AddColumn("event_types", "text[]").NotNull();
        endpoints.AddColumn<bool>("enabled").NotNull();
        endpoints.AddColumn("disabled_reason", "text");
        endpoints.AddColumn<string>("secret_key_id").NotNull();
        endpoints.AddColumn<string>("secret").NotNull();
        endpoints.AddColumn("created_at", "timestamp with time zone").NotNull();
        endpoints.AddColumn("failing_since", "timestamp with time zone");
        endpoints.Indexes.Add(new IndexDefinition("ix_webhook_endpoints_workspace") { Columns = ["workspace_id"] });
        options.Storage.ExtendedSchemaObjects.Add(endpoints);

        var deliveries = new Table(HookTables.Deliveries);
        deliveries.AddColumn<Guid>("id").AsPrimaryKey();
        deliveries.AddColumn<Guid>("endpoint_id").NotNull();
        deliveries.AddColumn<Guid>("workspace_id").NotNull();
        deliveries.AddColumn<Guid>("event_id").NotNull();
        deliveries.AddColumn<string>("event_type").NotNull();
        deliveries.AddColumn<string>("webhook_id").NotNull();
        deliveries.AddColumn<string>("body").NotNull();
        deliveries.AddColumn<string>("state").NotNull();
        deliveries.AddColumn<int>("attempts").NotNull().DefaultValue(0);
        deliveries.AddColumn<int>("retry_step").NotNull().DefaultValue(0);
        deliveries.AddColumn("next_attempt_at", "timestamp with time zone");
        deliveries.AddColumn("created_at", "timestamp with time zone").NotNull();
        deliveries.AddColumn("last_attempt_at", "timestamp with time zone");
        deliveries.AddColumn("response_status", "integer");
        deliveries.AddColumn("response_body", "text");
        deliveries.AddColumn("duration_ms", "integer");
        deliveries.AddColumn("error", "text");
        deliveries.Indexes.Add(new IndexDefinition("ux_webhook_deliveries_event") { Columns = ["endpoint_id", "event_id", "event_type"], IsUnique = true });
        deliveries.Indexes.Add(new IndexDefinition("ix_webhook_deliveries_endpoint") { Columns = ["endpoint_id", "id"] });
        deliveries.Indexes.Add(new IndexDefinition("ix_webhook_deliveries_due") { Columns = ["next_attempt_at"], Predicate = "next_attempt_at is not null" });
        options.Storage.ExtendedSchemaObjects.Add(deliveries);
    }
}
