using FluentValidation;
using GraphQL;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.GraphQL.Relay;
using Wolverine.Marten;

namespace Nexus.Api.Features.Workspaces.ChangingMemberRole;

/// <summary>Gives a member another role. OWNER only moves through <c>transferOwnership</c>.</summary>
public sealed record ChangeMemberRole(Guid WorkspaceId, Guid ByUserId, Guid UserId, Role Role)
{
    public sealed class Validator : AbstractValidator<ChangeMemberRole>
    {
        public Validator() =>
            RuleFor(c => c.Role).NotEqual(Role.Owner).WithMessage("Use transferOwnership to make someone the owner.");
    }
}

public static class ChangeMemberRoleHandler
{
    public static (Outcome<Guid, RoleRequiredError, NotAMemberError, OwnerProtectedError>, Events) Handle(ChangeMemberRole command, [WriteAggregate] Workspace workspace, DateTimeOffset now)
    {
        var events = new Events();
        if (WorkspaceMutations.MemberChangeRefused(workspace, command.ByUserId, command.UserId) is { } refused)
        {
            return (refused, events);
        }

        if (workspace.RoleOf(command.UserId) != command.Role)
        {
            events.Add(new MemberRoleChanged(workspace.Id, command.UserId, command.Role, command.ByUserId, now));
        }

        return (workspace.Id, events);
    }
}

public sealed record ChangeMemberRoleInput([property: Id] string WorkspaceId, [property: Id] string UserId, Role Role) : IWorkspaceInput;

public sealed class ChangeMemberRoleMutation() : Mutation<ChangeMemberRoleInput, ChangeMemberRole, Guid>("changeMemberRole",
    "Changes a member's role (ADMIN, EDITOR or VIEWER).",
    WorkspaceAccess.Needs(Role.Admin).FirstPartyOnly(), WorkspacePayloads.Workspace,
    (input, caller) => new(caller.WorkspaceId(), caller.UserId, UserIds.Parse(input.UserId), input.Role));

/// <summary>User ids in inputs are global ids of <c>User</c>.</summary>
public static class UserIds
{
    public static Guid Parse(string value) =>
        GlobalId.TryParse(value, "User", out var id) ? id : throw new BadRequestError("The user id is not valid.");
}
