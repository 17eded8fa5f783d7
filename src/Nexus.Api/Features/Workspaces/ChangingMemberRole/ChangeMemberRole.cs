using FluentValidation;
using GraphQL;
using GraphQL.Types;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.GraphQL.Relay;
using Wolverine.Marten;

namespace Nexus.Api.Features.Workspaces.ChangingMemberRole;

/// <summary>Gives a member another role. OWNER only moves through <c>transferOwnership</c>.</summary>
public sealed record ChangeMemberRole(Guid WorkspaceId, Guid ByUserId, Guid UserId, Role Role)
{
    public sealed class Validator : AbstractValidator<ChangeMemberRole>
    {
        public Validator() =>
            RuleFor(c => c.Role).NotEqual(Role.Owner).WithMessage("Use transferOwnership to make someone the owner.");
    }
}

public static class ChangeMemberRoleHandler
{
    public static (Outcome<Guid>, Events) Handle(ChangeMemberRole command, [WriteAggregate] Workspace workspace, DateTimeOffset now)
    {
        var events = new Events();
        if ((workspace.Refuses(command.ByUserId, Role.Admin) ?? WorkspaceMutations.TargetMemberProblem(workspace, command.UserId)) is { } problem)
        {
            return (Outcome<Guid>.Fail(problem), events);
        }

        if (workspace.RoleOf(command.UserId) != command.Role)
        {
            events.Add(new MemberRoleChanged(workspace.Id, command.UserId, command.Role, command.ByUserId, now));
        }

        return (Outcome<Guid>.Ok(workspace.Id), events);
    }
}

public sealed record ChangeMemberRoleInput(string WorkspaceId, string UserId, Role Role) : IWorkspaceInput;

[MutationType]
public sealed class ChangeMemberRoleMutation : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.MutationField<ChangeMemberRoleInputType, ChangeMemberRolePayloadType>("changeMemberRole", "Changes a member's role (ADMIN, EDITOR or VIEWER).")
            .RequireWorkspaceRole(Role.Admin, ctx => ctx.InputWorkspaceId())
            .ResolveAsync(async ctx =>
            {
                var input = ctx.GetArgument<ChangeMemberRoleInput>("input");
                return await ctx.SendForWorkspaceAsync(new ChangeMemberRole(ctx.InputWorkspaceId(), ctx.UserId()!.Value, UserIds.Parse(input.UserId), input.Role));
            });
}

public sealed class ChangeMemberRoleInputType : InputObjectGraphType<ChangeMemberRoleInput>
{
    public ChangeMemberRoleInputType()
    {
        Name = "ChangeMemberRoleInput";
        Field<NonNullGraphType<IdGraphType>>("workspaceId");
        Field<NonNullGraphType<IdGraphType>>("userId");
        Field<NonNullGraphType<RoleType>>("role");
    }
}

public sealed class ChangeMemberRolePayloadType() : WorkspacePayloadType<ChangeMemberRoleErrorType>("ChangeMemberRolePayload");

public sealed class ChangeMemberRoleErrorType() : ErrorUnionType("ChangeMemberRoleError", typeof(RoleRequiredError), typeof(NotAMemberError), typeof(OwnerProtectedError));

/// <summary>User ids in inputs are global ids of <c>User</c>.</summary>
public static class UserIds
{
    public static Guid Parse(string value) =>
        GlobalId.TryParse(value, "User", out var id) ? id : throw new BadRequestError("The user id is not valid.");
}
