namespace Nexus.Api.Infrastructure.Identity;

/// <summary>
/// The answers of the HTTP endpoints outside GraphQL that take a bearer token (the analytics CSV, the events export):
/// the same 401/403 with RFC 6750's <c>WWW-Authenticate</c> and a JSON body <c>{ error, message }</c> everywhere.
/// </summary>
public static class BearerEndpoints
{
    /// <summary>
    /// Answers a request that carries no usable access token (none, an invalid one, or one without an API scope) and
    /// says so; false when the caller is authenticated and the endpoint goes on.
    /// </summary>
    public static async Task<bool> RefusedAnonymousAsync(HttpContext http)
    {
        if (http.User.Identity?.IsAuthenticated == true)
        {
            return false;
        }

        if (http.Request.Headers.Authorization.Count > 0 && ApiScope.WasMissing(http))
        {
            http.Response.Headers.WWWAuthenticate = $"Bearer error=\"insufficient_scope\", scope=\"{AuthOptions.ApiScope}\"";
            await RefuseAsync(http, StatusCodes.Status403Forbidden, "forbidden", ApiScope.Description);
            return true;
        }

        http.Response.Headers.WWWAuthenticate = http.Request.Headers.Authorization.Count > 0 ? "Bearer error=\"invalid_token\"" : "Bearer";
        await RefuseAsync(http, StatusCodes.Status401Unauthorized, "unauthenticated", "Sign in: send a bearer access token.");
        return true;
    }

    /// <summary>Answers <paramref name="status"/> with <c>{ error, message }</c>.</summary>
    public static Task RefuseAsync(HttpContext http, int status, string error, string message)
    {
        http.Response.StatusCode = status;
        return http.Response.WriteAsJsonAsync(new { error, message }, http.RequestAborted);
    }
}
