using System.Net;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.Options;

namespace Nexus.Api.Platforms.Sandbox;

/// <summary>The sandbox's settings, bound from <c>Nexus:Platforms:Sandbox</c>.</summary>
public sealed class SandboxOptions : PlatformOptions
{
    public const string Section = "Nexus:Platforms:Sandbox";

    /// <summary>
    /// Whether the sandbox is served and can be connected (<c>Nexus:Platforms:Sandbox:Enabled</c>): on by default
    /// outside Production, off in Production unless set. Off, its endpoints are not mapped (404) and
    /// <c>platforms</c> reports it not configured, so <c>startConnection</c> refuses it.
    /// </summary>
    /// <remarks>
    /// Read from configuration rather than <c>IHostEnvironment</c> because the platform catalogue only has the
    /// configuration; the environment comes from the same key the host reads (<c>environment</c>, Production when unset).
    /// </remarks>
    public static bool IsEnabled(IConfiguration configuration) =>
        configuration.GetValue<bool?>($"{Section}:Enabled")
        ?? !string.Equals(configuration[HostDefaults.EnvironmentKey] ?? Environments.Production, Environments.Production, StringComparison.OrdinalIgnoreCase);

    /// <summary>Where the sandbox is served: this Nexus itself unless pointed elsewhere.</summary>
    public Uri BaseUrl { get; set; } = new("http://localhost:5080");

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Delay before every publish answer, like a real platform's.</summary>
    public TimeSpan Latency { get; set; } = TimeSpan.Zero;

    /// <summary>Share of publishes answered 503 (0 to 1).</summary>
    public double TransientFailureRate { get; set; }

    /// <summary>Share of publishes answered 429 with <see cref="RateLimitReset"/>.</summary>
    public double RateLimitRate { get; set; }

    public TimeSpan RateLimitReset { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>OAuth against the sandbox: authorization code with PKCE, rotating refresh tokens, revocation.</summary>
public sealed class SandboxOAuthClient(HttpClient http, IOptions<SandboxOptions> options, TimeProvider clock) : IPlatformOAuthClient
{
    public PlatformId Platform => PlatformId.Sandbox;

    public AuthorizationRequest BuildAuthorizationRequest(string state, Uri redirectUri)
    {
        var (verifier, challenge) = Pkce.Create();
        var query = QueryString.Create(new Dictionary<string, string?>
        {
            ["client_id"] = SandboxServer.ClientId,
            ["response_type"] = "code",
            ["redirect_uri"] = redirectUri.ToString(),
            ["scope"] = "profile publish",
            ["state"] = state,
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256",
        });
        return new AuthorizationRequest(new Uri(options.Value.BaseUrl, "/sandbox/oauth/authorize" + query), verifier);
    }

    public Task<OAuthTokens> ExchangeCodeAsync(string code, Uri redirectUri, string? codeVerifier, CancellationToken cancellationToken) =>
        TokenAsync(new() { ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = redirectUri.ToString(), ["code_verifier"] = codeVerifier ?? "" }, cancellationToken);

    public Task<OAuthTokens> RefreshAsync(OAuthTokens current, CancellationToken cancellationToken) =>
        TokenAsync(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = current.RefreshToken ?? "" }, cancellationToken);

    public async Task RevokeAsync(OAuthTokens tokens, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsync(new Uri(options.Value.BaseUrl, "/sandbox/oauth/revoke"),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = tokens.RefreshToken ?? tokens.AccessToken }), cancellationToken);
        await SandboxErrors.ThrowIfFailedAsync(response, clock, cancellationToken);
    }

    public async Task<IReadOnlyList<PlatformAccount>> GetAccountsAsync(OAuthTokens tokens, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(options.Value.BaseUrl, "/sandbox/api/me"));
        request.Headers.Authorization = new("Bearer", tokens.AccessToken);
        using var response = await http.SendAsync(request, cancellationToken);
        await SandboxErrors.ThrowIfFailedAsync(response, clock, cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return [.. body.GetProperty("accounts").EnumerateArray().Select(a => new PlatformAccount(
            a.GetProperty("id").GetString()!, a.GetProperty("name").GetString()!, a.GetProperty("username").GetString(), null,
            a.GetProperty("kind").GetString() == "page" ? AccountKind.Page : AccountKind.Person))];
    }

    private async Task<OAuthTokens> TokenAsync(Dictionary<string, string> form, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsync(new Uri(options.Value.BaseUrl, "/sandbox/oauth/token"), new FormUrlEncodedContent(form), cancellationToken);
        await SandboxErrors.ThrowIfFailedAsync(response, clock, cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        var now = clock.GetUtcNow();
        return new OAuthTokens(body.GetProperty("access_token").GetString()!, body.GetProperty("refresh_token").GetString(),
            now.AddSeconds(body.GetProperty("expires_in").GetInt32()), null, body.GetProperty("scope").GetString()!.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }
}

/// <summary>Publishes to the sandbox with the target's idempotency key, so a retried publish never makes a second post.</summary>
public sealed class SandboxPublisher(HttpClient http, IOptions<SandboxOptions> options, TimeProvider clock) : IPlatformPublisher, IPlatformPublicationLookup
{
    public PlatformId Platform => PlatformId.Sandbox;

    public async Task<PublishResult> PublishAsync(PlatformAccount account, string accessToken, PublishRequest request, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(options.Value.BaseUrl, "/sandbox/api/posts"))
        {
            Content = JsonContent.Create(new { accountId = account.ExternalId, text = request.Text, media = request.Media.Select(m => m.Url.ToString()) }),
        };
        message.Headers.Authorization = new("Bearer", accessToken);
        message.Headers.Add("Idempotency-Key", request.IdempotencyKey);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(message, cancellationToken);
        }
        catch (Exception ex) when (PlatformErrors.IsTransport(ex, cancellationToken))
        {
            // Unless nothing was sent (an open circuit), the request may have reached the sandbox: only asking can tell.
            throw PlatformErrors.FromTransport(PlatformId.Sandbox, ex, "Publishing", mayHavePublished: true, "The post");
        }

        using (response)
        {
            await SandboxErrors.ThrowIfFailedAsync(response, clock, cancellationToken);
            return await ResultAsync(response, cancellationToken);
        }
    }

    public async Task<PublishResult?> FindAsync(PlatformAccount account, string accessToken, string idempotencyKey, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, new Uri(options.Value.BaseUrl, "/sandbox/api/posts?idempotency_key=" + Uri.EscapeDataString(idempotencyKey)));
        message.Headers.Authorization = new("Bearer", accessToken);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(message, cancellationToken);
        }
        catch (Exception ex) when (PlatformErrors.IsTransport(ex, cancellationToken))
        {
            throw PlatformErrors.FromTransport(PlatformId.Sandbox, ex, "Looking the post up", mayHavePublished: false, "");
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }

            await SandboxErrors.ThrowIfFailedAsync(response, clock, cancellationToken);
            return await ResultAsync(response, cancellationToken);
        }
    }

    private static async Task<PublishResult> ResultAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return new PublishResult(body.GetProperty("id").GetString()!, new Uri(body.GetProperty("url").GetString()!));
    }
}

