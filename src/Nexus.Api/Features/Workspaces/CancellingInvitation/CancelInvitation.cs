using System.ComponentModel;
using FluentValidation;
using GraphQL;
using Nexus.Api.Features.Accounts;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Errors;
using Wolverine.Marten;

namespace Nexus.Api.Features.Workspaces.CancellingInvitation;

/// <summary>Withdraws the pending invitation sent to an email; its emailed link stops working at once.</summary>
public sealed record CancelInvitation(Guid WorkspaceId, Guid ByUserId, string Email)
{
    public sealed class Validator : AbstractValidator<CancelInvitation>
    {
        public Validator() => RuleFor(c => c.Email).ValidEmail();
    }
}

/// <summary>No invitation to that email is pending in the workspace.</summary>
public sealed record InvitationNotFoundError()
    : MutationError("NOT_FOUND", "No invitation to this email is pending in the workspace.", ["input", "email"]);

public static class CancelInvitationHandler
{
    // The token document stays: acceptInvitation only honours tokens whose invitation the workspace still lists.
    public static (Outcome<Guid, RoleRequiredError, InvitationNotFoundError>, Events) Handle(CancelInvitation command, [WriteAggregate] Workspace workspace, DateTimeOffset now)
    {
        if (workspace.Refuses(command.ByUserId, Role.Admin) is { } refusal)
        {
            return (refusal, []);
        }

        var email = EmailAddress.Normalize(command.Email);
        if (workspace.Invitations.FirstOrDefault(i => i.Email == email) is not { } invitation)
        {
            return (new InvitationNotFoundError(), []);
        }

        return (workspace.Id, [new InvitationCancelled(workspace.Id, invitation.Id, command.ByUserId, now)]);
    }
}

public sealed record CancelInvitationInput(
    [property: Id] string WorkspaceId,
    [property: Description("The email the invitation was sent to.")] string Email) : IWorkspaceInput;

public sealed class CancelInvitationMutation() : Mutation<CancelInvitationInput, CancelInvitation, Guid>("cancelInvitation",
    "Withdraws a pending invitation; its link stops working.",
    WorkspaceAccess.Needs(Role.Admin).FirstPartyOnly(), WorkspacePayloads.Workspace, (input, caller) => new(caller.WorkspaceId(), caller.UserId, input.Email));
