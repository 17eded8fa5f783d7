using FluentValidation;
using GraphQL;
using GraphQL.Types;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
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
    public static (Outcome<Guid>, Events) Handle(RenameWorkspace command, [WriteAggregate] Workspace workspace, DateTimeOffset now)
    {
        var name = command.Name.Trim();
        var events = new Events();
        if (workspace.Refuses(command.ByUserId, Role.Admin) is { } refusal)
        {
            return (Outcome<Guid>.Fail(refusal), events);
        }

        if (name != workspace.Name)
        {
            events.Add(new WorkspaceRenamed(workspace.Id, name, command.ByUserId, now));
        }

        return (Outcome<Guid>.Ok(workspace.Id), events);
    }
}

public sealed record RenameWorkspaceInput(string WorkspaceId, string Name) : IWorkspaceInput;

[MutationType]
public sealed class RenameWorkspaceMutation : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.MutationField<RenameWorkspaceInputType, RenameWorkspacePayloadType>("renameWorkspace", "Renames a workspace.")
            .RequireWorkspaceRole(Role.Admin, ctx => ctx.InputWorkspaceId())
            .ResolveAsync(async ctx =>
            {
                var input = ctx.GetArgument<RenameWorkspaceInput>("input");
                return await ctx.SendForWorkspaceAsync(new RenameWorkspace(ctx.InputWorkspaceId(), ctx.UserId()!.Value, input.Name));
            });
}

public sealed class RenameWorkspaceInputType : InputObjectGraphType<RenameWorkspaceInput>
{
    public RenameWorkspaceInputType()
    {
        Name = "RenameWorkspaceInput";
        Field<NonNullGraphType<IdGraphType>>("workspaceId");
        Field(i => i.Name);
    }
}

public sealed class RenameWorkspacePayloadType() : WorkspacePayloadType<RenameWorkspaceErrorType>("RenameWorkspacePayload");

public sealed class RenameWorkspaceErrorType() : ErrorUnionType("RenameWorkspaceError", typeof(RoleRequiredError));
