using FluentValidation;
using GraphQL;
using GraphQL.Types;
using Nexus.Api.Features.Accounts;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Wolverine.Marten;

namespace Nexus.Api.Features.Workspaces.CancellingInvitation;

/// <summary>Withdraws the pending invitation sent to an email; its emailed link stops working at once.</summary>
public sealed record CancelInvitation(Guid WorkspaceId, Guid ByUserId, string Email)
{
    public sealed class Validator : AbstractValidator<CancelInvitation>
    {
        public Validator() => RuleFor(c => c.Email).ValidEmail();
    }
}

/// <summary>No invitation to that email is pending in the workspace.</summary>
public sealed record InvitationNotFoundError()
    : MutationError("NOT_FOUND", "No invitation to this email is pending in the workspace.", ["input", "email"]);

public static class CancelInvitationHandler
{
    // The token document stays: acceptInvitation only honours tokens whose invitation the workspace still lists.
    public static (Outcome<Guid>, Events) Handle(CancelInvitation command, [WriteAggregate] Workspace workspace, DateTimeOffset now)
    {
        if (workspace.Refuses(command.ByUserId, Role.Admin) is { } refusal)
        {
            return (Outcome<Guid>.Fail(refusal), []);
        }

        var email = EmailAddress.Normalize(command.Email);
        if (workspace.Invitations.FirstOrDefault(i => i.Email == email) is not { } invitation)
        {
            return (Outcome<Guid>.Fail(new InvitationNotFoundError()), []);
        }

        return (Outcome<Guid>.Ok(workspace.Id), [new InvitationCancelled(workspace.Id, invitation.Id, command.ByUserId, now)]);
    }
}

public sealed record CancelInvitationInput(string WorkspaceId, string Email) : IWorkspaceInput;

[MutationType]
public sealed class CancelInvitationMutation : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.MutationField<CancelInvitationInputType, CancelInvitationPayloadType>("cancelInvitation", "Withdraws a pending invitation; its link stops working.")
            .RequireWorkspaceRole(Role.Admin, ctx => ctx.InputWorkspaceId())
            .ResolveAsync(async ctx =>
            {
                var input = ctx.GetArgument<CancelInvitationInput>("input");
                return await ctx.SendForWorkspaceAsync(new CancelInvitation(ctx.InputWorkspaceId(), ctx.UserId()!.Value, input.Email));
            });
}

public sealed class CancelInvitationInputType : InputObjectGraphType<CancelInvitationInput>
{
    public CancelInvitationInputType()
    {
        Name = "CancelInvitationInput";
        Field<NonNullGraphType<IdGraphType>>("workspaceId");
        Field(i => i.Email).Description("The email the invitation was sent to.");
    }
}

public sealed class CancelInvitationPayloadType() : WorkspacePayloadType<CancelInvitationErrorType>("CancelInvitationPayload");

public sealed class CancelInvitationErrorType() : ErrorUnionType("CancelInvitationError", typeof(RoleRequiredError), typeof(InvitationNotFoundError));
