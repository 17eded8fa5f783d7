using System.Security.Claims;
using GraphQL;
using Nexus.Api.Features.Apps;
using OpenIddict.Abstractions;

namespace Nexus.Api.GraphQL.Authorization;

/// <summary>
/// Who is calling: the signed-in person's id from the access token's <c>sub</c> claim, or, for an app acting alone
/// (client credentials for a workspace's app), the app.
/// </summary>
public static class CallerExtensions
{
    /// <summary>The signed-in person's id, or null for anonymous callers, service clients and apps acting alone.</summary>
    public static Guid? UserId(this ClaimsPrincipal? principal) =>
        !principal.ActsAlone() &&
        Guid.TryParse(principal?.FindFirstValue("sub") ?? principal?.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null;

    public static Guid? UserId(this IResolveFieldContext context) => context.User.UserId();

    /// <summary>
    /// Whether the token is an app's own, with no person behind it: client credentials put the client id in <c>sub</c>
    /// (a person's consent puts the person there). Such a client id may well look like a Guid, so it must never be read
    /// as a user id.
    /// </summary>
    public static bool ActsAlone(this ClaimsPrincipal? principal) =>
        principal.IsApp() && principal!.FindFirstValue(OpenIddictConstants.Claims.Subject) is { } subject &&
        subject == principal!.FindFirstValue(OpenIddictConstants.Claims.ClientId);

    /// <summary>
    /// Who acts, as events record it: the person, or the app's id (<see cref="AppPrincipal.AppId"/>) when an app acts
    /// alone; null for anyone else.
    /// </summary>
    public static Guid? ActorId(this ClaimsPrincipal? principal) =>
        principal.ActsAlone() ? principal.AppId() : principal.UserId();

    /// <summary>Whether the token is an app's that was not granted <paramref name="scope"/> (Nexus's own tokens hold every scope).</summary>
    public static bool LacksScope(this ClaimsPrincipal? principal, string scope) => principal.IsApp() && !principal!.HasScope(scope);
}
