using GraphQL;
using GraphQL.Types;
using GraphQL.Types.Relay;
using Nexus.Api.Features.Hooks.Delivering;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.GraphQL.Scalars;
using Nexus.Api.Infrastructure.Identity;
using Nexus.Api.GraphQL.Errors;
using Npgsql;
using RelayConnection = GraphQL.Types.Relay.DataObjects.Connection<Nexus.Api.Features.Hooks.DeliveryRow>;

namespace Nexus.Api.Features.Hooks;

/// <summary>An endpoint as the API shows it: never its secret.</summary>
public sealed record EndpointRow(Guid Id, Guid WorkspaceId, string Url, string[] EventTypes, bool Enabled, string? DisabledReason, DateTimeOffset CreatedAt, DateTimeOffset? FailingSince);

public sealed record DeliveryRow(Guid Id, Guid EndpointId, Guid WorkspaceId, string EventType, string WebhookId, string Body, string State, int Attempts,
    DateTimeOffset? NextAttemptAt, DateTimeOffset CreatedAt, DateTimeOffset? LastAttemptAt, int? ResponseStatus, string? ResponseBody, int? DurationMs, string? Error);

public enum WebhookDeliveryState
{
    Pending,
    Delivered,
    Failed,
}

public sealed class WebhookDeliveryStateType : EnumerationGraphType<WebhookDeliveryState>
{
    public WebhookDeliveryStateType()
    {
        Name = "WebhookDeliveryState";
        Description = "PENDING: waiting for its first or next attempt; DELIVERED: the endpoint answered 2xx; FAILED: no attempt is left (retries spent, 410 Gone, endpoint disabled).";
    }
}

public sealed class WebhookEndpointType : ObjectGraphType<EndpointRow>
{
    public const string TypeName = "WebhookEndpoint";

    public WebhookEndpointType()
    {
        Name = TypeName;
        Description = "Where a workspace's events are sent, signed the Standard Webhooks way. The signing secret is shown only when it is made (create, rotate).";
        Field<NonNullGraphType<IdGraphType>, string>("id").Resolve(ctx => GlobalId.Encode(TypeName, ctx.Source.Id));
        Field(e => e.Url);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>, IReadOnlyList<string>>("eventTypes")
            .Description("The event types sent here (see schema/webhooks.md).").Resolve(ctx => ctx.Source.EventTypes);
        Field(e => e.Enabled).Description("Whether deliveries are sent; false after 410 Gone, after days of failures, or by choice.");
        Field(e => e.DisabledReason, nullable: true).Description("Why Nexus disabled it (null when enabled, or disabled by a person).");
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("createdAt").Resolve(ctx => ctx.Source.CreatedAt);
        Field<DateTimeScalar, DateTimeOffset?>("failingSince").Description("Since when every delivery has failed; null while the last one succeeded.")
            .Resolve(ctx => ctx.Source.FailingSince);
        Field<NonNullGraphType<ConnectionType<WebhookDeliveryType, EdgeType<WebhookDeliveryType>>>, object>("deliveries")
            .Description("The delivery log, newest first.")
            .Paged()
            .RequireWorkspaceRole(Role.Admin, ctx => ((EndpointRow)ctx.Source!).WorkspaceId)
            .Scope(AppScope.WebhooksManage)
            .ResolveAsync(async ctx => await HookQueries.DeliveriesAsync(ctx.RequestServices!.GetRequiredService<NpgsqlDataSource>(), ctx.Source.Id, ctx.GetPageRequest(), ctx.CancellationToken));
    }
}

public sealed class WebhookDeliveryType : ObjectGraphType<DeliveryRow>
{
    public const string TypeName = "WebhookDelivery";

