using FluentValidation;
using GraphQL;
using GraphQL.Types;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Wolverine.Marten;

namespace Nexus.Api.Features.Workspaces.CreatingWorkspace;

/// <summary>Creates a workspace owned by the caller.</summary>
public sealed record CreateWorkspace(Guid OwnerId, string Name, string TimeZone)
{
    public sealed class Validator : AbstractValidator<CreateWorkspace>
    {
        public Validator()
        {
            RuleFor(c => c.Name).ValidWorkspaceName();
            RuleFor(c => c.TimeZone).ValidTimeZone();
        }
    }
}

public static class CreateWorkspaceHandler
{
    public static (Outcome<Guid>, IStartStream) Handle(CreateWorkspace command, DateTimeOffset now)
    {
        var id = Guid.CreateVersion7(now);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(command.TimeZone).Id;
        return (Outcome<Guid>.Ok(id), MartenOps.StartStream<Workspace>(id, new WorkspaceCreated(id, command.Name.Trim(), zone, command.OwnerId, now)));
    }
}

public sealed record CreateWorkspaceInput(string Name, string TimeZone);

[MutationType]
public sealed class CreateWorkspaceMutation : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.MutationField<CreateWorkspaceInputType, CreateWorkspacePayloadType>("createWorkspace", "Creates a workspace; the caller becomes its owner.")
            .ResolveAsync(async ctx =>
            {
                var input = ctx.GetArgument<CreateWorkspaceInput>("input");
                var owner = ctx.UserId() ?? throw new ForbiddenError("Only people can own workspaces; sign in as a user.");
                return await ctx.SendForWorkspaceAsync(new CreateWorkspace(owner, input.Name, input.TimeZone));
            });
}

public sealed class CreateWorkspaceInputType : InputObjectGraphType<CreateWorkspaceInput>
{
    public CreateWorkspaceInputType()
    {
        Name = "CreateWorkspaceInput";
        Field(i => i.Name).Description($"1 to {WorkspaceMutations.MaxNameLength} characters.");
        Field(i => i.TimeZone).Description("An IANA time-zone id, e.g. Europe/Berlin.");
    }
}

public sealed class CreateWorkspacePayloadType() : WorkspacePayloadType<CreateWorkspaceErrorType>("CreateWorkspacePayload");

public sealed class CreateWorkspaceErrorType() : ErrorUnionType("CreateWorkspaceError");
