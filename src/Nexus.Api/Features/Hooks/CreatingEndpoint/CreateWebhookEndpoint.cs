using FluentValidation;
using GraphQL;
using Marten;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Billing;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.Infrastructure.Identity;
using Nexus.Api.Infrastructure.TokenVault;
using Npgsql;

namespace Nexus.Api.Features.Hooks.CreatingEndpoint;

public sealed record CreateWebhookEndpoint(Guid WorkspaceId, string Url, IReadOnlyList<string> EventTypes)
{
    public sealed class Validator : AbstractValidator<CreateWebhookEndpoint>
    {
        public Validator()
        {
            RuleFor(c => c.Url).ValidWebhookUrl();
            RuleFor(c => c.EventTypes).ValidEventTypes();
        }
    }
}

public static class CreateWebhookEndpointHandler
{
    public static async Task<Outcome<EndpointSecret, WebhookUrlRefusedError, TooManyWebhookEndpointsError, PlanLimitError>> HandleAsync(CreateWebhookEndpoint command, WebhookUrls urls,
        NpgsqlDataSource db, TokenVault vault, TimeProvider clock, IOptions<HooksOptions> options, IOptions<BillingOptions> billing, IQuerySession session, CancellationToken ct)
    {
        if (await urls.RefusesAsync(command.Url, ct) is { } refused)
        {
            return refused;
        }

        var id = Guid.CreateVersion7();
        var secret = WebhookSecrets.New();
        var sealedSecret = vault.Seal(id, secret);
        var workspace = await session.LoadAsync<Workspace>(command.WorkspaceId, ct);
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        // Counted and inserted under the workspace's plan lock, so creates at once cannot both pass the plan's limit.
        await PlanGate.LockAsync(connection, command.WorkspaceId, ct);
        if (workspace is not null && await PlanGate.RefusesAsync(billing.Value, workspace, clock.GetUtcNow(), PlanLimit.Webhooks, 1,
                () => PlanUsage.WebhooksAsync(connection, command.WorkspaceId, ct)) is { } full)
        {
            return full;
        }

        // The limit is checked in the insert itself, so two creates at once cannot both pass it.
        await using var insert = new NpgsqlCommand(
            $"insert into {HookTables.Endpoints} (id, workspace_id, url, event_types, enabled, secret_key_id, secret, created_at) " +
            $"select $1, $2, $3, $4, true, $5, $6, $7 where (select count(*) from {HookTables.Endpoints} where workspace_id = $2) < $8 returning id", connection);
        Delivering.HookSender.Add(insert.Parameters, id, command.WorkspaceId, command.Url, command.EventTypes.Distinct(StringComparer.Ordinal).ToArray(),
            sealedSecret.KeyId, sealedSecret.Payload, clock.GetUtcNow(), (long)options.Value.MaxEndpointsPerWorkspace);
        if (await insert.ExecuteScalarAsync(ct) is null)
        {
            return new TooManyWebhookEndpointsError(options.Value.MaxEndpointsPerWorkspace);
        }

        await transaction.CommitAsync(ct);
        return new EndpointSecret(id, secret);
    }
}

public sealed record CreateWebhookEndpointInput(
    [property: Id] string WorkspaceId,
    [property: DescribedAs("Where to POST events: an absolute http(s) URL, at most {0} characters, on a public address.", WebhookUrls.MaxLength)] string Url,
    [property: System.ComponentModel.Description("The event types to send (see schema/webhooks.md), e.g. post.published.")] IReadOnlyList<string> EventTypes) : IWorkspaceInput;

public sealed class CreateWebhookEndpointMutation() : Mutation<CreateWebhookEndpointInput, CreateWebhookEndpoint, EndpointSecret>("createWebhookEndpoint",
    "Adds an endpoint that receives the workspace's events, signed the Standard Webhooks way. Its signing secret is answered this once.",
    WorkspaceAccess.Needs(Role.Admin).Scope(AppScope.WebhooksManage), HookPayloads.EndpointWithSecret,
    (input, caller) => new(caller.WorkspaceId(), input.Url, input.EventTypes));
