using GraphQL;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Errors;
using Wolverine.Marten;

namespace Nexus.Api.Features.Workspaces.LeavingWorkspace;

public sealed record LeaveWorkspace(Guid WorkspaceId, Guid UserId);

/// <summary>The owner cannot leave: a workspace always has exactly one owner.</summary>
public sealed record OwnerMustTransferError()
    : MutationError("OWNER_MUST_TRANSFER", "The owner cannot leave; transfer ownership to another member first.", ["input", "workspaceId"]);

public static class LeaveWorkspaceHandler
{
    public static (Outcome<Guid, RoleRequiredError, OwnerMustTransferError>, Events) Handle(LeaveWorkspace command, [WriteAggregate] Workspace workspace, DateTimeOffset now)
    {
        var events = new Events();
        if (workspace.Refuses(command.UserId, Role.Viewer) is { } refusal)
        {
            return (refusal, events);
        }

        if (workspace.RoleOf(command.UserId) == Role.Owner)
        {
            return (new OwnerMustTransferError(), events);
        }

        events.Add(new MemberLeft(workspace.Id, command.UserId, now));
        return (workspace.Id, events);
    }
}

public sealed record LeaveWorkspaceInput([property: Id] string WorkspaceId) : IWorkspaceInput;

public sealed class LeaveWorkspaceMutation() : Mutation<LeaveWorkspaceInput, LeaveWorkspace, Guid>("leaveWorkspace",
    "Leaves a workspace. `workspace` is null afterwards: it is no longer yours to see.",
    WorkspaceAccess.Needs(Role.Viewer).FirstPartyOnly(), WorkspacePayloads.Workspace, (_, caller) => new(caller.WorkspaceId(), caller.UserId));
