using GraphQL;
using GraphQL.Types;
using Nexus.Api.Features.Workspaces.ChangingMemberRole;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Wolverine.Marten;

namespace Nexus.Api.Features.Workspaces.RemovingMember;

public sealed record RemoveMember(Guid WorkspaceId, Guid ByUserId, Guid UserId);

public static class RemoveMemberHandler
{
    public static (Outcome<Guid>, Events) Handle(RemoveMember command, [WriteAggregate] Workspace workspace, DateTimeOffset now)
    {
        if ((workspace.Refuses(command.ByUserId, Role.Admin) ?? WorkspaceMutations.TargetMemberProblem(workspace, command.UserId)) is { } problem)
        {
            return (Outcome<Guid>.Fail(problem), []);
        }

        return (Outcome<Guid>.Ok(workspace.Id), [new MemberRemoved(workspace.Id, command.UserId, command.ByUserId, now)]);
    }
}

public sealed record RemoveMemberInput(string WorkspaceId, string UserId) : IWorkspaceInput;

[MutationType]
public sealed class RemoveMemberMutation : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.MutationField<RemoveMemberInputType, RemoveMemberPayloadType>("removeMember", "Removes a member (not the owner) from the workspace.")
            .RequireWorkspaceRole(Role.Admin, ctx => ctx.InputWorkspaceId())
            .ResolveAsync(async ctx =>
            {
                var input = ctx.GetArgument<RemoveMemberInput>("input");
                return await ctx.SendForWorkspaceAsync(new RemoveMember(ctx.InputWorkspaceId(), ctx.UserId()!.Value, UserIds.Parse(input.UserId)));
            });
}

public sealed class RemoveMemberInputType : InputObjectGraphType<RemoveMemberInput>
{
    public RemoveMemberInputType()
    {
        Name = "RemoveMemberInput";
        Field<NonNullGraphType<IdGraphType>>("workspaceId");
        Field<NonNullGraphType<IdGraphType>>("userId");
    }
}

public sealed class RemoveMemberPayloadType() : WorkspacePayloadType<RemoveMemberErrorType>("RemoveMemberPayload");

public sealed class RemoveMemberErrorType() : ErrorUnionType("RemoveMemberError", typeof(RoleRequiredError), typeof(NotAMemberError), typeof(OwnerProtectedError));
