using System.ComponentModel;
using FluentValidation;
using JasperFx.Events;
using Marten;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Errors;
using OpenIddict.Abstractions;
using Wolverine;
using Wolverine.Marten;

namespace Nexus.Api.Features.Accounts.DeletingAccount;

/// <summary>
/// Deletes the caller's account, confirmed by typing its email. An owner must first transfer their workspaces.
/// Afterwards (<see cref="EraseAccount"/>) every sign-in is revoked, the user leaves their workspaces and the
/// personal data in the account's past events is masked.
/// </summary>
public sealed record DeleteAccount(Guid UserId, string ConfirmEmail)
{
    public sealed class Validator : AbstractValidator<DeleteAccount>
    {
        public Validator() => RuleFor(c => c.ConfirmEmail).NotEmpty().WithMessage("Type your email to confirm.");
    }
}

/// <summary>The confirmation does not match the account's email.</summary>
public sealed record ConfirmationMismatchError()
    : MutationError("CONFIRMATION_MISMATCH", "Type the account's email exactly to confirm deleting it.", ["input", "confirmEmail"]);

/// <summary>The user still owns workspaces.</summary>
public sealed record OwnsWorkspacesError(string Names)
    : MutationError("OWNER_MUST_TRANSFER", $"Transfer ownership of {Names} before deleting your account.", ["input"]);

/// <summary>The account, and each workspace it belongs to as its stream loaded for writing.</summary>
public sealed record DeletionContext(User? User, IReadOnlyList<IEventStream<Workspace>> Memberships);

/// <summary>Runs after the deletion commits: the parts that are not the user stream's own events.</summary>
public sealed record EraseAccount(Guid UserId);

public static class DeleteAccountHandler
{
    // The read model only says which streams to open; whether the user owns one is decided on the stream itself,
    // whose version the append asserts: a transfer to this user committed meanwhile makes this call retry and refuse.
    public static async Task<DeletionContext> LoadAsync(DeleteAccount command, IDocumentSession session, CancellationToken ct)
    {
        var user = await session.LoadAsync<User>(command.UserId, ct);
        var memberships = new List<IEventStream<Workspace>>();
        foreach (var workspace in await MyWorkspaces.ForAsync(command.UserId, session, ct))
        {
            memberships.Add(await session.Events.FetchForWriting<Workspace>(workspace.Id, ct));
        }

        return new DeletionContext(user, memberships);
    }

    public static (Outcome<Guid, ConfirmationMismatchError, OwnsWorkspacesError>, IMartenOp, IMartenOp, OutgoingMessages) Handle(DeleteAccount command, DeletionContext context, DateTimeOffset now)
    {
        if (context.User is not { } user || EmailAddress.Normalize(command.ConfirmEmail) != user.Email)
        {
            return (new ConfirmationMismatchError(), MartenOps.Nothing(), MartenOps.Nothing(), []);
        }

        var owned = context.Memberships.Select(m => m.Aggregate).OfType<Workspace>().Where(w => w.RoleOf(user.Id) == Role.Owner).ToList();
        if (owned.Count > 0)
        {
            return (new OwnsWorkspacesError(string.Join(", ", owned.Select(w => $"\"{w.Name}\""))),
                MartenOps.Nothing(), MartenOps.Nothing(), []);
        }

        foreach (var membership in context.Memberships.Where(m => m.Aggregate?.RoleOf(user.Id) is not null))
        {
            membership.AppendOne(new MemberLeft(membership.Id, user.Id, now));
        }

        return (user.Id,
            MartenOps.Append(user.Id, new UserDeleted(user.Id, now)),
            MartenOps.Delete<UserCredentials>(user.Id),
            [new EraseAccount(user.Id)]);
    }
}

public static class EraseAccountHandler
{
    public static async Task Handle(EraseAccount command, IDocumentSession session, IOpenIddictAuthorizationManager authorizations, CancellationToken ct)
    {
        await RevokeSessionsHandler.RevokeAsync(command.UserId, keep: null, authorizations, ct);

        // Masking rewrites stored events in place; it runs on its own, outside this handler's transaction, and is
        // idempotent if a retry runs it twice.
        await session.DocumentStore.Advanced.ApplyEventDataMasking(masking => masking.IncludeStream(command.UserId), ct);
    }
}

public sealed record DeleteAccountInput([property: Description("The account's email, typed again to confirm.")] string ConfirmEmail);

public sealed class DeleteAccountMutation() : Mutation<DeleteAccountInput, DeleteAccount, Guid>("deleteAccount",
    "Deletes the caller's account: signs it out everywhere, leaves its workspaces and masks its personal data in past events.",
    Access.SignedIn.FirstPartyOnly(), Payload<Guid>.Done, (input, caller) => new(caller.UserId, input.ConfirmEmail));
