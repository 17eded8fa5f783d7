using System.Security.Claims;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Nexus.Api.Features.Accounts.SigningIn;
using Nexus.Api.Infrastructure.Identity;
using OpenIddict.Client.AspNetCore;
using Wolverine;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Nexus.Api.Features.Accounts.SigningInWithProviders;

public static partial class ExternalSignIn
{
    private const string SignInPage = "/account/login";
    private static readonly string ClientScheme = OpenIddictClientAspNetCoreDefaults.AuthenticationScheme;

    /// <summary><c>GET /account/external/{provider}</c> (off to the provider) and its callback <c>/account/callback/{provider}</c>.</summary>
    public static IEndpointRouteBuilder MapExternalSignIn(this IEndpointRouteBuilder app)
    {
        app.MapGet("/account/external/{provider}", Challenge);
        // The provider comes back with GET (query) or, for form_post providers, POST; OpenIddict has already
        // checked the state (bound to this browser by its own cookie) before this runs.
        app.MapMethods("/account/callback/{provider}", ["GET", "POST"], (Delegate)CallbackAsync).DisableAntiforgery();
        return app;
    }

    private static IResult Challenge(string provider, string? returnUrl, HttpContext http)
    {
        if (http.RequestServices.GetService<ExternalProviders>()?.Find(provider) is not { } registered)
        {
            return Results.NotFound();
        }

        // The return URL travels inside OpenIddict's encrypted state token and comes back with the callback.
        var properties = new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictClientAspNetCoreConstants.Properties.ProviderName] = registered.Name,
        })
        {
            RedirectUri = IsLocal(returnUrl) ? returnUrl : SignInPage,
        };
        return Results.Challenge(properties, [ClientScheme]);
    }

    private static async Task<IResult> CallbackAsync(string provider, HttpContext http, IAntiforgery antiforgery, IMessageBus bus, ILoggerFactory loggers)
    {
        if (http.RequestServices.GetService<ExternalProviders>()?.Find(provider) is not { } expected)
        {
            return Results.NotFound();
        }

        var logger = loggers.CreateLogger(typeof(ExternalSignIn).FullName!);
        var name = expected.Name;
        var result = await http.AuthenticateAsync(ClientScheme);
        var returnUrl = result.Properties?.RedirectUri;
        if (!result.Succeeded || result.Principal is not { } principal)
        {
            var error = http.GetOpenIddictClientResponse()?.Error
                ?? result.Properties?.GetString(OpenIddictClientAspNetCoreConstants.Properties.Error);
            var description = http.GetOpenIddictClientResponse()?.ErrorDescription
                ?? result.Properties?.GetString(OpenIddictClientAspNetCoreConstants.Properties.ErrorDescription);
            NotCompleted(logger, name, error, description);
            return error == Errors.AccessDenied
                ? Page(http, antiforgery, returnUrl, $"Sign-in with {name} was cancelled. Sign in with your email and password, or try again.", StatusCodes.Status401Unauthorized)
                : Page(http, antiforgery, returnUrl, $"Sign-in with {name} could not be completed. Please try again.", StatusCodes.Status400BadRequest);
        }

        // A response for one provider's registration arriving on another's callback is a mix-up attempt.
        // FindFirst, not GetClaim: the id_token and userinfo both contribute, so claims come in pairs.
        var providerUserId = principal.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? principal.FindFirst(Claims.Subject)?.Value;
        var actual = principal.FindFirst(Claims.Private.ProviderName)?.Value;
        if (actual != name || string.IsNullOrEmpty(providerUserId))
        {
            MixedUp(logger, name, actual);
            return Page(http, antiforgery, returnUrl, $"Sign-in with {name} could not be completed. Please try again.", StatusCodes.Status400BadRequest);
        }

        var command = new SignInWithProvider(
            name,
            providerUserId,
            principal.FindFirst(ClaimTypes.Email)?.Value ?? principal.FindFirst(Claims.Email)?.Value,
            expected.EmailVerified(principal),
            principal.FindFirst(ClaimTypes.Name)?.Value ?? principal.FindFirst(Claims.Name)?.Value);
        var outcome = await bus.InvokeAsync<ExternalSignInResult>(command, http.RequestAborted);
        if (outcome is not { User: { } user })
        {
            NotLinked(logger, name, outcome.Verdict);
            return Page(http, antiforgery, returnUrl, outcome.Verdict == ExternalSignInVerdict.AccountEmailNotVerified
                    ? $"An account with this email already exists, but its email address has not been confirmed yet. Confirm it with the link " +
                      $"we emailed you (or reset your password), then continue with {name} again."
                    : $"{name} did not confirm an email address for your account, so Nexus cannot find or create your account with it. " +
                      "Sign in with your email and password instead.",
                StatusCodes.Status403Forbidden);
        }

        // The same session as the password form's: the authorize endpoint only looks at this cookie.
        var identity = new ClaimsIdentity(IdentitySetup.LoginScheme, Claims.Name, Claims.Role);
        identity.AddClaim(new Claim(Claims.Subject, user.Id.ToString()));
        identity.AddClaim(new Claim(Claims.Name, user.DisplayName));
        await http.SignInAsync(IdentitySetup.LoginScheme, new ClaimsPrincipal(identity));
        return Results.LocalRedirect(IsLocal(returnUrl) ? returnUrl : SignInPage);
    }

    // What the log says about external sign-ins: the provider and its error, never an email or a token.
    [LoggerMessage(EventId = 7101, Level = LogLevel.Information, Message = "Sign-in with {Provider} did not complete: {Error} {ErrorDescription}")]
    private static partial void NotCompleted(ILogger logger, string provider, string? error, string? errorDescription);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Warning, Message = "Sign-in with {Provider} refused: the response belongs to {Actual} or has no user id")]
    private static partial void MixedUp(ILogger logger, string provider, string? actual);

    [LoggerMessage(EventId = 7103, Level = LogLevel.Information, Message = "Sign-in with {Provider} refused: {Verdict}")]
    private static partial void NotLinked(ILogger logger, string provider, ExternalSignInVerdict verdict);

    private static IResult Page(HttpContext http, IAntiforgery antiforgery, string? returnUrl, string message, int status) =>
        LoginPage.Page(http, antiforgery, IsLocal(returnUrl) ? returnUrl : null, email: null, message, status);
}
