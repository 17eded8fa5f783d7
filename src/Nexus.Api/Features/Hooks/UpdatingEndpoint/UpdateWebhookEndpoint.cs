using FluentValidation;
using GraphQL;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.Infrastructure.Identity;
using Npgsql;

namespace Nexus.Api.Features.Hooks.UpdatingEndpoint;

public sealed record UpdateWebhookEndpoint(Guid EndpointId, string? Url, IReadOnlyList<string>? EventTypes, bool? Enabled)
{
    public sealed class Validator : AbstractValidator<UpdateWebhookEndpoint>
    {
        public Validator()
        {
            RuleFor(c => c.Url).ValidWebhookUrl().When(c => c.Url is not null);
            RuleFor(c => c.EventTypes).ValidEventTypes().When(c => c.EventTypes is not null);
        }
    }
}

public static class UpdateWebhookEndpointHandler
{
    public static async Task<Outcome<Guid, WebhookNotFoundError, WebhookUrlRefusedError>> HandleAsync(UpdateWebhookEndpoint command, WebhookUrls urls, NpgsqlDataSource db,
        CancellationToken ct)
    {
        if (command.Url is { } url && await urls.RefusesAsync(url, ct) is { } refused)
        {
            return refused;
        }

        // Enabling by hand starts afresh (no failing streak, no reason); disabling by hand leaves no reason of Nexus's.
        await using var update = db.CreateCommand(
            $"update {HookTables.Endpoints} set url = coalesce($2::text, url), event_types = coalesce($3::text[], event_types), enabled = coalesce($4::boolean, enabled), " +
            "disabled_reason = case when $4::boolean is null then disabled_reason else null end, " +
            "failing_since = case when $4::boolean then null else failing_since end where id = $1 returning id");
        Delivering.HookSender.Add(update.Parameters, command.EndpointId, command.Url, command.EventTypes?.Distinct(StringComparer.Ordinal).ToArray(), command.Enabled);
        return await update.ExecuteScalarAsync(ct) is Guid id ? id : new WebhookNotFoundError("endpoint");
    }
}

public sealed record UpdateWebhookEndpointInput(
    [property: Id] string EndpointId,
    [property: System.ComponentModel.Description("A new URL; unchanged when absent.")] string? Url,
    [property: System.ComponentModel.Description("The new set of event types; unchanged when absent.")] IReadOnlyList<string>? EventTypes,
    [property: System.ComponentModel.Description("Enable (which clears a failing streak) or disable; unchanged when absent.")] bool? Enabled);

public sealed class UpdateWebhookEndpointMutation() : Mutation<UpdateWebhookEndpointInput, UpdateWebhookEndpoint, Guid>("updateWebhookEndpoint",
    "Changes an endpoint's URL, event types or whether it is enabled.",
    WorkspaceAccess.Needs<UpdateWebhookEndpointInput>(Role.Admin, (context, input) => HookQueries.WorkspaceOfAsync(context, input.EndpointId, WebhookEndpointType.TypeName))
        .Scope(AppScope.WebhooksManage),
    HookPayloads.Endpoint,
    (input, _) => new(HookQueries.LocalId(input.EndpointId, WebhookEndpointType.TypeName), input.Url, input.EventTypes, input.Enabled));
