using System.ComponentModel;
using FluentValidation;
using Marten;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Accounts;
using Nexus.Api.Features.Billing;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.Infrastructure;
using Wolverine.Marten;

namespace Nexus.Api.Features.Workspaces.AcceptingInvitation;

/// <summary>Joins a workspace with an emailed invitation token, as the signed-in user the invitation was sent to.</summary>
public sealed record AcceptInvitation(Guid UserId, string Token)
{
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("UserId = ").Append(UserId);
        return true;
    }

    public sealed class Validator : AbstractValidator<AcceptInvitation>
    {
        public Validator() => RuleFor(c => c.Token).NotEmpty().MaximumLength(200).WithMessage("Paste the token from the invitation link.");
    }
}

public sealed record InvitationInvalidError()
    : MutationError("INVITATION_INVALID", "This invitation link is not valid: it was already used, replaced by a newer one, or mistyped.", ["input", "token"]);

public sealed record InvitationExpiredError()
    : MutationError("INVITATION_EXPIRED", "This invitation has expired; ask an admin of the workspace to invite you again.", ["input", "token"]);

public sealed record InvitationEmailMismatchError()
    : MutationError("INVITATION_EMAIL_MISMATCH", "This invitation was sent to another email address; sign in with that address to accept it.", ["input", "token"]);

public sealed record InvitationContext(InvitationToken? Token, Workspace? Workspace, User? User);

public static class AcceptInvitationHandler
{
    public static async Task<InvitationContext> LoadAsync(AcceptInvitation command, IQuerySession session, CancellationToken ct)
    {
        var token = await session.LoadAsync<InvitationToken>(SecretTokens.Hash(command.Token ?? ""), ct);
        var workspace = token is null ? null : await session.LoadAsync<Workspace>(token.WorkspaceId, ct);
        return new InvitationContext(token, workspace, await session.LoadAsync<User>(command.UserId, ct));
    }

    public static (Outcome<Guid, InvitationInvalidError, InvitationExpiredError, InvitationEmailMismatchError, PlanLimitError>, IMartenOp, IMartenOp) Handle(
        AcceptInvitation command, InvitationContext context, IOptions<BillingOptions> billing, DateTimeOffset now)
    {
        var (token, workspace, user) = context;
        var invitation = workspace?.Invitations.FirstOrDefault(i => i.Id == token?.InvitationId);
        if (token is null || workspace is null || invitation is null || user is null)
        {
            return (new InvitationInvalidError(), MartenOps.Nothing(), MartenOps.Nothing());
        }

        if (invitation.ExpiresAt <= now)
        {
            return (new InvitationExpiredError(), MartenOps.Nothing(), MartenOps.Nothing());
        }

        if (invitation.Email != user.Email)
        {
            return (new InvitationEmailMismatchError(), MartenOps.Nothing(), MartenOps.Nothing());
        }

        // The count is the workspace's own: the append below asserts the version it was read at.
        if (PlanGate.Refuses(billing.Value, workspace, now, PlanLimit.Members, 1, workspace.Members.Count, ["input", "token"]) is { } full)
        {
            return (full, MartenOps.Nothing(), MartenOps.Nothing());
        }

        // Single use: the token goes with the acceptance, and the append fails if the workspace moved meanwhile.
        return (workspace.Id,
            MartenOps.Append(workspace.Id, workspace.Version + 1, new InvitationAccepted(workspace.Id, invitation.Id, user.Id, invitation.Role, now)),
            MartenOps.Delete<InvitationToken>(token.Id));
    }
}

public sealed record AcceptInvitationInput([property: Description("The token from the invitation link.")] string Token);

public sealed class AcceptInvitationMutation() : Mutation<AcceptInvitationInput, AcceptInvitation, Guid>("acceptInvitation",
    "Joins a workspace with the token from an invitation email.",
    Access.SignedIn.FirstPartyOnly(), WorkspacePayloads.Workspace, (input, caller) => new(caller.UserId, input.Token));
