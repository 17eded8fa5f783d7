using System.Security.Claims;
using Nexus.Api.Infrastructure.Identity;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Nexus.Api.Features.Apps;

/// <summary>
/// What an app's tokens say: the workspace they reach (<see cref="AppClaims.Workspace"/>), the app
/// (<see cref="AppClaims.App"/>) and the app scopes granted. The same shape for a person's consent (authorization
/// code, with the person's <c>sub</c>) and for the app acting alone (client credentials, <c>sub</c> = its client id).
/// </summary>
public static class AppPrincipal
{
    /// <summary>The OpenID scopes an app may also ask for, besides its <see cref="AppScope"/>s.</summary>
    public static readonly string[] IdentityScopes = [Scopes.OpenId, Scopes.Profile, Scopes.OfflineAccess];

    /// <summary>Whether the principal is an app's token (bound to one workspace).</summary>
    public static bool IsApp(this ClaimsPrincipal? principal) => principal?.FindFirst(AppClaims.Workspace) is not null;

    /// <summary>The workspace an app's token is bound to; null for Nexus's own clients.</summary>
    public static Guid? BoundWorkspace(this ClaimsPrincipal? principal) =>
        Guid.TryParseExact(principal?.FindFirst(AppClaims.Workspace)?.Value, "N", out var id) ? id : null;

    /// <summary>The app an app's token was issued to.</summary>
    public static Guid? AppId(this ClaimsPrincipal? principal) =>
        Guid.TryParseExact(principal?.FindFirst(AppClaims.App)?.Value, "N", out var id) ? id : null;

    /// <summary>
    /// The principal of an app's token. <paramref name="subject"/> is the person's id after their consent, or the
    /// client id for client credentials; the scopes are those requested that the app may hold.
    /// </summary>
    public static ClaimsPrincipal Create(string subject, string clientId, Guid appId, Guid workspaceId, IEnumerable<string> requested, IEnumerable<string> allowed)
    {
        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, subject)
            .SetClaim(Claims.ClientId, clientId)
            .SetClaim(AppClaims.App, appId.ToString("N"))
            .SetClaim(AppClaims.Workspace, workspaceId.ToString("N"));
        var principal = new ClaimsPrincipal(identity);
        var permitted = allowed.Where(s => AppScope.IsKnown(s) || IdentityScopes.Contains(s)).ToHashSet(StringComparer.Ordinal);
        principal.SetScopes(requested.Where(permitted.Contains).Distinct(StringComparer.Ordinal));
        principal.SetResources(AuthOptions.ApiAudience);
        principal.SetDestinations(claim => claim.Type == Claims.Subject
            ? [Destinations.AccessToken, Destinations.IdentityToken]
            : [Destinations.AccessToken]);
        return principal;
    }

    /// <summary>The app scopes an OpenIddict application's permissions allow (<c>scp:posts:read</c> …).</summary>
    public static IEnumerable<string> AllowedScopes(IEnumerable<string> permissions) =>
        permissions.Where(p => p.StartsWith(Permissions.Prefixes.Scope, StringComparison.Ordinal))
            .Select(p => p[Permissions.Prefixes.Scope.Length..]);
}