/// <summary>
/// The sandbox's rules are the catalogue's: text length, media count and kinds; and library items are held to
/// Instagram's feed image and reel limits, so checking and fitting media to a platform can be tried offline.
/// </summary>
public sealed class SandboxRules : IPlatformRules
{
    public PlatformId Platform => PlatformId.Sandbox;

    public IReadOnlyList<RuleViolation> Check(PublishRequest post)
    {
        var rules = PlatformCatalogue.Get(PlatformId.Sandbox);
        var violations = new List<RuleViolation>();
        if (post.Text.Length > rules.MaxTextLength)
        {
            violations.Add(new("text", $"The text has {post.Text.Length} characters; the sandbox allows {rules.MaxTextLength}."));
        }

        if (post.Media.Count > rules.MaxMedia)
        {
            violations.Add(new("media", $"The post has {post.Media.Count} media; the sandbox allows {rules.MaxMedia}."));
        }

        for (var i = 0; i < post.Media.Count; i++)
        {
            var item = post.Media[i];
            if (item.LibraryId is not null && item.Kind is MediaKind.Image or MediaKind.Video)
            {
                var found = item.Kind == MediaKind.Image
                    ? MediaFitting.CheckImage(Instagram.InstagramRules.FeedImage with { Platform = "Sandbox" }, item, $"media[{i}]")
                    : MediaFitting.CheckVideo(Instagram.InstagramRules.Reel with { Platform = "Sandbox" }, item, $"media[{i}]");
                violations.AddRange(found);
            }
        }

        return violations;
    }
}

internal static class SandboxErrors
{
    public static async Task ThrowIfFailedAsync(HttpResponseMessage response, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw await FromResponseAsync(response, clock.GetUtcNow(), cancellationToken);
        }
    }

    public static async Task<PlatformException> FromResponseAsync(HttpResponseMessage response, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        string? code = null, message = null;
        try
        {
            var body = JsonDocument.Parse(text).RootElement;
            code = body.TryGetProperty("error", out var e) ? e.GetString() : null;
            message = body.TryGetProperty("message", out var m) ? m.GetString() : body.TryGetProperty("error_description", out var d) ? d.GetString() : null;
        }
        catch (JsonException)
        {
        }

        var kind = code == "invalid_grant" ? PlatformFailureKind.AuthExpired : PlatformHttp.KindOf(response.StatusCode);
        var retryAt = response.StatusCode == HttpStatusCode.TooManyRequests ? PlatformHttp.ResetTime(response, now) : null;
        return new PlatformException(PlatformId.Sandbox, kind, message ?? $"The sandbox answered {(int)response.StatusCode}.", code, retryAt);
    }
}

/// <summary>The built-in sandbox: settings <c>Nexus:Platforms:Sandbox</c>, no options.</summary>
public sealed class SandboxDescriptor : PlatformDescriptor<SandboxOptions, SandboxOAuthClient, SandboxPublisher, SandboxRules>
{
    public override PlatformId Platform => PlatformId.Sandbox;

    // Nexus's built-in platform: generous limits so it can stand in for any real one offline.
    public override PlatformRules Catalogue { get; } = new(PlatformId.Sandbox, "Sandbox", 5000, 10, [MediaKind.Image, MediaKind.Video, MediaKind.Gif], RequiresMedia: false, SupportsPkce: true);

    public override PlatformOptionSchema? Options => null;

    public override Type? Metrics => typeof(SandboxMetrics);

    public override Task<PlatformException> ErrorOfAsync(HttpResponseMessage response, DateTimeOffset now, CancellationToken cancellationToken) =>
        SandboxErrors.FromResponseAsync(response, now, cancellationToken);
}

/// <summary>The sandbox's own documents: lookups by token hash and by idempotency key are indexed.</summary>
public sealed class SandboxMarten : IConfigureMarten
{
    public void Configure(IServiceProvider services, StoreOptions options)
    {
        options.Schema.For<SandboxGrant>().Index(g => g.AccessTokenHash).Index(g => g.RefreshTokenHash);
        // One post per idempotency key, even for two requests racing with the same key.
        options.Schema.For<SandboxPost>().UniqueIndex(p => p.IdempotencyKey!);
        options.Schema.For<SandboxCode>();
    }
}
