using GraphQL;
using GraphQL.Types;
using Nexus.Api.Features.Workspaces.ChangingMemberRole;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Wolverine.Marten;

namespace Nexus.Api.Features.Workspaces.TransferringOwnership;

/// <summary>Hands ownership to another member; the old owner becomes an admin, so there is always exactly one owner.</summary>
public sealed record TransferOwnership(Guid WorkspaceId, Guid ByUserId, Guid UserId);

public static class TransferOwnershipHandler
{
    public static (Outcome<Guid>, Events) Handle(TransferOwnership command, [WriteAggregate] Workspace workspace, DateTimeOffset now)
    {
        var events = new Events();
        if (workspace.Refuses(command.ByUserId, Role.Owner) is { } refusal)
        {
            return (Outcome<Guid>.Fail(refusal), events);
        }

        if (workspace.RoleOf(command.UserId) is null)
        {
            return (Outcome<Guid>.Fail(new NotAMemberError()), events);
        }

        if (command.UserId != command.ByUserId)
        {
            events.Add(new OwnershipTransferred(workspace.Id, command.ByUserId, command.UserId, now));
        }

        return (Outcome<Guid>.Ok(workspace.Id), events);
    }
}

public sealed record TransferOwnershipInput(string WorkspaceId, string UserId) : IWorkspaceInput;

[MutationType]
public sealed class TransferOwnershipMutation : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.MutationField<TransferOwnershipInputType, TransferOwnershipPayloadType>("transferOwnership", "Makes another member the owner; the current owner becomes an admin.")
            .RequireWorkspaceRole(Role.Owner, ctx => ctx.InputWorkspaceId())
            .ResolveAsync(async ctx =>
            {
                var input = ctx.GetArgument<TransferOwnershipInput>("input");
                return await ctx.SendForWorkspaceAsync(new TransferOwnership(ctx.InputWorkspaceId(), ctx.UserId()!.Value, UserIds.Parse(input.UserId)));
            });
}

public sealed class TransferOwnershipInputType : InputObjectGraphType<TransferOwnershipInput>
{
    public TransferOwnershipInputType()
    {
        Name = "TransferOwnershipInput";
        Field<NonNullGraphType<IdGraphType>>("workspaceId");
        Field<NonNullGraphType<IdGraphType>>("userId").Description("The member who becomes the owner.");
    }
}

public sealed class TransferOwnershipPayloadType() : WorkspacePayloadType<TransferOwnershipErrorType>("TransferOwnershipPayload");

public sealed class TransferOwnershipErrorType() : ErrorUnionType("TransferOwnershipError", typeof(RoleRequiredError), typeof(NotAMemberError));
