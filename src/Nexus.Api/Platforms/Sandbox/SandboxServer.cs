using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Marten;
using Microsoft.Extensions.Options;
using Nexus.Api.Infrastructure;

namespace Nexus.Api.Platforms.Sandbox;

/// <summary>
/// The sandbox as a platform: consent page, token, refresh, revoke and a publish API, hosted by Nexus under
/// <c>/sandbox</c> so that connecting and publishing work offline. It behaves like the real ones: codes are
/// single-use, refresh tokens rotate, revoked grants stop working, PKCE is checked, and publishing has latency,
/// failures (injected by rate or by a marker in the text) and idempotency keys.
/// </summary>
public static class SandboxServer
{
    public const string ClientId = "nexus";

    /// <summary>Text markers that make the sandbox fail a publish on purpose (for tests and demos).</summary>
    public static readonly IReadOnlyDictionary<string, SandboxFailure> Markers = new Dictionary<string, SandboxFailure>
    {
        ["[sandbox:transient]"] = SandboxFailure.Transient,
        ["[sandbox:rate-limit]"] = SandboxFailure.RateLimit,
        ["[sandbox:auth]"] = SandboxFailure.Auth,
        ["[sandbox:reject]"] = SandboxFailure.Reject,
        ["[sandbox:transient-once]"] = SandboxFailure.TransientOnce,
    };

    // Keys that already failed once under [sandbox:transient-once]: the next call with the key goes through.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> FailedOnce = new();

    /// <summary>Maps the sandbox, unless it is turned off (<see cref="SandboxOptions.IsEnabled"/>): then its paths are 404.</summary>
    public static IEndpointRouteBuilder MapSandbox(this IEndpointRouteBuilder app)
    {
        if (!SandboxOptions.IsEnabled(app.ServiceProvider.GetRequiredService<IConfiguration>()))
        {
            return app;
        }

        var sandbox = app.MapGroup("/sandbox");
        sandbox.MapGet("/oauth/authorize", ConsentPage);
        sandbox.MapPost("/oauth/authorize", (Delegate)DecideAsync).DisableAntiforgery();
        sandbox.MapPost("/oauth/token", (Delegate)TokenAsync).DisableAntiforgery();
        sandbox.MapPost("/oauth/revoke", (Delegate)RevokeAsync).DisableAntiforgery();
        sandbox.MapGet("/api/me", (Delegate)MeAsync);
        sandbox.MapPost("/api/posts", (Delegate)PublishAsync);
        sandbox.MapGet("/api/posts/{id}", (Delegate)GetPostAsync);
        sandbox.MapGet("/api/posts", (Delegate)FindPostAsync);
        sandbox.MapSandboxWebhooks();
        SandboxMetricsApi.Map(sandbox);
        return app;
    }

    /// <summary>
    /// The one redirect URI the sandbox's only client (Nexus) registered: its own callback. Codes and errors are sent
    /// nowhere else, like a real platform that checks registered redirect URIs.
    /// </summary>
    private static bool IsRegisteredRedirect(HttpContext http, string? redirectUri) =>
        redirectUri == Features.Connections.RedirectUris.For(PlatformId.Sandbox, http.RequestServices.GetRequiredService<IOptions<NexusUrls>>().Value).ToString();

