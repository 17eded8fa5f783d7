using GraphQL;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.Infrastructure.Identity;
using Nexus.Api.Infrastructure.TokenVault;
using Npgsql;

namespace Nexus.Api.Features.Hooks.RotatingSecret;

public sealed record RotateWebhookSecret(Guid EndpointId);

public static class RotateWebhookSecretHandler
{
    public static async Task<Outcome<EndpointSecret, WebhookNotFoundError>> HandleAsync(RotateWebhookSecret command, NpgsqlDataSource db, TokenVault vault, CancellationToken ct)
    {
        var secret = WebhookSecrets.New();
        var sealedSecret = vault.Seal(command.EndpointId, secret);
        await using var update = db.CreateCommand($"update {HookTables.Endpoints} set secret_key_id = $2, secret = $3 where id = $1 returning id");
        Delivering.HookSender.Add(update.Parameters, command.EndpointId, sealedSecret.KeyId, sealedSecret.Payload);
        return await update.ExecuteScalarAsync(ct) is null ? new WebhookNotFoundError("endpoint") : new EndpointSecret(command.EndpointId, secret);
    }
}

public sealed record RotateWebhookSecretInput([property: Id] string EndpointId);

public sealed class RotateWebhookSecretMutation() : Mutation<RotateWebhookSecretInput, RotateWebhookSecret, EndpointSecret>("rotateWebhookSecret",
    "Replaces an endpoint's signing secret; every attempt from now on is signed with the new one, answered this once.",
    WorkspaceAccess.Needs<RotateWebhookSecretInput>(Role.Admin, (context, input) => HookQueries.WorkspaceOfAsync(context, input.EndpointId, WebhookEndpointType.TypeName))
        .Scope(AppScope.WebhooksManage),
    HookPayloads.EndpointWithSecret,
    (input, _) => new(HookQueries.LocalId(input.EndpointId, WebhookEndpointType.TypeName)));
