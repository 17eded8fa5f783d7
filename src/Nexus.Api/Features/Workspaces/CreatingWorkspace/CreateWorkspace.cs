using System.ComponentModel;
using FluentValidation;
using Nexus.Api.GraphQL;
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
    public static (Outcome<Guid, NoError>, IStartStream) Handle(CreateWorkspace command, DateTimeOffset now)
    {
        var id = Guid.CreateVersion7(now);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(command.TimeZone).Id;
        return (id, MartenOps.StartStream<Workspace>(id, new WorkspaceCreated(id, command.Name.Trim(), zone, command.OwnerId, now)));
    }
}

public sealed record CreateWorkspaceInput(
    [property: DescribedAs("1 to {0} characters.", WorkspaceMutations.MaxNameLength)] string Name,
    [property: Description("An IANA time-zone id, e.g. Europe/Berlin.")] string TimeZone);

public sealed class CreateWorkspaceMutation() : Mutation<CreateWorkspaceInput, CreateWorkspace, Guid>("createWorkspace",
    "Creates a workspace; the caller becomes its owner.",
    Access.SignedIn.FirstPartyOnly(), WorkspacePayloads.Workspace, (input, caller) => new(caller.UserId, input.Name, input.TimeZone));
