using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Apps;
using Nexus.Api.Features.Apps.Consenting;
using Nexus.Api.Infrastructure;
using Nexus.Api.Infrastructure.Identity;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using Wolverine;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Nexus.Api.Features.Accounts.SigningIn;

/// <summary>
/// The parts of the OAuth / OpenID Connect endpoints that need Nexus's own knowledge: who the user is and what
/// goes into their tokens. OpenIddict validates the protocol before these run and issues tokens after.
/// </summary>
public static class ConnectEndpoints
{
    private static readonly string ServerScheme = OpenIddictServerAspNetCoreDefaults.AuthenticationScheme;

    public static IEndpointRouteBuilder MapConnectEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/connect/authorize", ["GET", "POST"], (Delegate)AuthorizeAsync);
        app.MapPost("/connect/token", (Delegate)TokenAsync);
        app.MapMethods("/connect/userinfo", ["GET", "POST"], (Delegate)UserInfoAsync);
        app.MapMethods("/connect/logout", ["GET", "POST"], (Delegate)EndSessionAsync);
        return app;
    }

    private static async Task<IResult> AuthorizeAsync(HttpContext http, IQuerySession session, IOpenIddictApplicationManager applications, IOpenIddictAuthorizationManager authorizations)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        var signedIn = await http.AuthenticateAsync(IdentitySetup.LoginScheme);
        var user = signedIn.Succeeded && Guid.TryParse(signedIn.Principal.GetClaim(Claims.Subject), out var userId)
            ? await session.LoadAsync<User>(userId, http.RequestAborted)
            : null;

        if (user is null || request.HasPromptValue(PromptValues.Login))
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Refuse(Errors.LoginRequired, "The user is not signed in.");
            }

            // Back to this same authorization request once the sign-in page has done its work.
            var parameters = request.GetParameters()
                .Where(p => p.Key != Parameters.Prompt)
                .Select(p => KeyValuePair.Create(p.Key, (string?)p.Value.ToString()));
            return Results.Challenge(
                new AuthenticationProperties { RedirectUri = http.Request.PathBase + http.Request.Path + QueryString.Create(parameters) },
                [IdentitySetup.LoginScheme]);
        }

        // A third-party app asks the person first (Nexus's own clients do not).
        if (await AppConsent.AuthorizeAsync(http, request, user, session, applications, authorizations) is { } consent)
        {
            return consent;
        }

        return Results.SignIn(await IssueAsync(user, request.ClientId!, request.GetScopes(), applications, authorizations), authenticationScheme: ServerScheme);
    }

    private static async Task<IResult> TokenAsync(HttpContext http, IMessageBus bus, IQuerySession session, IOptions<AuthOptions> options,
        IOpenIddictApplicationManager applications, IOpenIddictAuthorizationManager authorizations)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");

        if (request.IsPasswordGrantType())
        {
            // OpenIddict only enables the grant when AllowPasswordGrant is on; only the CLI client may use it.
            if (request.ClientId != AuthOptions.CliClientId || !options.Value.AllowPasswordGrant)
            {
                return Refuse(Errors.UnauthorizedClient, "This client may not use the password grant.");
            }

            var check = await bus.InvokeAsync<CredentialCheckResult>(new CheckCredentials(request.Username ?? "", request.Password ?? "", NexusRateLimiter.ClientOf(http)), http.RequestAborted);
            return check switch
            {
                { Verdict: CredentialVerdict.Valid, User: { } user } =>
                    Results.SignIn(await IssueAsync(user, request.ClientId, request.GetScopes(), applications, authorizations), authenticationScheme: ServerScheme),
                { Verdict: CredentialVerdict.LockedOut } => Refuse(Errors.InvalidGrant, "Too many failed sign-ins; try again later."),
                _ => Refuse(Errors.InvalidGrant, "The email or password is incorrect."),
            };
        }

        if (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType())
        {
            // OpenIddict has already checked the code or refresh token (and its family) against the store.
            var redeemed = (await http.AuthenticateAsync(ServerScheme)).Principal!;
            var user = Guid.TryParse(redeemed.GetClaim(Claims.Subject), out var userId)
                ? await session.LoadAsync<User>(userId, http.RequestAborted)
                : null;
            if (user is null)
            {
                return Refuse(Errors.InvalidGrant, "The account no longer exists.");
            }

            // An app's token stays bound to the workspace and the scopes the person consented to.
            var principal = redeemed.IsApp()
                ? AppPrincipal.Create(user.Id.ToString(), request.ClientId!, redeemed.AppId()!.Value, redeemed.BoundWorkspace()!.Value, redeemed.GetScopes(), redeemed.GetScopes())
                : Principal(user, redeemed.GetScopes());
            principal.SetAuthorizationId(redeemed.GetAuthorizationId());
            return Results.SignIn(principal, authenticationScheme: ServerScheme);
        }

        if (request.IsClientCredentialsGrantType())
        {
            // An app registered by a workspace acts for that workspace alone, with the scopes it was registered for.
            if (await applications.FindByClientIdAsync(request.ClientId!) is { } application &&
                await applications.GetPropertiesAsync(application) is var properties &&
                properties.TryGetValue(AppClaims.WorkspaceProperty, out var workspace) && properties.TryGetValue(AppClaims.AppProperty, out var app))
            {
                // The app's stream is the record that it exists: a client whose registration never committed gets nothing.
                if (await session.LoadAsync<App>(Guid.ParseExact(app.GetString()!, "N"), http.RequestAborted) is not { Deleted: false })
                {
                    return Refuse(Errors.InvalidClient, "This app is not registered.");
                }

                var allowed = AppPrincipal.AllowedScopes(await applications.GetPermissionsAsync(application)).Where(AppScope.IsKnown).ToList();
                var requested = request.GetScopes() is { IsEmpty: false } asked ? [.. asked] : allowed;
                return Results.SignIn(
                    AppPrincipal.Create(request.ClientId!, request.ClientId!, Guid.ParseExact(app.GetString()!, "N"), Guid.ParseExact(workspace.GetString()!, "N"), requested, allowed),
                    authenticationScheme: ServerScheme);
            }

            var identity = new ClaimsIdentity(ServerScheme, Claims.Name, Claims.Role);
            identity.SetClaim(Claims.Subject, request.ClientId).SetClaim(Claims.Name, request.ClientId).SetClaim("client_kind", "service");
            var principal = new ClaimsPrincipal(identity);
            principal.SetScopes(request.GetScopes().Intersect([AuthOptions.ApiScope]));
            principal.SetResources(AuthOptions.ApiAudience);
            principal.SetDestinations(_ => [Destinations.AccessToken]);
            return Results.SignIn(principal, authenticationScheme: ServerScheme);
        }

        return Refuse(Errors.UnsupportedGrantType, "This grant type is not supported.");
    }

    private static async Task<IResult> UserInfoAsync(HttpContext http, IQuerySession session)
    {
        var principal = (await http.AuthenticateAsync(ServerScheme)).Principal;
        var user = Guid.TryParse(principal?.GetClaim(Claims.Subject), out var userId) ? await session.LoadAsync<User>(userId, http.RequestAborted) : null;
        if (user is null)
        {
            return Results.Challenge(
                new AuthenticationProperties(new Dictionary<string, string?>
                {
                    [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.InvalidToken,
                    [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "The account no longer exists.",
                }),
                [ServerScheme]);
        }

        var claims = new Dictionary<string, object>(StringComparer.Ordinal) { [Claims.Subject] = user.Id.ToString() };
        var granted = principal!;
        if (granted.HasScope(Scopes.Email))
        {
            claims[Claims.Email] = user.Email;
            claims[Claims.EmailVerified] = user.EmailVerified;
        }

        if (granted.HasScope(Scopes.Profile))
        {
            claims[Claims.Name] = user.DisplayName;
        }

        return Results.Ok(claims);
    }

    // A GET only asks: any site can send a browser here, and signing out must be the person's choice. The form
    // posts the same request back (OpenIddict validates it again) with an antiforgery token.
    private static async Task<IResult> EndSessionAsync(HttpContext http, IAntiforgery antiforgery)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        if (!HttpMethods.IsPost(http.Request.Method) || !await antiforgery.IsRequestValidAsync(http))
        {
            return LogoutConfirmation(http, antiforgery, request,
                HttpMethods.IsPost(http.Request.Method) ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK);
        }

        await http.SignOutAsync(IdentitySetup.LoginScheme);
        return Results.SignOut(new AuthenticationProperties { RedirectUri = "/account/login" }, [ServerScheme]);
    }

    private static IResult LogoutConfirmation(HttpContext http, IAntiforgery antiforgery, OpenIddictRequest request, int status)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        var fields = request.GetParameters()
            .Where(p => p.Key != tokens.FormFieldName)
            .Select(p => $"""  <input type="hidden" name="{LoginPage.Encode(p.Key)}" value="{LoginPage.Encode(p.Value.ToString())}">""");
        var message = status == StatusCodes.Status200OK ? "" : """<p class="error" role="alert">Your session expired. Please try again.</p>""";
        return LoginPage.Html(http, $"""
            <h1>Sign out of Nexus?</h1>
            {message}
            <form method="post" action="/connect/logout">
              <input type="hidden" name="{LoginPage.Encode(tokens.FormFieldName)}" value="{LoginPage.Encode(tokens.RequestToken)}">
            {string.Join("\n", fields)}
              <button type="submit">Sign out</button>
            </form>
            """, status,
            // OpenIddict has checked the address against the client's registered ones before this runs.
            Uri.TryCreate(request.PostLogoutRedirectUri, UriKind.Absolute, out var back) ? back.GetLeftPart(UriPartial.Authority) : null);
    }

    private static async Task<ClaimsPrincipal> IssueAsync(User user, string clientId, IEnumerable<string> scopes,
        IOpenIddictApplicationManager applications, IOpenIddictAuthorizationManager authorizations)
    {
        var principal = Principal(user, scopes);
        // Every sign-in starts a token family: an ad-hoc authorization that its refresh tokens hang off, so that
        // revoking it (reuse detected, password changed, account deleted) revokes all of them.
        var application = await applications.FindByClientIdAsync(clientId) ?? throw new InvalidOperationException($"Unknown client {clientId}.");
        var authorization = await authorizations.CreateAsync(principal, user.Id.ToString(), (await applications.GetIdAsync(application))!,
            AuthorizationTypes.AdHoc, principal.GetScopes());
        principal.SetAuthorizationId(await authorizations.GetIdAsync(authorization));
        return principal;
    }

    /// <summary>The claims of a signed-in user's tokens.</summary>
    internal static ClaimsPrincipal Principal(User user, IEnumerable<string> requestedScopes)
    {
        var identity = new ClaimsIdentity(ServerScheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, user.Id.ToString())
            .SetClaim(Claims.Email, user.Email)
            .SetClaim(Claims.Name, user.DisplayName);

        var principal = new ClaimsPrincipal(identity);
        principal.SetScopes(requestedScopes.Intersect([Scopes.OpenId, Scopes.Email, Scopes.Profile, Scopes.OfflineAccess, AuthOptions.ApiScope]));
        principal.SetResources(AuthOptions.ApiAudience);
        principal.SetDestinations(claim => claim.Type switch
        {
            Claims.Subject => [Destinations.AccessToken, Destinations.IdentityToken],
            Claims.Email when principal.HasScope(Scopes.Email) => [Destinations.AccessToken, Destinations.IdentityToken],
            Claims.Name when principal.HasScope(Scopes.Profile) => [Destinations.AccessToken, Destinations.IdentityToken],
            _ => [Destinations.AccessToken],
        });
        return principal;
    }

    private static IResult Refuse(string error, string description) =>
        Results.Forbid(
            new AuthenticationProperties(new Dictionary<string, string?>
            {
                [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
                [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
            }),
            [ServerScheme]);
}
