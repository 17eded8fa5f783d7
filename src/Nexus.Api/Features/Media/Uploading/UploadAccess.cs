using System.Security.Claims;
using Marten;
using Nexus.Api.Features.Apps;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.Infrastructure.Identity;
using OpenIddict.Abstractions;

namespace Nexus.Api.Features.Media.Uploading;

/// <summary>
/// Who may upload into a workspace's library: a person who is EDITOR or above there, or an app's token bound to that
/// workspace and granted <c>media:write</c> (an app acting alone holds ADMIN there). Unknown workspaces and outsiders
/// get one answer (404), so nothing tells that a workspace exists; so does an upload of another workspace.
/// </summary>
public static class UploadAccess
{
    public const Role Least = Role.Editor;

    public sealed record Refusal(int Status, string Error, string Message);

    /// <summary>
    /// Null when <paramref name="user"/> may upload to <paramref name="workspaceId"/>; otherwise why not. With
    /// <paramref name="naming"/> the caller named the workspace itself (a new upload), and an app's token for another
    /// workspace is told so (403); without, the workspace is an existing upload's, and that upload is simply not found.
    /// </summary>
    public static async Task<Refusal?> CheckAsync(ClaimsPrincipal user, Guid workspaceId, IQuerySession session, bool naming, CancellationToken ct)
    {
        if (user.IsApp())
        {
            if (user.BoundWorkspace() != workspaceId)
            {
                return naming
                    ? new(StatusCodes.Status403Forbidden, "forbidden", "This app's token is for another workspace.")
                    : NotFound(naming);
            }

            if (!user.HasScope(AppScope.MediaWrite))
            {
                return new(StatusCodes.Status403Forbidden, "insufficient_scope", $"This app's token was not granted the `{AppScope.MediaWrite}` scope.");
            }
        }

        if (user.ActorId() is null)
        {
            return new(StatusCodes.Status403Forbidden, "forbidden", "Only people and apps can upload media; sign in as a user.");
        }

        var workspace = await session.LoadAsync<Workspace>(workspaceId, ct);
        var role = workspace.RoleOf(user);
        return role is null
            ? NotFound(naming)
            : role < Least
                ? new(StatusCodes.Status403Forbidden, "forbidden", $"Uploading media needs the {Least.ToString().ToUpperInvariant()} role in the workspace; you are {role.Value.ToString().ToUpperInvariant()}.")
                : null;
    }

    /// <summary>Answers a refusal the way every bearer endpoint does (<c>{ error, message }</c>).</summary>
    public static Task RefuseAsync(HttpContext http, Refusal refusal)
    {
        if (refusal.Error == "insufficient_scope")
        {
            http.Response.Headers.WWWAuthenticate = $"Bearer error=\"insufficient_scope\", scope=\"{AppScope.MediaWrite}\"";
        }

        return BearerEndpoints.RefuseAsync(http, refusal.Status, refusal.Error, refusal.Message);
    }

    private static Refusal NotFound(bool naming) => naming
        ? new(StatusCodes.Status404NotFound, "not_found", "This workspace does not exist or you are not a member of it.")
        : new(StatusCodes.Status404NotFound, "not_found", "This upload does not exist (any more).");
}