    private static IResult ConsentPage(HttpContext http)
    {
        var query = http.Request.Query;
        if (query["client_id"] != ClientId || string.IsNullOrEmpty(query["redirect_uri"]))
        {
            return Results.BadRequest("Unknown client or missing redirect_uri.");
        }

        if (!IsRegisteredRedirect(http, query["redirect_uri"]))
        {
            return Results.BadRequest("This redirect_uri is not registered for the client; the sandbox only sends codes back to Nexus's own callback.");
        }

        string Hidden(string name) => $"""<input type="hidden" name="{name}" value="{WebUtility.HtmlEncode(query[name].ToString())}">""";
        http.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; form-action *; frame-ancestors 'none'";
        return Results.Content($$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Sandbox · Allow Nexus?</title>
            <style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto}button{padding:.6rem 1.2rem;margin-right:1rem}</style></head>
            <body><main>
            <h1>Allow Nexus to post to your Sandbox account?</h1>
            <p>Nexus asks for: {{WebUtility.HtmlEncode(query["scope"].ToString())}}</p>
            <form method="post" action="/sandbox/oauth/authorize">
              {{Hidden("redirect_uri")}}{{Hidden("state")}}{{Hidden("scope")}}{{Hidden("code_challenge")}}{{Hidden("code_challenge_method")}}
              <p><label><input type="checkbox" name="pages" value="true"> Also manage my two Sandbox pages</label></p>
              <button type="submit" name="decision" value="approve">Allow</button>
              <button type="submit" name="decision" value="deny">Deny</button>
            </form>
            </main></body></html>
            """, "text/html; charset=utf-8");
    }

    private static async Task<IResult> DecideAsync(HttpContext http, IDocumentSession session, TimeProvider clock)
    {
        var form = await http.Request.ReadFormAsync();
        var redirect = form["redirect_uri"].ToString();
        var state = form["state"].ToString();
        if (!IsRegisteredRedirect(http, redirect))
        {
            return Results.BadRequest("Missing or unregistered redirect_uri; the sandbox only sends codes back to Nexus's own callback.");
        }

        if (form["decision"] != "approve")
        {
            return Results.Redirect($"{redirect}?error=access_denied&error_description={Uri.EscapeDataString("The user denied access.")}&state={Uri.EscapeDataString(state)}");
        }

        var code = SecretTokens.New();
        session.Store(new SandboxCode(SecretTokens.Hash(code), redirect, form["code_challenge"].ToString(), form["scope"].ToString(),
            form["pages"] == "true", clock.GetUtcNow().AddMinutes(5)));
        await session.SaveChangesAsync();
        return Results.Redirect($"{redirect}?code={Uri.EscapeDataString(code)}&state={Uri.EscapeDataString(state)}");
    }

    private static async Task<IResult> TokenAsync(HttpContext http, IDocumentSession session, TimeProvider clock, IOptions<SandboxOptions> options)
    {
        var form = await http.Request.ReadFormAsync();
        var now = clock.GetUtcNow();
        switch (form["grant_type"].ToString())
        {
            case "authorization_code":
                var code = await session.LoadAsync<SandboxCode>(SecretTokens.Hash(form["code"].ToString()));
                if (code is null || code.ExpiresAt <= now || code.RedirectUri != form["redirect_uri"] || !PkceMatches(code.CodeChallenge, form["code_verifier"].ToString()))
                {
                    return OAuthError("invalid_grant", "The code is invalid, expired, used, or does not match the redirect URI or verifier.");
                }

                session.Delete(code);
                var grant = new SandboxGrant(Guid.CreateVersion7(), code.Scope, code.Pages, "", "", now, false);
                return await IssueAsync(session, grant, options.Value, now);

            case "refresh_token":
                var refresh = SecretTokens.Hash(form["refresh_token"].ToString());
                var existing = await session.Query<SandboxGrant>().FirstOrDefaultAsync(g => g.RefreshTokenHash == refresh);
                if (existing is null || existing.Revoked)
                {
                    return OAuthError("invalid_grant", "The refresh token is invalid, revoked or already used.");
                }

                return await IssueAsync(session, existing, options.Value, now);

            default:
                return OAuthError("unsupported_grant_type", "Use authorization_code or refresh_token.");
        }
    }

    private static async Task<IResult> IssueAsync(IDocumentSession session, SandboxGrant grant, SandboxOptions options, DateTimeOffset now)
    {
        // Rotation: every refresh hands out a new pair, and the old refresh token dies.
        var access = "sbx_at_" + SecretTokens.New();
        var refresh = "sbx_rt_" + SecretTokens.New();
        session.Store(grant with { AccessTokenHash = SecretTokens.Hash(access), RefreshTokenHash = SecretTokens.Hash(refresh), AccessExpiresAt = now + options.AccessTokenLifetime });
        await session.SaveChangesAsync();
        return Results.Json(new Dictionary<string, object>
        {
            ["access_token"] = access,
            ["refresh_token"] = refresh,
            ["token_type"] = "Bearer",
            ["expires_in"] = (int)options.AccessTokenLifetime.TotalSeconds,
            ["scope"] = grant.Scope,
        });
    }

    private static async Task<IResult> RevokeAsync(HttpContext http, IDocumentSession session, TimeProvider clock)
    {
        var hash = SecretTokens.Hash((await http.Request.ReadFormAsync())["token"].ToString());
        var grant = await session.Query<SandboxGrant>().FirstOrDefaultAsync(g => g.AccessTokenHash == hash || g.RefreshTokenHash == hash);
        if (grant is { Revoked: false })
        {
            session.Store(grant with { Revoked = true });
            await session.SaveChangesAsync();
            await SandboxWebhooks.RevokedAsync(http.RequestServices, grant, clock.GetUtcNow());
        }

        return Results.Ok();
    }

    private static async Task<IResult> MeAsync(HttpContext http, IQuerySession session, TimeProvider clock)
    {
        if (await AuthenticateAsync(http, session, clock) is not { } grant)
        {
            return Unauthorized();
        }

        var person = new { id = $"sbx-user-{grant.Id:N}", name = "Sandbox User", username = "sandbox_user", avatar_url = (string?)null, kind = "person" };
        var pages = grant.Pages
            ? new object[]
            {
                new { id = $"sbx-page-{grant.Id:N}-1", name = "Sandbox Page One", username = "page_one", avatar_url = (string?)null, kind = "page" },
                new { id = $"sbx-page-{grant.Id:N}-2", name = "Sandbox Page Two", username = "page_two", avatar_url = (string?)null, kind = "page" },
            }
            : [];
        return Results.Json(new { accounts = new object[] { person }.Concat(pages) });
    }

    private static async Task<IResult> PublishAsync(HttpContext http, IDocumentSession session, TimeProvider clock, IOptions<SandboxOptions> options, SandboxPublishRequest request)
    {
        var settings = options.Value;
        var receivedAt = clock.GetUtcNow();
        if (settings.Latency > TimeSpan.Zero)
        {
            await Task.Delay(settings.Latency, clock, http.RequestAborted);
        }

        if (await AuthenticateAsync(http, session, clock) is null)
        {
            return Unauthorized();
        }

        var key = http.Request.Headers["Idempotency-Key"].ToString() is { Length: > 0 } given ? given : null;
        if (key is not null && await session.Query<SandboxPost>().FirstOrDefaultAsync(p => p.IdempotencyKey == key) is { } earlier)
        {
            return Results.Json(Describe(earlier, http), statusCode: StatusCodes.Status200OK);
        }

        var failure = InjectedFailure(request.Text, settings);
        if (failure == SandboxFailure.TransientOnce)
        {
            failure = FailedOnce.TryAdd(key ?? request.Text, true) ? SandboxFailure.Transient : null;
        }

        switch (failure)
        {
            case SandboxFailure.Transient:
                return Results.Json(new { error = "internal_error", message = "The sandbox is having a bad moment; try again." }, statusCode: 503);
            case SandboxFailure.RateLimit:
                http.Response.Headers.RetryAfter = ((int)settings.RateLimitReset.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return Results.Json(new { error = "rate_limited", message = "Too many posts; wait for the reset." }, statusCode: 429);
            case SandboxFailure.Auth:
                return Unauthorized();
            case SandboxFailure.Reject:
                return Results.Json(new { error = "content_rejected", message = "The sandbox refuses this content (it asked to be rejected)." }, statusCode: 422);
        }

        var post = new SandboxPost("sbx-post-" + Guid.CreateVersion7().ToString("N"), request.AccountId, request.Text, request.Media ?? [], key, clock.GetUtcNow(), receivedAt,
            await FetchedAsync(http.RequestServices, request.Media ?? [], http.RequestAborted));
        session.Insert(post);
        try
        {
            await session.SaveChangesAsync();
        }
        catch (Exception ex) when (key is not null && Infrastructure.Persistence.IsUniqueViolation(ex))
        {
            // Another request with the same key won the race: answer with its post, as a retry would get.
            await using var fresh = http.RequestServices.GetRequiredService<IDocumentStore>().QuerySession();
            var winner = await fresh.Query<SandboxPost>().FirstAsync(p => p.IdempotencyKey == key);
            return Results.Json(Describe(winner, http), statusCode: StatusCodes.Status200OK);
        }

        await SandboxWebhooks.PublishedAsync(http.RequestServices, post, UrlOf(post, http), clock.GetUtcNow());
        return Results.Json(Describe(post, http), statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> GetPostAsync(HttpContext http, IQuerySession session, TimeProvider clock, string id) =>
        await AuthenticateAsync(http, session, clock) is null ? Unauthorized()
        : await session.LoadAsync<SandboxPost>(id) is { } post ? Results.Json(Describe(post, http))
        : Results.NotFound();

    private static async Task<IResult> FindPostAsync(HttpContext http, IQuerySession session, TimeProvider clock, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "idempotency_key")] string? key) =>
        await AuthenticateAsync(http, session, clock) is null ? Unauthorized()
        : string.IsNullOrEmpty(key) ? Results.Json(new { error = "invalid_request", message = "Give idempotency_key." }, statusCode: 400)
        : await session.Query<SandboxPost>().FirstOrDefaultAsync(p => p.IdempotencyKey == key) is { } post ? Results.Json(Describe(post, http))
        : Results.Json(new { error = "not_found", message = "No post was made with this idempotency key." }, statusCode: 404);

    /// <summary>
    /// What the sandbox "fetched" for each media URL, as a platform that fetches by URL would: for a signed library URL
    /// of this Nexus (<c>/media/{id}/content?token=…</c>, token valid for that item), the SHA-256 of the item's stored
    /// bytes, read from storage in-process (the sandbox is Nexus itself); null for any other URL, or a token that does
    /// not open the item.
    /// </summary>
    private static async Task<List<string?>> FetchedAsync(IServiceProvider services, List<string> media, CancellationToken ct)
    {
        var hashes = new List<string?>();
        var urls = services.GetRequiredService<Features.Media.MediaUrls>();
        foreach (var url in media)
        {
            string? hash = null;
            if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries) is ["media", var id, "content"]
                && Guid.TryParseExact(id, "N", out var mediaId)
                && urls.Verify(mediaId, Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(uri.Query).TryGetValue("token", out var token) ? token.ToString() : null))
            {
                await using var session = services.GetRequiredService<IDocumentStore>().QuerySession();
                if (await session.LoadAsync<Features.Media.MediaAsset>(mediaId, ct) is { Deleted: false } item
                    && await services.GetRequiredService<Features.Media.Storage.IMediaStore>().OpenAsync(item.StorageKey, null, ct) is { } stored)
                {
                    await using (stored)
                    {
                        hash = Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(stored.Content, ct));
                    }
                }
            }

            hashes.Add(hash);
        }

        return hashes;
    }

    private static object Describe(SandboxPost post, HttpContext http) =>
        new { id = post.Id, account_id = post.AccountId, url = UrlOf(post, http), created_at = post.CreatedAt };

    private static string UrlOf(SandboxPost post, HttpContext http) => $"{http.Request.Scheme}://{http.Request.Host}/sandbox/posts/{post.Id}";

    /// <summary>The accounts a grant covers, as <c>/api/me</c> lists them: the person, and the two pages when granted.</summary>
    public static IReadOnlyList<string> AccountIdsOf(SandboxGrant grant) =>
        grant.Pages ? [$"sbx-user-{grant.Id:N}", $"sbx-page-{grant.Id:N}-1", $"sbx-page-{grant.Id:N}-2"] : [$"sbx-user-{grant.Id:N}"];

    private static SandboxFailure? InjectedFailure(string text, SandboxOptions options)
    {
        foreach (var (marker, failure) in Markers)
        {
            if (text.Contains(marker, StringComparison.Ordinal))
            {
                return failure;
            }
        }

        var roll = Random.Shared.NextDouble();
        return roll < options.TransientFailureRate ? SandboxFailure.Transient
            : roll < options.TransientFailureRate + options.RateLimitRate ? SandboxFailure.RateLimit
            : null;
    }

    internal static async Task<SandboxGrant?> AuthenticateAsync(HttpContext http, IQuerySession session, TimeProvider clock)
    {
        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return null;
        }

        var hash = SecretTokens.Hash(header["Bearer ".Length..]);
        var grant = await session.Query<SandboxGrant>().FirstOrDefaultAsync(g => g.AccessTokenHash == hash);
        return grant is { Revoked: false } && grant.AccessExpiresAt > clock.GetUtcNow() ? grant : null;
    }

    private static bool PkceMatches(string challenge, string verifier) =>
        string.IsNullOrEmpty(challenge) ||
        (verifier.Length > 0 && Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))) == challenge);

    private static IResult OAuthError(string error, string description) =>
        Results.Json(new { error, error_description = description }, statusCode: StatusCodes.Status400BadRequest);

    internal static IResult Unauthorized() =>
        Results.Json(new { error = "invalid_token", message = "The access token is invalid, expired or revoked." }, statusCode: StatusCodes.Status401Unauthorized);
}

public enum SandboxFailure
{
    Transient,
    RateLimit,
    Auth,
    Reject,

    /// <summary>503 for the first publish with an idempotency key, success for the next ones.</summary>
    TransientOnce,
}

public sealed record SandboxPublishRequest(string AccountId, string Text, List<string>? Media);

/// <summary>A pending authorization code (id = its hash).</summary>
public sealed record SandboxCode(string Id, string RedirectUri, string CodeChallenge, string Scope, bool Pages, DateTimeOffset ExpiresAt);

/// <summary>A grant the sandbox issued: only hashes of its tokens are kept.</summary>
public sealed record SandboxGrant(Guid Id, string Scope, bool Pages, string AccessTokenHash, string RefreshTokenHash, DateTimeOffset AccessExpiresAt, bool Revoked);

/// <summary>
/// A post published on the sandbox; counted by tests to prove nothing is published twice. <c>ReceivedAt</c> is when
/// the request arrived, before the configured latency: what punctuality is measured against.
/// </summary>
/// <remarks><c>MediaSha256</c>: per media URL, the SHA-256 of the library file it opened (null for other URLs); see <c>FetchedAsync</c>.</remarks>
public sealed record SandboxPost(string Id, string AccountId, string Text, List<string> Media, string? IdempotencyKey, DateTimeOffset CreatedAt, DateTimeOffset ReceivedAt,
    List<string?>? MediaSha256 = null);
