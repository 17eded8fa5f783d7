using GraphQL;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.Infrastructure.Identity;
using Npgsql;

namespace Nexus.Api.Features.Hooks.DeletingEndpoint;

public sealed record DeleteWebhookEndpoint(Guid EndpointId);

public static class DeleteWebhookEndpointHandler
{
    public static async Task<Outcome<bool, WebhookNotFoundError>> HandleAsync(DeleteWebhookEndpoint command, NpgsqlDataSource db, CancellationToken ct)
    {
        // The endpoint and its log go together; a delivery a sweep holds right now finds no endpoint and sends nothing.
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Delivering.HookSender.Command($"delete from {HookTables.Deliveries} where endpoint_id = $1", command.EndpointId));
        batch.BatchCommands.Add(Delivering.HookSender.Command($"delete from {HookTables.Endpoints} where id = $1", command.EndpointId));
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.NextResultAsync(ct);
        var deleted = reader.RecordsAffected;
        await reader.DisposeAsync();
        if (deleted == 0)
        {
            return new WebhookNotFoundError("endpoint");
        }

        await transaction.CommitAsync(ct);
        return true;
    }
}

public sealed record DeleteWebhookEndpointInput([property: Id] string EndpointId);

public sealed class DeleteWebhookEndpointMutation() : Mutation<DeleteWebhookEndpointInput, DeleteWebhookEndpoint, bool>("deleteWebhookEndpoint",
    "Deletes an endpoint and its delivery log; nothing more is sent to it.",
    WorkspaceAccess.Needs<DeleteWebhookEndpointInput>(Role.Admin, (context, input) => HookQueries.WorkspaceOfAsync(context, input.EndpointId, WebhookEndpointType.TypeName))
        .Scope(AppScope.WebhooksManage),
    Payload<bool>.Done,
    (input, _) => new(HookQueries.LocalId(input.EndpointId, WebhookEndpointType.TypeName)));
