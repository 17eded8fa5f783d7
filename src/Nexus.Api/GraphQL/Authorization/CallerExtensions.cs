using System.Security.Claims;
using GraphQL;

namespace Nexus.Api.GraphQL.Authorization;

/// <summary>Who is calling: the signed-in user's id from the access token's <c>sub</c> claim.</summary>
public static class CallerExtensions
{
    /// <summary>The signed-in user's id, or null for anonymous callers and service clients.</summary>
    public static Guid? UserId(this ClaimsPrincipal? principal) =>
        Guid.TryParse(principal?.FindFirstValue("sub") ?? principal?.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null;

    public static Guid? UserId(this IResolveFieldContext context) => context.User.UserId();
}
