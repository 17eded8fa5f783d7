using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Nexus.Api.Features.Accounts.SigningInWithProviders;
using Nexus.Api.Infrastructure;
using Nexus.Api.Infrastructure.Identity;
using Wolverine;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Nexus.Api.Features.Accounts.SigningIn;

/// <summary>
/// The server-rendered sign-in page the authorize endpoint sends browsers to: plain HTML, no script, an
/// antiforgery token, one generic message for any wrong email or password.
/// </summary>
public static class LoginPage
{
    private const string Policy = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static IEndpointRouteBuilder MapLoginPage(this IEndpointRouteBuilder app)
    {
        app.MapGet("/account/login", async (HttpContext http, IAntiforgery antiforgery, string? returnUrl) =>
            Page(http, antiforgery, returnUrl, email: null, message: null, StatusCodes.Status200OK,
                signedIn: (await http.AuthenticateAsync(IdentitySetup.LoginScheme)).Succeeded));
        app.MapPost("/account/login", (Delegate)SignInAsync).DisableAntiforgery();
        app.MapGet("/account/logout", (HttpContext http, IAntiforgery antiforgery) => LogoutPage(http, antiforgery));
        app.MapPost("/account/logout", (Delegate)SignOutAsync).DisableAntiforgery();
        return app;
    }

