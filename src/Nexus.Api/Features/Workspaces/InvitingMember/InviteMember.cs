using System.ComponentModel;
using FluentValidation;
using GraphQL;
using Marten;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Accounts;
using Nexus.Api.Features.Billing;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.Infrastructure;
using Nexus.Api.Infrastructure.Email;
using Wolverine;
using Wolverine.Marten;

namespace Nexus.Api.Features.Workspaces.InvitingMember;

/// <summary>
/// Invites someone by email with a role below OWNER. The emailed token is single-use and expires in
/// <see cref="Lifetime"/>; inviting the same email again replaces the earlier invitation and its token.
/// </summary>
public sealed record InviteMember(Guid WorkspaceId, Guid ByUserId, string Email, Role Role)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(7);

    public sealed class Validator : AbstractValidator<InviteMember>
    {
        public Validator()
        {
            RuleFor(c => c.Email).ValidEmail();
            RuleFor(c => c.Role).NotEqual(Role.Owner).WithMessage("Invite as ADMIN, EDITOR or VIEWER; ownership is transferred, not invited.");
        }
    }
}

/// <summary>The invited email already belongs to a member.</summary>
public sealed record AlreadyMemberError()
    : MutationError("ALREADY_MEMBER", "This person is already a member of the workspace.", ["input", "email"]);

public static class InviteMemberHandler
{
    public static Task<User?> LoadAsync(InviteMember command, IQuerySession session, CancellationToken ct)
    {
        var email = EmailAddress.Normalize(command.Email);
        return session.Query<User>().FirstOrDefaultAsync(u => u.Email == email, ct);
    }

    public static (Outcome<Guid, RoleRequiredError, AlreadyMemberError, PlanLimitError>, Events, IMartenOp, OutgoingMessages) Handle(
        InviteMember command, [WriteAggregate] Workspace workspace, User? invitee, IOptions<NexusUrls> urls, IOptions<BillingOptions> billing, DateTimeOffset now)
    {
        if (workspace.Refuses(command.ByUserId, Role.Admin) is { } refusal)
        {
            return (refusal, [], MartenOps.Nothing(), []);
        }

        if (invitee is not null && workspace.RoleOf(invitee.Id) is not null)
        {
            return (new AlreadyMemberError(), [], MartenOps.Nothing(), []);
        }

        // A workspace at (or, after a downgrade, over) its members limit invites no one; accepting checks it again.
        if (PlanGate.Refuses(billing.Value, workspace, now, PlanLimit.Members, 1, workspace.Members.Count) is { } full)
        {
            return (full, [], MartenOps.Nothing(), []);
        }

        var email = EmailAddress.Normalize(command.Email);
        var invitationId = Guid.CreateVersion7(now);
        var token = SecretTokens.New();
        var expires = now + InviteMember.Lifetime;
        var link = $"{urls.Value.FrontendUrl.TrimEnd('/')}/invitations/accept?token={token}";
        var role = command.Role.ToString().ToUpperInvariant();
        var mail = new EmailMessage("invitation", email, $"You're invited to {workspace.Name} on Nexus",
            $"""
            You have been invited to join the workspace "{workspace.Name}" on Nexus as {role}.

            Accept the invitation: {link}

            The link works once and expires on {expires:yyyy-MM-dd HH:mm} UTC. Sign in (or sign up) with {email} to accept it.
            If you did not expect this, ignore this email.
            """);

        return (workspace.Id,
            [new MemberInvited(workspace.Id, invitationId, email, command.Role, command.ByUserId, expires, now)],
            MartenOps.Store(new InvitationToken(SecretTokens.Hash(token), workspace.Id, invitationId)),
            [new SendEmail(mail)]);
    }
}

public sealed record InviteMemberInput(
    [property: Id] string WorkspaceId,
    string Email,
    [property: Description("ADMIN, EDITOR or VIEWER.")] Role Role) : IWorkspaceInput;

public sealed class InviteMemberMutation() : Mutation<InviteMemberInput, InviteMember, Guid>("inviteMember",
    "Emails an invitation (single-use, valid 7 days); inviting the same email again replaces it.",
    WorkspaceAccess.Needs(Role.Admin).FirstPartyOnly(), WorkspacePayloads.Workspace, (input, caller) => new(caller.WorkspaceId(), caller.UserId, input.Email, input.Role));
