using System.ComponentModel;
using FluentValidation;
using GraphQL;
using Nexus.Api.GraphQL;
using Wolverine.Marten;

namespace Nexus.Api.Features.Workspaces.ChangingSettings;

public sealed record UpdateWorkspaceSettings(Guid WorkspaceId, Guid ByUserId, string TimeZone)
{
    public sealed class Validator : AbstractValidator<UpdateWorkspaceSettings>
    {
        public Validator() => RuleFor(c => c.TimeZone).ValidTimeZone();
    }
}

public static class UpdateWorkspaceSettingsHandler
{
    public static (Outcome<Guid, RoleRequiredError>, Events) Handle(UpdateWorkspaceSettings command, [WriteAggregate] Workspace workspace, DateTimeOffset now)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(command.TimeZone).Id;
        var events = new Events();
        if (workspace.Refuses(command.ByUserId, Role.Admin) is { } refusal)
        {
            return (refusal, events);
        }

        if (zone != workspace.TimeZone)
        {
            events.Add(new WorkspaceSettingsChanged(workspace.Id, zone, command.ByUserId, now));
        }

        return (workspace.Id, events);
    }
}

public sealed record UpdateWorkspaceSettingsInput(
    [property: Id] string WorkspaceId,
    [property: Description("An IANA time-zone id, e.g. Europe/Berlin.")] string TimeZone) : IWorkspaceInput;

public sealed class UpdateWorkspaceSettingsMutation() : Mutation<UpdateWorkspaceSettingsInput, UpdateWorkspaceSettings, Guid>("updateWorkspaceSettings",
    "Changes a workspace's settings: its IANA time zone.",
    WorkspaceAccess.Needs(Role.Admin).FirstPartyOnly(), WorkspacePayloads.Workspace, (input, caller) => new(caller.WorkspaceId(), caller.UserId, input.TimeZone));
