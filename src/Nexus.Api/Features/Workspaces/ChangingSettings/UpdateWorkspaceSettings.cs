using FluentValidation;
using GraphQL;
using GraphQL.Types;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
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
    public static (Outcome<Guid>, Events) Handle(UpdateWorkspaceSettings command, [WriteAggregate] Workspace workspace, DateTimeOffset now)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(command.TimeZone).Id;
        var events = new Events();
        if (workspace.Refuses(command.ByUserId, Role.Admin) is { } refusal)
        {
            return (Outcome<Guid>.Fail(refusal), events);
        }

        if (zone != workspace.TimeZone)
        {
            events.Add(new WorkspaceSettingsChanged(workspace.Id, zone, command.ByUserId, now));
        }

        return (Outcome<Guid>.Ok(workspace.Id), events);
    }
}

public sealed record UpdateWorkspaceSettingsInput(string WorkspaceId, string TimeZone) : IWorkspaceInput;

[MutationType]
public sealed class UpdateWorkspaceSettingsMutation : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.MutationField<UpdateWorkspaceSettingsInputType, UpdateWorkspaceSettingsPayloadType>("updateWorkspaceSettings",
                "Changes a workspace's settings: its IANA time zone.")
            .RequireWorkspaceRole(Role.Admin, ctx => ctx.InputWorkspaceId())
            .ResolveAsync(async ctx =>
            {
                var input = ctx.GetArgument<UpdateWorkspaceSettingsInput>("input");
                return await ctx.SendForWorkspaceAsync(new UpdateWorkspaceSettings(ctx.InputWorkspaceId(), ctx.UserId()!.Value, input.TimeZone));
            });
}

public sealed class UpdateWorkspaceSettingsInputType : InputObjectGraphType<UpdateWorkspaceSettingsInput>
{
    public UpdateWorkspaceSettingsInputType()
    {
        Name = "UpdateWorkspaceSettingsInput";
        Field<NonNullGraphType<IdGraphType>>("workspaceId");
        Field(i => i.TimeZone).Description("An IANA time-zone id, e.g. Europe/Berlin.");
    }
}

public sealed class UpdateWorkspaceSettingsPayloadType() : WorkspacePayloadType<UpdateWorkspaceSettingsErrorType>("UpdateWorkspaceSettingsPayload");

public sealed class UpdateWorkspaceSettingsErrorType() : ErrorUnionType("UpdateWorkspaceSettingsError", typeof(RoleRequiredError));