    // Antiforgery is checked explicitly (rather than by middleware) so a failure re-renders the form.
    private static async Task<IResult> SignInAsync(HttpContext http, IAntiforgery antiforgery, IMessageBus bus)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var returnUrl = form["returnUrl"].ToString();
        var email = form["email"].ToString();
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return Page(http, antiforgery, returnUrl, email, "Your session expired. Please try again.", StatusCodes.Status400BadRequest);
        }

        var check = await bus.InvokeAsync<CredentialCheckResult>(new CheckCredentials(email, form["password"].ToString(), NexusRateLimiter.ClientOf(http)), http.RequestAborted);
        if (check is not { Verdict: CredentialVerdict.Valid, User: { } user })
        {
            var message = check.Verdict == CredentialVerdict.LockedOut
                ? "Too many failed sign-ins. Try again in a few minutes, or reset your password."
                : "The email or password is incorrect.";
            return Page(http, antiforgery, returnUrl, email, message, StatusCodes.Status401Unauthorized);
        }

        var identity = new ClaimsIdentity(IdentitySetup.LoginScheme, Claims.Name, Claims.Role);
        identity.AddClaim(new Claim(Claims.Subject, user.Id.ToString()));
        identity.AddClaim(new Claim(Claims.Name, user.DisplayName));
        await http.SignInAsync(IdentitySetup.LoginScheme, new ClaimsPrincipal(identity));
        return Results.LocalRedirect(IsLocal(returnUrl) ? returnUrl : "/account/login");
    }

    private static async Task<IResult> SignOutAsync(HttpContext http, IAntiforgery antiforgery)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return Results.BadRequest();
        }

        await http.SignOutAsync(IdentitySetup.LoginScheme);
        return Results.LocalRedirect("/account/login");
    }

    /// <summary>The sign-in page, with a message when something went wrong (also after a provider's callback).</summary>
    internal static IResult Page(HttpContext http, IAntiforgery antiforgery, string? returnUrl, string? email, string? message, int status, bool signedIn = false)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        var buttons = ExternalSignIn.Buttons(http.RequestServices.GetRequiredService<IConfiguration>(), returnUrl);
        var providers = buttons.Count == 0 ? "" : $"""
            <p class="or">or</p>
            <nav aria-label="Other ways to sign in">
            {string.Concat(buttons.Select(b => $"""<a class="provider" href="{Encode(b.Url)}">{Encode(b.Text)}</a>"""))}
            </nav>
            """;
        var error = message is null ? "" : $"""<p class="error" role="alert" id="error">{Encode(message)}</p>""";
        var describedBy = message is null ? "" : """ aria-describedby="error" """;
        var body = $"""
            <h1>Sign in to Nexus</h1>
            {error}
            <form method="post" action="/account/login"{describedBy}>
              <input type="hidden" name="{Encode(tokens.FormFieldName)}" value="{Encode(tokens.RequestToken)}">
              <input type="hidden" name="returnUrl" value="{Encode(IsLocal(returnUrl) ? returnUrl : null)}">
              <label for="email">Email</label>
              <input id="email" name="email" type="email" autocomplete="username" required value="{Encode(email ?? "")}" autofocus>
              <label for="password">Password</label>
              <input id="password" name="password" type="password" autocomplete="current-password" required>
              <button type="submit">Sign in</button>
            </form>
            {providers}
            """;
        return Html(http, signedIn && message is null ? "<p>You are signed in.</p>" + body : body, status);
    }

    private static IResult LogoutPage(HttpContext http, IAntiforgery antiforgery)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        return Html(http, $"""
            <h1>Sign out of Nexus</h1>
            <form method="post" action="/account/logout">
              <input type="hidden" name="{Encode(tokens.FormFieldName)}" value="{Encode(tokens.RequestToken)}">
              <button type="submit">Sign out</button>
            </form>
            """, StatusCodes.Status200OK);
    }

    // redirectsTo: an origin the form's answer may redirect to (browsers apply form-action to redirects too).
    internal static IResult Html(HttpContext http, string body, int status, string? redirectsTo = null)
    {
        http.Response.Headers.ContentSecurityPolicy = redirectsTo is null ? Policy : Policy.Replace("form-action 'self'", $"form-action 'self' {redirectsTo}", StringComparison.Ordinal);
        http.Response.Headers.XFrameOptions = "DENY";
        http.Response.Headers.CacheControl = "no-store";
        return Results.Content($$"""
            <!doctype html>
            <html lang="en">
            <head>
              <meta charset="utf-8">
              <meta name="viewport" content="width=device-width, initial-scale=1">
              <title>Sign in · Nexus</title>
              <style>
                body { font-family: system-ui, sans-serif; display: grid; place-items: center; min-height: 100vh; margin: 0; background: #f4f5f7; color: #1c1e21; }
                main { background: #fff; padding: 2rem; border-radius: 8px; width: min(22rem, 90vw); box-shadow: 0 1px 4px rgba(0,0,0,.15); }
                label { display: block; margin-top: 1rem; font-weight: 600; }
                input { width: 100%; box-sizing: border-box; padding: .6rem; margin-top: .3rem; font-size: 1rem; border: 1px solid #767676; border-radius: 4px; }
                input:focus, button:focus { outline: 3px solid #1a5fb4; outline-offset: 2px; }
                button { margin-top: 1.5rem; width: 100%; padding: .7rem; font-size: 1rem; background: #1a5fb4; color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
                .error { color: #a51d2d; font-weight: 600; }
                .or { text-align: center; margin: 1.5rem 0 0; color: #555; }
                .provider { display: block; margin-top: .75rem; padding: .7rem; text-align: center; color: #1c1e21; border: 1px solid #767676; border-radius: 4px; text-decoration: none; }
                .provider:focus { outline: 3px solid #1a5fb4; outline-offset: 2px; }
              </style>
            </head>
            <body><main>
            {{body}}
            </main></body>
            </html>
            """, "text/html; charset=utf-8", statusCode: status);
    }

    // Only paths on this server: never an absolute URL, never "//host" or "/\host" (open redirects), and no
    // control character anywhere: browsers drop tabs and newlines from URLs, so "/\t/host" is "//host" to them
    // (and LocalRedirect refuses such a URL with an exception).
    internal static bool IsLocal([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? url) =>
        !string.IsNullOrEmpty(url) && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) &&
        !url.Any(char.IsControl);

    internal static string Encode(string? value) => WebUtility.HtmlEncode(value ?? "");
}
