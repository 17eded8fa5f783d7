using System.Security.Cryptography;
using System.Text;
using Marten;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.Infrastructure;
using Nexus.Api.Infrastructure.Identity;
using Nexus.Api.Platforms;
using Wolverine;

namespace Nexus.Api.Features.Connections.StartingConnection;

/// <summary>
/// A browser followed the begin link of an attempt (<c>GET /oauth/begin/{attemptId}?key=…</c>). The first visit with
/// the right key, within the attempt's 10 minutes, binds the attempt to that browser and is sent on to the platform's
/// consent page; any other visit is refused. <paramref name="SignedInAs"/> is the Nexus sign-in cookie's user, if any.
/// </summary>
public sealed record BeginConsent(Guid AttemptId, string? Key, Guid? SignedInAs)
{
    public override string ToString() => $"BeginConsent {{ AttemptId = {AttemptId} }}";
}

/// <summary>Where to send the browser, and the binding secret to give it in a cookie (null when refused).</summary>
public sealed record ConsentBegun(Uri? ConsentUrl, PlatformId? Platform, string? BindingSecret, string? Reason)
{
    public override string ToString() => $"ConsentBegun {{ Platform = {Platform}, Reason = {Reason} }}";
}

public static class BeginConsentHandler
{
    public static async Task<ConsentBegun> Handle(BeginConsent command, IDocumentSession session, DateTimeOffset now, CancellationToken ct)
    {
        var attempt = await session.LoadAsync<ConnectionAttempt>(command.AttemptId, ct);
        if (attempt is not { BeginKeyHash: { } expected, ConsentUrl: { } consentUrl } || attempt.ExpiresAt <= now || !ConsentBinding.Matches(expected, command.Key))
        {
            return new ConsentBegun(null, attempt?.Platform, null,
                "invalid_link: This connection link is invalid, expired or was already used; start connecting again from Nexus.");
        }

        if (command.SignedInAs is { } signedIn && signedIn != attempt.UserId)
        {
            return new ConsentBegun(null, attempt.Platform, null,
                "wrong_user: This browser is signed in to Nexus as someone else than the person who started connecting; nothing was connected.");
        }

        // The key is spent: the link works once, and only this browser holds the secret the callback asks for.
        var secret = SecretTokens.New();
        session.Store(attempt with { BeginKeyHash = null, BindingHash = SecretTokens.Hash(secret) });
        return new ConsentBegun(new Uri(consentUrl), attempt.Platform, secret, null);
    }
}

/// <summary>
/// The cookie binding an attempt to the browser that began it: one per attempt (parallel attempts in two tabs do
/// not overwrite each other), HttpOnly, SameSite=Lax (it travels with the platform's top-level redirect back),
/// scoped to the platform's callback path, gone after 10 minutes. Secure is the cookie policy's to set, as for every
/// cookie (<see cref="Infrastructure.HttpHardening"/>: always outside Development, else as the request).
/// </summary>
public static class ConsentBinding
{
    public static string CookieName(Guid attemptId) => "nexus.connect." + attemptId.ToString("N");

    public static bool Matches(string expectedHash, string? presented) =>
        presented is { Length: > 0 and < 256 } &&
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expectedHash), Encoding.ASCII.GetBytes(SecretTokens.Hash(presented)));

    public static CookieOptions CookieOptions(PlatformId platform, NexusUrls urls, DateTimeOffset? expires = null) =>
        new()
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Path = RedirectUris.For(platform, urls).AbsolutePath,
            Expires = expires,
            MaxAge = expires is null ? null : ConnectionState.Lifetime,
            IsEssential = true,
        };
}

public static class BeginConsentEndpoint
{
    /// <summary>The begin link <c>startConnection</c> answers: binds the attempt to this browser, then on to the platform.</summary>
    public static IEndpointRouteBuilder MapBeginConsent(this IEndpointRouteBuilder app)
    {
        app.MapGet("/oauth/begin/{attemptId}", async (string attemptId, HttpContext http, IMessageBus bus, IOptions<NexusUrls> urls, TimeProvider clock) =>
        {
            var frontend = urls.Value.FrontendUrl.TrimEnd('/') + "/connections/callback";
            var signedIn = await http.AuthenticateAsync(IdentitySetup.LoginScheme);
            var begun = Guid.TryParseExact(attemptId, "N", out var id)
                ? await bus.InvokeAsync<ConsentBegun>(new BeginConsent(id, http.Request.Query["key"], signedIn.Succeeded ? signedIn.Principal.UserId() : null), http.RequestAborted)
                : new ConsentBegun(null, null, null, "invalid_link: This connection link is not valid; start connecting again from Nexus.");
            http.Response.Headers.CacheControl = "no-store";
            if (begun is not { ConsentUrl: { } consent, Platform: { } platform, BindingSecret: { } secret })
            {
                var refused = QueryString.Create("outcome", "error");
                refused = begun.Platform is { } known ? refused.Add("platform", known.ToString().ToLowerInvariant()) : refused;
                return Results.Redirect(frontend + refused.Add("reason", begun.Reason ?? "invalid_link"));
            }

            http.Response.Cookies.Append(ConsentBinding.CookieName(id), secret,
                ConsentBinding.CookieOptions(platform, urls.Value, clock.GetUtcNow() + ConnectionState.Lifetime));
            return Results.Redirect(consent.AbsoluteUri);
        });
        return app;
    }
}
