using System.Text.Json.Nodes;
using GraphQL;
using Nexus.Api.Features.Hooks.Delivering;
using Nexus.Api.Features.Hooks.Producing;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Infrastructure.Identity;
using Npgsql;

namespace Nexus.Api.Features.Hooks.Pinging;

public sealed record PingWebhookEndpoint(Guid EndpointId);

public static class PingWebhookEndpointHandler
{
    /// <summary>Sends a <c>webhook.ping</c> now, signed like any delivery, and answers its result; a ping is never retried.</summary>
    public static async Task<Outcome<Guid, WebhookNotFoundError, WebhookEndpointDisabledError>> HandleAsync(PingWebhookEndpoint command, NpgsqlDataSource db, HookSender sender,
        TimeProvider clock, CancellationToken ct)
    {
        if (await HookQueries.EndpointAsync(db, command.EndpointId, ct) is not { } endpoint)
        {
            return new WebhookNotFoundError("endpoint");
        }

        if (!endpoint.Enabled)
        {
            return new WebhookEndpointDisabledError();
        }

        var now = clock.GetUtcNow();
        var id = Guid.CreateVersion7();
        var body = HookEventTypes.Envelope(HookEventTypes.Ping, now, new JsonObject
        {
            ["workspaceId"] = GlobalId.Encode(WorkspaceType.TypeName, endpoint.WorkspaceId),
            ["endpointId"] = GlobalId.Encode(WebhookEndpointType.TypeName, endpoint.Id),
        });
        await using (var insert = db.CreateCommand(
            $"insert into {HookTables.Deliveries} (id, endpoint_id, workspace_id, event_id, event_type, webhook_id, body, state, created_at) " +
            $"values ($1, $2, $3, $1, $4, $5, $6, '{HookSender.Pending}', $7)"))
        {
            HookSender.Add(insert.Parameters, id, endpoint.Id, endpoint.WorkspaceId, HookEventTypes.Ping, HookOutbox.MessageId(id, HookEventTypes.Ping), body, now);
            await insert.ExecuteNonQueryAsync(ct);
        }

        await sender.DeliverNowAsync(id, retry: false, ct);
        return id;
    }
}

public sealed record PingWebhookEndpointInput([property: Id] string EndpointId);

public sealed class PingWebhookEndpointMutation() : Mutation<PingWebhookEndpointInput, PingWebhookEndpoint, Guid>("pingWebhookEndpoint",
    "Sends a test event (webhook.ping) to an endpoint now and answers the delivery with its result.",
    WorkspaceAccess.Needs<PingWebhookEndpointInput>(Role.Admin, (context, input) => HookQueries.WorkspaceOfAsync(context, input.EndpointId, WebhookEndpointType.TypeName))
        .Scope(AppScope.WebhooksManage),
    HookPayloads.Delivery,
    (input, _) => new(HookQueries.LocalId(input.EndpointId, WebhookEndpointType.TypeName)));