    public WebhookDeliveryType()
    {
        Name = TypeName;
        Description = "One event sent (or to be sent) to one endpoint, with its last attempt's answer.";
        Field<NonNullGraphType<IdGraphType>, string>("id").Resolve(ctx => GlobalId.Encode(TypeName, ctx.Source.Id));
        Field(d => d.EventType).Description("The event type, e.g. post.published (webhook.ping for a test).");
        Field(d => d.WebhookId).Description("The `webhook-id` header: the same on every attempt, for receivers to de-duplicate.");
        Field<NonNullGraphType<WebhookDeliveryStateType>, WebhookDeliveryState>("state").Resolve(ctx => Enum.Parse<WebhookDeliveryState>(ctx.Source.State, ignoreCase: true));
        Field(d => d.Attempts).Description("Attempts made so far.");
        Field<NonNullGraphType<StringGraphType>, string>("requestBody").Resolve(ctx => ctx.Source.Body).Description("The body as sent (the envelope `{ type, timestamp, data }`).");
        Field(d => d.ResponseStatus, nullable: true).Description("The HTTP status of the last attempt; null when no answer came.");
        Field(d => d.ResponseBody, nullable: true).Description("The first 2 KB of the last answer's body.");
        Field(d => d.DurationMs, nullable: true).Description("How long the last attempt took, in milliseconds.");
        Field(d => d.Error, nullable: true).Description("Why the last attempt failed (a non-2xx status, a timeout, a refused address...).");
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("createdAt").Resolve(ctx => ctx.Source.CreatedAt);
        Field<DateTimeScalar, DateTimeOffset?>("lastAttemptAt").Resolve(ctx => ctx.Source.LastAttemptAt);
        Field<DateTimeScalar, DateTimeOffset?>("nextAttemptAt").Description("When the next attempt is due; null once delivered or failed.")
            .Resolve(ctx => ctx.Source.State == HookSender.Pending ? ctx.Source.NextAttemptAt : null);
    }
}

/// <summary><c>Workspace.webhookEndpoints</c>.</summary>
public sealed class WorkspaceWebhookEndpointsField : ITypeExtension<WorkspaceType>
{
    public void Extend(WorkspaceType type) =>
        type.Field<NonNullGraphType<ConnectionType<WebhookEndpointType, EdgeType<WebhookEndpointType>>>, object>("webhookEndpoints")
            .Description("The workspace's outbound webhook endpoints, oldest first.")
            .Paged()
            .RequireWorkspaceRole(Role.Admin, ctx => ((Workspace)ctx.Source!).Id)
            .Scope(AppScope.WebhooksManage)
            .ResolveAsync(async ctx => await HookQueries.EndpointsAsync(ctx.RequestServices!.GetRequiredService<NpgsqlDataSource>(), ctx.Source.Id, ctx.GetPageRequest(), ctx.CancellationToken));
}

/// <summary>Reads of the hooks tables for the API.</summary>
public static class HookQueries
{
    private const string EndpointColumns = "id, workspace_id, url, event_types, enabled, disabled_reason, created_at, failing_since";
    private const string DeliveryColumns = "id, endpoint_id, workspace_id, event_type, webhook_id, body, state, attempts, next_attempt_at, created_at, last_attempt_at, " +
        "response_status, response_body, duration_ms, error";

    public static async Task<RelayConnection> DeliveriesAsync(NpgsqlDataSource db, Guid endpointId, PageRequest page, CancellationToken ct)
    {
        // Newest first by (created at, id): the cursor holds both and the next page starts strictly before them.
        var after = page.After("deliveries", 2);
        await using var command = db.CreateCommand(after is null
            ? $"select {DeliveryColumns} from {HookTables.Deliveries} where endpoint_id = $1 order by created_at desc, id desc limit $2"
            : $"select {DeliveryColumns} from {HookTables.Deliveries} where endpoint_id = $1 and (created_at, id) < ($3, $4) order by created_at desc, id desc limit $2");
        HookSender.Add(command.Parameters, endpointId, page.First + 1);
        if (after is [var ticks, var id])
        {
            HookSender.Add(command.Parameters, new DateTimeOffset(PageRequest.LongPart(ticks, 0, DateTimeOffset.MaxValue.UtcTicks), TimeSpan.Zero), PageRequest.GuidPart(id));
        }

        var rows = await ReadDeliveriesAsync(command, ct);
        int? total = null;
        if (page.CountTotal)
        {
            await using var count = db.CreateCommand($"select count(*) from {HookTables.Deliveries} where endpoint_id = $1");
            HookSender.Add(count.Parameters, endpointId);
            total = Convert.ToInt32(await count.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        }

        return Paging.ToConnection(rows, page, d => Paging.Key("deliveries", d.CreatedAt.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture), d.Id.ToString("N")), total);
    }

