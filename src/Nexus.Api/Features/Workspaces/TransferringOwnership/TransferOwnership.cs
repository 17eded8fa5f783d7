using System.ComponentModel;
using GraphQL;
using Nexus.Api.Features.Workspaces.ChangingMemberRole;
using Nexus.Api.GraphQL;
using Wolverine.Marten;

namespace Nexus.Api.Features.Workspaces.TransferringOwnership;

/// <summary>Hands ownership to another member; the old owner becomes an admin, so there is always exactly one owner.</summary>
public sealed record TransferOwnership(Guid WorkspaceId, Guid ByUserId, Guid UserId);

public static class TransferOwnershipHandler
{
    public static (Outcome<Guid, RoleRequiredError, NotAMemberError>, Events) Handle(TransferOwnership command, [WriteAggregate] Workspace workspace, DateTimeOffset now)
    {
        var events = new Events();
        if (workspace.Refuses(command.ByUserId, Role.Owner) is { } refusal)
        {
            return (refusal, events);
        }

        if (workspace.RoleOf(command.UserId) is null)
        {
            return (new NotAMemberError(), events);
        }

        if (command.UserId != command.ByUserId)
        {
            events.Add(new OwnershipTransferred(workspace.Id, command.ByUserId, command.UserId, now));
        }

        return (workspace.Id, events);
    }
}

public sealed record TransferOwnershipInput(
    [property: Id] string WorkspaceId,
    [property: Id, Description("The member who becomes the owner.")] string UserId) : IWorkspaceInput;

public sealed class TransferOwnershipMutation() : Mutation<TransferOwnershipInput, TransferOwnership, Guid>("transferOwnership",
    "Makes another member the owner; the current owner becomes an admin.",
    WorkspaceAccess.Needs(Role.Owner).FirstPartyOnly(), WorkspacePayloads.Workspace,
    (input, caller) => new(caller.WorkspaceId(), caller.UserId, UserIds.Parse(input.UserId)));
