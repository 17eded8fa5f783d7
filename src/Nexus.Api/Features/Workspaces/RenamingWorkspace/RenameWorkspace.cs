using FluentValidation;
using GraphQL;
using Nexus.Api.GraphQL;
using Wolverine.Marten;

namespace Nexus.Api.Features.Workspaces.RenamingWorkspace;

public sealed record RenameWorkspace(Guid WorkspaceId, Guid ByUserId, string Name)
{
    public sealed class Validator : AbstractValidator<RenameWorkspace>
    {
        public Validator() => RuleFor(c => c.Name).ValidWorkspaceName();
    }
}

public static class RenameWorkspaceHandler
{
    public static (Outcome<Guid, RoleRequiredError>, Events) Handle(RenameWorkspace command, [WriteAggregate] Workspace workspace, DateTimeOffset now)
    {
        var name = command.Name.Trim();
        var events = new Events();
        if (workspace.Refuses(command.ByUserId, Role.Admin) is { } refusal)
        {
            return (refusal, events);
        }

        if (name != workspace.Name)
        {
            events.Add(new WorkspaceRenamed(workspace.Id, name, command.ByUserId, now));
        }

        return (workspace.Id, events);
    }
}

public sealed record RenameWorkspaceInput([property: Id] string WorkspaceId, string Name) : IWorkspaceInput;

public sealed class RenameWorkspaceMutation() : Mutation<RenameWorkspaceInput, RenameWorkspace, Guid>("renameWorkspace", "Renames a workspace.",
    WorkspaceAccess.Needs(Role.Admin).FirstPartyOnly(), WorkspacePayloads.Workspace, (input, caller) => new(caller.WorkspaceId(), caller.UserId, input.Name));
