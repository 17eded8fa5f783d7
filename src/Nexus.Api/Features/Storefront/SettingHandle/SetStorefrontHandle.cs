using FluentValidation;
using GraphQL;
using GraphQL.Types;
using Marten;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;

namespace Nexus.Api.Features.Storefront.SettingHandle;

/// <summary>
/// An admin names the workspace's storefront: the handle buyers reach it by (<c>storefront(handle)</c>). A changed
/// handle frees the old one at once. Uniqueness is the unique index on <see cref="StorefrontProfile.Handle"/>, checked by
/// the commit: of two workspaces claiming one handle at once one commits, the other's handler runs again (the conflict
/// retry policy) and answers HANDLE_TAKEN.
/// </summary>
public sealed record SetStorefrontHandle(Guid WorkspaceId, Guid ByUserId, string Handle)
{
    public sealed class Validator : AbstractValidator<SetStorefrontHandle>
    {
        public Validator() => RuleFor(c => c.Handle).Must(StorefrontHandles.IsValid)
            .WithMessage($"A handle is {StorefrontHandles.MinLength} to {StorefrontHandles.MaxLength} characters: lower-case letters, digits and '-', not at either end.");
    }
}

public static class SetStorefrontHandleHandler
{
    public static async Task<Outcome<Guid, RoleRequiredError, HandleTakenError>> HandleAsync(SetStorefrontHandle command, IDocumentSession session, DateTimeOffset now, CancellationToken ct)
    {
        // The role now, not only when the access check ran.
        if (await session.LoadAsync<Workspace>(command.WorkspaceId, ct) is not { } workspace)
        {
            return new RoleRequiredError(Role.Admin);
        }

        if (workspace.Refuses(command.ByUserId, Role.Admin) is { } refusal)
        {
            return refusal;
        }

        var holder = await session.Query<StorefrontProfile>().Where(p => p.Handle == command.Handle).Select(p => p.WorkspaceId).ToListAsync(ct);
        if (holder is [var other, ..] && other != command.WorkspaceId)
        {
            return new HandleTakenError();
        }

        var storefrontId = StorefrontProfile.IdOf(command.WorkspaceId);
        var stream = await session.Events.FetchForWriting<StorefrontProfile>(storefrontId, ct);
        if (stream.Aggregate?.Handle != command.Handle)
        {
            stream.AppendOne(new StorefrontHandleSet(storefrontId, command.WorkspaceId, command.Handle, stream.Aggregate?.Handle, command.ByUserId, now));
        }

        return command.WorkspaceId;
    }
}

public sealed record SetStorefrontHandleInput(
    [property: Id] string WorkspaceId,
    [property: DescribedAs("{0} to {1} characters: letters, digits and '-' (not at either end); stored lower case.", StorefrontHandles.MinLength, StorefrontHandles.MaxLength)] string Handle) : IWorkspaceInput;

public sealed class SetStorefrontHandleMutation() : Mutation<SetStorefrontHandleInput, SetStorefrontHandle, Guid>("setStorefrontHandle",
    "Gives the workspace's storefront its public handle (`storefront(handle)`), or changes it: the old handle is free again at once. HANDLE_TAKEN when another storefront has it.",
    WorkspaceAccess.Needs(Role.Admin).FirstPartyOnly(), WorkspacePayloads.Workspace,
    (input, caller) => new(caller.WorkspaceId(), caller.UserId, StorefrontHandles.Normalize(input.Handle)));

/// <summary><c>Workspace.storefrontHandle</c>: what the storefront is found by; members see it, as they see the catalogue.</summary>
public sealed class WorkspaceStorefrontHandleField : ITypeExtension<WorkspaceType>
{
    public void Extend(WorkspaceType type) =>
        type.Field<StringGraphType, string?>("storefrontHandle")
            .Description("The storefront's public handle (`storefront(handle)`); null until an admin sets one with `setStorefrontHandle`.")
            .RequireWorkspaceRole(Role.Viewer, ctx => ((Workspace)ctx.Source!).Id)
            .FirstPartyOnly()
            .ResolveAsync(async ctx => (await ctx.RequestServices!.GetRequiredService<IQuerySession>()
                .LoadAsync<StorefrontProfile>(StorefrontProfile.IdOf(((Workspace)ctx.Source!).Id), ctx.CancellationToken))?.Handle);
}