    public static async Task<global::GraphQL.Types.Relay.DataObjects.Connection<EndpointRow>> EndpointsAsync(NpgsqlDataSource db, Guid workspaceId, PageRequest page, CancellationToken ct)
    {
        var after = page.After("webhookEndpoints", 1);
        await using var command = db.CreateCommand(after is null
            ? $"select {EndpointColumns} from {HookTables.Endpoints} where workspace_id = $1 order by id limit $2"
            : $"select {EndpointColumns} from {HookTables.Endpoints} where workspace_id = $1 and id > $3 order by id limit $2");
        HookSender.Add(command.Parameters, workspaceId, page.First + 1);
        if (after is [var id])
        {
            HookSender.Add(command.Parameters, PageRequest.GuidPart(id));
        }

        var rows = await ReadEndpointsAsync(command, ct);
        int? total = null;
        if (page.CountTotal)
        {
            await using var count = db.CreateCommand($"select count(*) from {HookTables.Endpoints} where workspace_id = $1");
            HookSender.Add(count.Parameters, workspaceId);
            total = Convert.ToInt32(await count.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        }

        return Paging.ToConnection(rows, page, e => Paging.Key("webhookEndpoints", e.Id.ToString("N")), total);
    }

    public static async Task<EndpointRow?> EndpointAsync(NpgsqlDataSource db, Guid id, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"select {EndpointColumns} from {HookTables.Endpoints} where id = $1");
        HookSender.Add(command.Parameters, id);
        return (await ReadEndpointsAsync(command, ct)).SingleOrDefault();
    }

    public static async Task<DeliveryRow?> DeliveryAsync(NpgsqlDataSource db, Guid id, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"select {DeliveryColumns} from {HookTables.Deliveries} where id = $1");
        HookSender.Add(command.Parameters, id);
        return (await ReadDeliveriesAsync(command, ct)).SingleOrDefault();
    }

    /// <summary>
    /// The workspace an endpoint (or a delivery) belongs to, for access checks. An unknown id has none (the empty id), so
    /// the check answers as for another workspace's: FORBIDDEN, never a hint that the id exists.
    /// </summary>
    public static async ValueTask<Guid> WorkspaceOfAsync(IResolveFieldContext context, string? globalId, string typeName)
    {
        if (!GlobalId.TryParse(globalId, typeName, out var id))
        {
            throw new Nexus.Api.GraphQL.Errors.BadRequestError(typeName == WebhookEndpointType.TypeName ? "The endpoint id is not valid." : "The delivery id is not valid.");
        }

        var table = typeName == WebhookEndpointType.TypeName ? HookTables.Endpoints : HookTables.Deliveries;
        await using var command = context.RequestServices!.GetRequiredService<NpgsqlDataSource>().CreateCommand($"select workspace_id from {table} where id = $1");
        HookSender.Add(command.Parameters, id);
        return await command.ExecuteScalarAsync(context.CancellationToken) is Guid workspace ? workspace : Guid.Empty;
    }

    /// <summary>The local id of a global id the access check already parsed.</summary>
    public static Guid LocalId(string globalId, string typeName) =>
        GlobalId.TryParse(globalId, typeName, out var id) ? id : throw new Nexus.Api.GraphQL.Errors.BadRequestError("The id is not valid.");

    private static async Task<List<EndpointRow>> ReadEndpointsAsync(NpgsqlCommand command, CancellationToken ct)
    {
        var rows = new List<EndpointRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetFieldValue<string[]>(3), reader.GetBoolean(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6), reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7)));
        }

        return rows;
    }

    private static async Task<List<DeliveryRow>> ReadDeliveriesAsync(NpgsqlCommand command, CancellationToken ct)
    {
        var rows = new List<DeliveryRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(6),
                reader.GetInt32(7), Time(reader, 8), reader.GetFieldValue<DateTimeOffset>(9), Time(reader, 10),
                reader.IsDBNull(11) ? null : reader.GetInt32(11), reader.IsDBNull(12) ? null : reader.GetString(12), reader.IsDBNull(13) ? null : reader.GetInt32(13),
                reader.IsDBNull(14) ? null : reader.GetString(14)));
        }

        return rows;
    }

    private static DateTimeOffset? Time(NpgsqlDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetFieldValue<DateTimeOffset>(column);
}

