using GraphQL.Types;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Wolverine.Marten;

namespace Nexus.Api.Features.Workspaces.LeavingWorkspace;

public sealed record LeaveWorkspace(Guid WorkspaceId, Guid UserId);

/// <summary>The owner cannot leave: a workspace always has exactly one owner.</summary>
public sealed record OwnerMustTransferError()
    : MutationError("OWNER_MUST_TRANSFER", "The owner cannot leave; transfer ownership to another member first.", ["input", "workspaceId"]);

public static class LeaveWorkspaceHandler
{
    public static (Outcome<Guid>, Events) Handle(LeaveWorkspace command, [WriteAggregate] Workspace workspace, DateTimeOffset now)
    {
        var events = new Events();
        if (workspace.Refuses(command.UserId, Role.Viewer) is { } refusal)
        {
            return (Outcome<Guid>.Fail(refusal), events);
        }

        if (workspace.RoleOf(command.UserId) == Role.Owner)
        {
            return (Outcome<Guid>.Fail(new OwnerMustTransferError()), events);
        }

        events.Add(new MemberLeft(workspace.Id, command.UserId, now));
        return (Outcome<Guid>.Ok(workspace.Id), events);
    }
}

public sealed record LeaveWorkspaceInput(string WorkspaceId) : IWorkspaceInput;

[MutationType]
public sealed class LeaveWorkspaceMutation : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.MutationField<LeaveWorkspaceInputType, LeaveWorkspacePayloadType>("leaveWorkspace", "Leaves a workspace. `workspace` is null afterwards: it is no longer yours to see.")
            .RequireWorkspaceRole(Role.Viewer, ctx => ctx.InputWorkspaceId())
            .ResolveAsync(async ctx =>
            {
                var outcome = await ctx.SendAsync<LeaveWorkspace, Guid>(new LeaveWorkspace(ctx.InputWorkspaceId(), ctx.UserId()!.Value));
                return new WorkspacePayload(null, outcome.Errors);
            });
}

public sealed class LeaveWorkspaceInputType : InputObjectGraphType<LeaveWorkspaceInput>
{
    public LeaveWorkspaceInputType()
    {
        Name = "LeaveWorkspaceInput";
        Field<NonNullGraphType<IdGraphType>>("workspaceId");
    }
}

public sealed class LeaveWorkspacePayloadType() : WorkspacePayloadType<LeaveWorkspaceErrorType>("LeaveWorkspacePayload");

public sealed class LeaveWorkspaceErrorType() : ErrorUnionType("LeaveWorkspaceError", typeof(RoleRequiredError), typeof(OwnerMustTransferError));
