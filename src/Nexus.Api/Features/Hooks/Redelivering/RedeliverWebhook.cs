using GraphQL;
using Nexus.Api.Features.Hooks.Delivering;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.Infrastructure.Identity;
using Npgsql;

namespace Nexus.Api.Features.Hooks.Redelivering;

public sealed record RedeliverWebhook(Guid DeliveryId);

public static class RedeliverWebhookHandler
{
    /// <summary>Sends the delivery again now (same body, same <c>webhook-id</c>), its retry schedule started afresh.</summary>
    public static async Task<Outcome<Guid, WebhookNotFoundError, WebhookEndpointDisabledError>> HandleAsync(RedeliverWebhook command, NpgsqlDataSource db, HookSender sender,
        CancellationToken ct)
    {
        await using var query = db.CreateCommand(
            $"select e.enabled, d.event_type from {HookTables.Deliveries} d join {HookTables.Endpoints} e on e.id = d.endpoint_id where d.id = $1");
        HookSender.Add(query.Parameters, command.DeliveryId);
        bool enabled;
        string type;
        await using (var reader = await query.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
            {
                return new WebhookNotFoundError("delivery");
            }

            (enabled, type) = (reader.GetBoolean(0), reader.GetString(1));
        }

        if (!enabled)
        {
            return new WebhookEndpointDisabledError();
        }

        await sender.DeliverNowAsync(command.DeliveryId, retry: type != HookEventTypes.Ping, ct);
        return command.DeliveryId;
    }
}

public sealed record RedeliverWebhookInput([property: Id] string DeliveryId);

public sealed class RedeliverWebhookMutation() : Mutation<RedeliverWebhookInput, RedeliverWebhook, Guid>("redeliverWebhook",
    "Sends a delivery again now, with the same body and webhook-id; answers it with this attempt's result.",
    WorkspaceAccess.Needs<RedeliverWebhookInput>(Role.Admin, (context, input) => HookQueries.WorkspaceOfAsync(context, input.DeliveryId, WebhookDeliveryType.TypeName))
        .Scope(AppScope.WebhooksManage),
    HookPayloads.Delivery,
    (input, _) => new(HookQueries.LocalId(input.DeliveryId, WebhookDeliveryType.TypeName)));
