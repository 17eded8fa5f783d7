using System.ComponentModel;
using FluentValidation;
using GraphQL;
using GraphQL.Types;
using Marten;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Infrastructure.TokenVault;
using Wolverine;

namespace Nexus.Api.Features.Connections.ChoosingAccounts;

/// <summary>
/// Connects the chosen accounts of a consent that covered several. The choice stays open until it expires, and only
/// for the admin who gave the consent.
/// </summary>
public sealed record ConnectChosenAccounts(Guid ChoiceId, Guid UserId, IReadOnlyList<string> ExternalIds)
{
    public sealed class Validator : AbstractValidator<ConnectChosenAccounts>
    {
        public Validator() => RuleFor(c => c.ExternalIds).NotEmpty().WithMessage("Pick at least one account.");
    }
}

public sealed record ChoiceExpiredError()
    : MutationError("CHOICE_EXPIRED", "This choice has expired; connect the platform again.", ["input", "choiceId"]);

public sealed record NoLongerAdminError()
    : MutationError("FORBIDDEN", "You are no longer an ADMIN of this workspace; nothing was connected.", ["input", "choiceId"]);

public sealed record UnknownAccountError(string ExternalId)
    : MutationError("NOT_FOUND", $"The consent did not cover an account with id '{ExternalId}'.", ["input", "externalIds"]);

public static class ConnectChosenAccountsHandler
{
    public static async Task<(Outcome<IReadOnlyList<Guid>, ChoiceExpiredError, UnknownAccountError, NoLongerAdminError, Billing.PlanLimitError>, OutgoingMessages)> Handle(ConnectChosenAccounts command, IDocumentSession session, TokenVault vault,
        IOptions<Billing.BillingOptions> billing, DateTimeOffset now, CancellationToken ct)
    {
        var messages = new OutgoingMessages();
        if (await session.LoadAsync<AccountChoice>(command.ChoiceId, ct) is not { } choice || choice.ExpiresAt <= now || choice.UserId != command.UserId)
        {
            return (new ChoiceExpiredError(), messages);
        }

        var secrets = vault.Open<ChoiceSecrets>(choice.Id, choice.Grant);
        if (command.ExternalIds.FirstOrDefault(id => secrets.Accounts.All(a => a.ExternalId != id)) is { } unknown)
        {
            return (new UnknownAccountError(unknown), messages);
        }

        if (!await WorkspaceAdmins.StillAdminAsync(session, choice.WorkspaceId, command.UserId, ct))
        {
            return (new NoLongerAdminError(), messages);
        }

        var chosen = secrets.Accounts.Where(a => command.ExternalIds.Contains(a.ExternalId)).ToList();
        if (await AccountConnector.RefusesAsync(session, billing.Value, choice.WorkspaceId, choice.Platform, chosen, now, ["input", "externalIds"], ct) is { } full)
        {
            return (full, messages);
        }

        var connected = await AccountConnector.ConnectAsync(session, vault, choice.WorkspaceId, command.UserId, choice.Platform, secrets.Grant, chosen, messages, now, ct);
        return (Outcome<IReadOnlyList<Guid>, ChoiceExpiredError, UnknownAccountError, NoLongerAdminError, Billing.PlanLimitError>.Ok(connected), messages);
    }
}

public sealed record ConnectChosenAccountsInput(
    [property: Id] string ChoiceId,
    [property: Description("The `externalId`s of the accounts to connect.")] IReadOnlyList<string> ExternalIds);

public sealed class ConnectChosenAccountsMutation() : Mutation<ConnectChosenAccountsInput, ConnectChosenAccounts, IReadOnlyList<Guid>>("connectChosenAccounts",
    "Connects the accounts picked from a consent that covered several (see `node(id)` on the AccountChoice).",
    WorkspaceAccess.Needs<ConnectChosenAccountsInput>(Role.Admin, ChoiceWorkspaceAsync).FirstPartyOnly(),
    Payload<IReadOnlyList<Guid>>.Of<NonNullGraphType<ListGraphType<NonNullGraphType<ConnectionType>>>>("connections", null,
        async (context, ids) => await context.RequestServices!.GetRequiredService<IQuerySession>().LoadManyAsync<Connection>(context.CancellationToken, ids),
        whenFailed: Array.Empty<Connection>()),
    (input, caller) => new(GlobalId.TryParse(input.ChoiceId, AccountChoiceType.TypeName, out var id) ? id : Guid.Empty, caller.UserId, input.ExternalIds))
{
    /// <summary>
    /// The workspace of the caller's own choice. Another person's choice, even in the same workspace, is treated like
    /// an unknown one: no workspace, so the access check answers FORBIDDEN as for a workspace that does not exist.
    /// </summary>
    private static async ValueTask<Guid> ChoiceWorkspaceAsync(IResolveFieldContext context, ConnectChosenAccountsInput input)
    {
        if (!GlobalId.TryParse(input.ChoiceId, AccountChoiceType.TypeName, out var id))
        {
            throw new BadRequestError("The choice id is not valid.");
        }

        var choice = await context.RequestServices!.GetRequiredService<IQuerySession>().LoadAsync<AccountChoice>(id, context.CancellationToken);
        return choice is not null && choice.UserId == context.UserId() ? choice.WorkspaceId : Guid.Empty;
    }
}
