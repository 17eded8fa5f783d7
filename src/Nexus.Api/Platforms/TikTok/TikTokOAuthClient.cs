using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Nexus.Api.Platforms.TikTok;

/// <summary>
/// TikTok Login Kit for web: consent at <c>www.tiktok.com/v2/auth/authorize/</c> (no PKCE: TikTok wants a
/// <c>code_verifier</c> only from mobile and desktop apps), tokens at <c>POST /v2/oauth/token/</c> with
/// <c>client_key</c>/<c>client_secret</c> in the form. Refresh tokens rotate: every refresh returns a new one (and its
/// own <c>refresh_expires_in</c>) and the old one dies, so the caller must store the result before using it.
/// Lifetimes differ between TikTok's pages (2 h / 180 d vs 24 h / 365 d), so expiries come from the response.
/// </summary>
public sealed class TikTokOAuthClient(HttpClient http, IOptions<TikTokOptions> options, TimeProvider time) : IPlatformOAuthClient
{
    private readonly TikTokOptions _options = options.Value;

    public PlatformId Platform => PlatformId.TikTok;

    public AuthorizationRequest BuildAuthorizationRequest(string state, Uri redirectUri)
    {
        var url = QueryHelpers.AddQueryString(_options.AuthorizeUrl, new Dictionary<string, string?>
        {
            ["client_key"] = _options.ClientId,
            ["response_type"] = "code",
            // TikTok separates scopes with commas.
            ["scope"] = string.Join(',', _options.EffectiveScopes),
            ["redirect_uri"] = redirectUri.ToString(),
            ["state"] = state,
        });
        return new AuthorizationRequest(new Uri(url), CodeVerifier: null);
    }

    public Task<OAuthTokens> ExchangeCodeAsync(string code, Uri redirectUri, string? codeVerifier, CancellationToken cancellationToken) =>
        TokenAsync(new Dictionary<string, string>
        {
            ["client_key"] = _options.ClientId ?? string.Empty,
            ["client_secret"] = _options.ClientSecret ?? string.Empty,
            // The redirect carries the code URL-encoded; TikTok wants it decoded (ASP.NET Core's query binding already did).
            ["code"] = code,
            ["grant_type"] = "authorization_code",
            ["redirect_uri"] = redirectUri.ToString(),
        }, current: null, cancellationToken);

    public Task<OAuthTokens> RefreshAsync(OAuthTokens current, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(current.RefreshToken))
        {
            throw new PlatformException(PlatformId.TikTok, PlatformFailureKind.AuthExpired, "The TikTok connection has no refresh token; reconnect the account.");
        }

        return TokenAsync(new Dictionary<string, string>
        {
            ["client_key"] = _options.ClientId ?? string.Empty,
            ["client_secret"] = _options.ClientSecret ?? string.Empty,
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = current.RefreshToken,
        }, current, cancellationToken);
    }

    public async Task RevokeAsync(OAuthTokens tokens, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _options.Api("/v2/oauth/revoke/"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["client_key"] = _options.ClientId ?? string.Empty,
                ["client_secret"] = _options.ClientSecret ?? string.Empty,
                ["token"] = tokens.AccessToken,
            }),
        };
        await SendTokenRequestAsync(request, refreshing: false, "Revoking the TikTok grant", cancellationToken);
    }

    public async Task<IReadOnlyList<PlatformAccount>> GetAccountsAsync(OAuthTokens tokens, CancellationToken cancellationToken)
    {
        // username needs user.info.profile; asking for a field outside the granted scopes fails the whole call.
        var fields = tokens.Scopes.Contains("user.info.profile", StringComparer.Ordinal)
            ? "open_id,union_id,avatar_url,display_name,username"
            : "open_id,union_id,avatar_url,display_name";
        var request = TikTokApi.Json(HttpMethod.Get, _options.Api($"/v2/user/info/?fields={fields}"), tokens.AccessToken, body: null);
        var body = await TikTokApi.SendAsync(http, request, time, "Reading the TikTok profile", mayHavePublished: false, cancellationToken);
        var user = body["data"]?["user"];
        var openId = PlatformErrors.Text(user?["open_id"]);
        if (string.IsNullOrEmpty(openId))
        {
            throw new PlatformException(PlatformId.TikTok, PlatformFailureKind.Unknown, "TikTok returned a profile without an open_id.");
        }

        var username = PlatformErrors.Text(user?["username"]);
        var name = PlatformErrors.Text(user?["display_name"]) is { Length: > 0 } display ? display : username ?? openId;
        return [new PlatformAccount(openId, name, string.IsNullOrEmpty(username) ? null : username, PlatformErrors.Text(user?["avatar_url"]), AccountKind.Person)];
    }

    private async Task<OAuthTokens> TokenAsync(Dictionary<string, string> form, OAuthTokens? current, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _options.Api("/v2/oauth/token/")) { Content = new FormUrlEncodedContent(form) };
        request.Headers.CacheControl = new() { NoCache = true };
        var refreshing = current is not null;
        var body = await SendTokenRequestAsync(request, refreshing, refreshing ? "Refreshing the TikTok token" : "Exchanging the TikTok code", cancellationToken);
        var accessToken = PlatformErrors.Text(body["access_token"]);
        if (string.IsNullOrEmpty(accessToken))
        {
            throw new PlatformException(PlatformId.TikTok, PlatformFailureKind.Unknown, "TikTok's token response had no access_token.");
        }

        var now = time.GetUtcNow();
        var scopes = PlatformErrors.Text(body["scope"]) is { Length: > 0 } scope
            ? scope.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : current?.Scopes ?? [];
        // Rotation: the answer carries the new refresh token; the one we sent is dead from now on.
        var refreshToken = PlatformErrors.Text(body["refresh_token"]) is { Length: > 0 } rotated ? rotated : current?.RefreshToken;
        var refreshExpiresAt = Seconds(body["refresh_expires_in"]) is { } refreshIn ? now + refreshIn : current?.RefreshExpiresAt;
        return new OAuthTokens(accessToken, refreshToken, Seconds(body["expires_in"]) is { } expiresIn ? now + expiresIn : null, refreshExpiresAt, scopes);
    }

    private async Task<JsonNode> SendTokenRequestAsync(HttpRequestMessage request, bool refreshing, string what, CancellationToken cancellationToken)
    {
        var (response, text) = await PlatformHttp.ExchangeAsync(http, request, e => TikTokErrors.FromTransport(e, what, mayHavePublished: false), cancellationToken);

        using (response)
        {
            var body = PlatformErrors.Parse(text);
            // The token endpoint reports errors as a string "error" (sometimes with HTTP 200); the API as an object.
            if (!response.IsSuccessStatusCode || PlatformErrors.Text(body?["error"]) is { Length: > 0 } || !TikTokErrors.IsOk(body))
            {
                throw TikTokErrors.FromTokenResponse(response, body, refreshing, time.GetUtcNow());
            }

            return body ?? new JsonObject();
        }
    }

    private static TimeSpan? Seconds(JsonNode? node) =>
        long.TryParse(PlatformErrors.Text(node), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : null;
}
