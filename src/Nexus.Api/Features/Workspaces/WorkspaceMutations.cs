using FluentValidation;
using Marten;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Errors;

namespace Nexus.Api.Features.Workspaces;

/// <summary>The payload shapes of workspace mutations (see <see cref="Payload{TResult}"/>).</summary>
public static class WorkspacePayloads
{
    /// <summary>
    /// <c>workspace: Workspace</c>, read back from its inline projection after the change; null on failure, and for a
    /// caller who is no longer a member (who left, or an admin who removed themself).
    /// </summary>
    public static Payload<Guid> Workspace { get; } = Payload<Guid>.Of<WorkspaceType>("workspace",
        "The workspace after the change; null when `errors` is not empty.", async (context, id) =>
        {
            var workspace = await context.RequestServices!.GetRequiredService<IQuerySession>().LoadAsync<Workspace>(id, context.CancellationToken);
            return workspace.RoleOf(context.User) is null ? null : workspace;
        });
}

public static class WorkspaceMutations
{
    /// <summary>The validation rule every workspace name follows.</summary>
    public static IRuleBuilderOptions<T, string> ValidWorkspaceName<T>(this IRuleBuilder<T, string> rule) =>
        rule.Must(name => !string.IsNullOrWhiteSpace(name)).WithMessage("Enter a workspace name.")
            .Must(name => (name ?? "").Trim().Length <= MaxNameLength).WithMessage($"A workspace name has at most {MaxNameLength} characters.")
            .Must(name => !(name ?? "").Any(char.IsControl)).WithMessage("A workspace name cannot contain control characters.");

    /// <summary>The validation rule every workspace time zone follows.</summary>
    public static IRuleBuilderOptions<T, string> ValidTimeZone<T>(this IRuleBuilder<T, string> rule) =>
        rule.Must(zone => GraphQL.Scalars.TimeZoneScalar.TryFind(zone ?? "", out _))
            .WithMessage("Use an IANA time-zone id, like Europe/Berlin or America/New_York.");

    public const int MaxNameLength = 80;

    /// <summary>
    /// Why <paramref name="byUserId"/> cannot change or remove the member <paramref name="userId"/>, or null when they
    /// can: it needs an admin, and a member other than the owner.
    /// </summary>
    public static Outcome<Guid, RoleRequiredError, NotAMemberError, OwnerProtectedError>? MemberChangeRefused(Workspace workspace, Guid byUserId, Guid userId) =>
        workspace.Refuses(byUserId, Role.Admin) is { } refusal ? refusal
        : workspace.RoleOf(userId) switch
        {
            null => new NotAMemberError(),
            Role.Owner => new OwnerProtectedError(),
            _ => null,
        };
}

/// <summary>The user named in the input is not a member of the workspace.</summary>
public sealed record NotAMemberError()
    : MutationError("NOT_FOUND", "That user is not a member of this workspace.", ["input", "userId"]);

/// <summary>The owner cannot be removed or have their role changed; ownership must be transferred first.</summary>
public sealed record OwnerProtectedError()
    : MutationError("OWNER_PROTECTED", "The owner cannot be removed or change role; transfer ownership first.", ["input", "userId"]);

/// <summary>The caller's role, read inside the write, no longer allows the change: it changed since the request began.</summary>
public sealed record RoleRequiredError(Role Minimum)
    : MutationError("FORBIDDEN", $"This needs the {Minimum.ToString().ToUpperInvariant()} role in the workspace, which you no longer hold.", ["input", "workspaceId"]);
