using System.Security.Claims;
using Marten;
using Nexus.Api.Features.Apps;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.Infrastructure;
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

    /// <summary>
    /// Counts a new upload (a tus creation or a simple upload) against <see cref="NexusRateLimiter.MediaUpload"/> for
    /// whoever calls: a person, or an app's token (per person it acts for); true when refused and answered (429, or 503
    /// while the count cannot be made), with <c>Retry-After</c>.
    /// </summary>
    public static async Task<bool> RateLimitedAsync(HttpContext http)
    {
        var limiter = http.RequestServices.GetRequiredService<NexusRateLimiter>();
        var decision = await limiter.AcquireAsync(NexusRateLimiter.MediaUpload, RateLimitClient(http), http.RequestAborted);
        if (decision.Acquired)
        {
            return false;
        }

        http.Response.Headers.RetryAfter = NexusRateLimiter.RetryAfterSeconds(decision.RetryAfter);
        await (decision.Unavailable
            ? UploadAnswers.ErrorAsync(http, StatusCodes.Status503ServiceUnavailable, "TEMPORARILY_UNAVAILABLE", "Uploads cannot be counted right now; try again after the Retry-After delay.")
            : UploadAnswers.ErrorAsync(http, StatusCodes.Status429TooManyRequests, "RATE_LIMITED", "Too many uploads started; try again after the Retry-After delay."));
        return true;
    }

    // Tokens, not addresses: a team behind one office address shares nothing, and one person's many addresses share one budget.
    private static string RateLimitClient(HttpContext http) => (http.User.IsApp(), http.User.AppId(), http.User.ActorId()) switch
    {
        (true, { } app, { } actor) => $"app:{app:N}:{actor:N}",
        (false, _, { } person) => $"person:{person:N}",
        _ => $"address:{NexusRateLimiter.ClientOf(http)}",
    };

    private static Refusal NotFound(bool naming) => naming
        ? new(StatusCodes.Status404NotFound, "not_found", "This workspace does not exist or you are not a member of it.")
        : new(StatusCodes.Status404NotFound, "not_found", "This upload does not exist (any more).");
}
