using GraphQL;
using Nexus.Api.Features.Workspaces.ChangingMemberRole;
using Nexus.Api.GraphQL;
using Wolverine.Marten;

namespace Nexus.Api.Features.Workspaces.RemovingMember;

public sealed record RemoveMember(Guid WorkspaceId, Guid ByUserId, Guid UserId);

public static class RemoveMemberHandler
{
    public static (Outcome<Guid, RoleRequiredError, NotAMemberError, OwnerProtectedError>, Events) Handle(RemoveMember command, [WriteAggregate] Workspace workspace, DateTimeOffset now)
    {
        if (WorkspaceMutations.MemberChangeRefused(workspace, command.ByUserId, command.UserId) is { } refused)
        {
            return (refused, []);
        }

        return (workspace.Id, [new MemberRemoved(workspace.Id, command.UserId, command.ByUserId, now)]);
    }
}

public sealed record RemoveMemberInput([property: Id] string WorkspaceId, [property: Id] string UserId) : IWorkspaceInput;

public sealed class RemoveMemberMutation() : Mutation<RemoveMemberInput, RemoveMember, Guid>("removeMember",
    "Removes a member (not the owner) from the workspace.",
    WorkspaceAccess.Needs(Role.Admin).FirstPartyOnly(), WorkspacePayloads.Workspace,
    (input, caller) => new(caller.WorkspaceId(), caller.UserId, UserIds.Parse(input.UserId)));
