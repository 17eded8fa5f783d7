using Microsoft.AspNetCore;
using OpenIddict.Abstractions;
using OpenIddict.Validation;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Nexus.Api.Infrastructure.Identity;

/// <summary>
/// The API only accepts access tokens granted the <c>nexus</c> scope: a token a client obtained for
/// <c>openid</c> alone (to learn who someone is) is not a licence to act for them. Enforced where every access
/// token is validated, so the HTTP endpoint and the WebSocket <c>connection_init</c> refuse it alike.
/// </summary>
public static class ApiScope
{
    private const string MissingKey = "nexus:api-scope-missing";

    public const string Description = $"The access token was not granted the `{AuthOptions.ApiScope}` scope; ask for it when signing in.";

    internal static ValueTask Require(OpenIddictValidationEvents.ValidateTokenContext context)
    {
        // An app's token (bound to one workspace) holds app scopes instead; the fields check which one each needs.
        if (context.Principal is { } principal && !principal.HasScope(AuthOptions.ApiScope) &&
            !(principal.FindFirst(AppClaims.Workspace) is not null && principal.GetScopes().Any(AppScope.IsKnown)))
        {
            // Remembered for the answer, which RFC 6750 makes a 403 insufficient_scope rather than invalid_token.
            if (context.Transaction.GetHttpRequest() is { } request)
            {
                request.HttpContext.Items[MissingKey] = true;
            }

            context.Reject(Errors.InsufficientScope, Description);
        }

        return default;
    }

    /// <summary>Whether this request's access token was refused only for lacking the <c>nexus</c> scope.</summary>
    public static bool WasMissing(HttpContext http) => http.Items.ContainsKey(MissingKey);
}