/// <summary>The payload shapes of the hooks mutations.</summary>
public static class HookPayloads
{
    public static Payload<Guid> Delivery { get; } = Payload<Guid>.Of<WebhookDeliveryType>("delivery", "The delivery with its latest attempt; null when `errors` is not empty.",
        async (context, id) => await HookQueries.DeliveryAsync(context.RequestServices!.GetRequiredService<NpgsqlDataSource>(), id, context.CancellationToken));

    public static Payload<Guid> Endpoint { get; } = Payload<Guid>.Of<WebhookEndpointType>("endpoint", "The endpoint after the change; null when `errors` is not empty.",
        async (context, id) => await HookQueries.EndpointAsync(context.RequestServices!.GetRequiredService<NpgsqlDataSource>(), id, context.CancellationToken));

    /// <summary><c>{ endpoint secret }</c>: the signing secret, shown this once.</summary>
    public static Payload<EndpointSecret> EndpointWithSecret { get; } = Payload<EndpointSecret>.Of<WebhookEndpointType>("endpoint",
            "The endpoint; null when `errors` is not empty.",
            async (context, result) => await HookQueries.EndpointAsync(context.RequestServices!.GetRequiredService<NpgsqlDataSource>(), result.EndpointId, context.CancellationToken))
        .And<StringGraphType>("secret", "The signing secret (`whsec_` + base64), shown only now: store it to verify signatures. Null when `errors` is not empty.",
            result => result.Secret);
}

/// <summary>An endpoint and its new signing secret, answered once by create and rotate.</summary>
public sealed record EndpointSecret(Guid EndpointId, string Secret)
{
    // The record's generated ToString would print the secret wherever the result is logged.
    public override string ToString() => $"EndpointSecret {{ EndpointId = {EndpointId} }}";
}

/// <summary>The endpoint (or delivery) named in the input does not exist any more.</summary>
public sealed record WebhookNotFoundError(string What)
    : MutationError("NOT_FOUND", $"The webhook {What} does not exist (any more).", ["input"]);

/// <summary>Sending to a disabled endpoint (a ping, a redelivery) is refused until it is enabled again.</summary>
public sealed record WebhookEndpointDisabledError()
    : MutationError("ENDPOINT_DISABLED", "The endpoint is disabled: enable it (updateWebhookEndpoint with enabled: true) before sending to it.", ["input"]);

/// <summary>A workspace has at most <see cref="HooksOptions.MaxEndpointsPerWorkspace"/> endpoints.</summary>
public sealed record TooManyWebhookEndpointsError(int Max)
    : MutationError("LIMIT_REACHED", $"A workspace can have at most {Max} webhook endpoints; delete one first.", ["input", "workspaceId"]);

/// <summary>Signing secrets: made here, sealed by the token vault (bound to the endpoint's id), opened only to sign.</summary>
public static class WebhookSecrets
{
    public const string Prefix = "whsec_";

    /// <summary>A new secret: <c>whsec_</c> + base64 of 32 random bytes (Standard Webhooks: 24 to 64 bytes).</summary>
    public static string New() => Prefix + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
}
