using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Nexus.Api.Platforms.Pinterest;

/// <summary>
/// Pinterest OAuth: consent at <c>www.pinterest.com/oauth/</c> with <c>state</c> (PKCE is not documented), tokens at
/// <c>POST /v5/oauth/token</c> with the app credentials as HTTP Basic. Refreshes ask for continuous refresh
/// (<c>refresh_on=true</c>): every refresh returns a new refresh token (60 days) with
/// <c>refresh_token_expires_in</c>/<c>_at</c>, so the caller must store it. Access tokens last 30 days. Pinterest
/// documents no revocation endpoint. Boards are where Pins go (the <c>boardId</c> option, listed by
/// <see cref="PinterestPublisher.GetBoardsAsync"/>), not accounts: the account is the Pinterest user.
/// </summary>
public sealed class PinterestOAuthClient(HttpClient http, IOptions<PinterestOptions> options, TimeProvider time) : IPlatformOAuthClient
{
    private readonly PinterestOptions _options = options.Value;

    public PlatformId Platform => PlatformId.Pinterest;

    public AuthorizationRequest BuildAuthorizationRequest(string state, Uri redirectUri)
    {
        var url = QueryHelpers.AddQueryString(_options.AuthorizeUrl, new Dictionary<string, string?>
        {
            ["client_id"] = _options.ClientId,
            ["redirect_uri"] = redirectUri.ToString(),
            ["response_type"] = "code",
            // Pinterest separates scopes with commas.
            ["scope"] = string.Join(',', _options.EffectiveScopes),
            ["state"] = state,
        });
        return new AuthorizationRequest(new Uri(url), CodeVerifier: null);
    }

    public Task<OAuthTokens> ExchangeCodeAsync(string code, Uri redirectUri, string? codeVerifier, CancellationToken cancellationToken) =>
        TokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = redirectUri.ToString(),
        }, current: null, cancellationToken);

    public Task<OAuthTokens> RefreshAsync(OAuthTokens current, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(current.RefreshToken))
        {
            throw new PlatformException(PlatformId.Pinterest, PlatformFailureKind.AuthExpired, "The Pinterest connection has no refresh token; reconnect the account.");
        }

        return TokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = current.RefreshToken,
            // Continuous refresh: a new refresh token with every refresh (the default for apps created from 2025-09-25).
            ["refresh_on"] = "true",
        }, current, cancellationToken);
    }

    /// <summary>Pinterest documents no token revocation: disconnecting only forgets the tokens on Nexus's side.</summary>
    public Task RevokeAsync(OAuthTokens tokens, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<IReadOnlyList<PlatformAccount>> GetAccountsAsync(OAuthTokens tokens, CancellationToken cancellationToken)
    {
        var body = await PinterestApi.SendAsync(http, PinterestApi.Json(HttpMethod.Get, _options.Api("/v5/user_account"), tokens.AccessToken), time,
            "Reading the Pinterest account", mayHavePublished: false, cancellationToken);
        var username = PlatformErrors.Text(body["username"]);
        var id = PlatformErrors.Text(body["id"]) is { Length: > 0 } userId ? userId : username;
        if (string.IsNullOrEmpty(id))
        {
            throw new PlatformException(PlatformId.Pinterest, PlatformFailureKind.Unknown, "Pinterest returned an account without an id or username.");
        }

        var name = PlatformErrors.Text(body["business_name"]) is { Length: > 0 } business ? business : username ?? id;
        return [new PlatformAccount(id, name, username, PlatformErrors.Text(body["profile_image"]), AccountKind.Person)];
    }

    private async Task<OAuthTokens> TokenAsync(Dictionary<string, string> form, OAuthTokens? current, CancellationToken cancellationToken)
    {
        var refreshing = current is not null;
        var request = new HttpRequestMessage(HttpMethod.Post, _options.OAuth("/v5/oauth/token")) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_options.ClientId}:{_options.ClientSecret}")));
        var body = await PinterestApi.SendAsync(http, request, time, refreshing ? "Refreshing the Pinterest token" : "Exchanging the Pinterest code",
            mayHavePublished: false, cancellationToken, (response, error) => PinterestErrors.FromTokenResponse(response, error, refreshing, time.GetUtcNow()));
        var accessToken = PlatformErrors.Text(body["access_token"]);
        if (string.IsNullOrEmpty(accessToken))
        {
            throw new PlatformException(PlatformId.Pinterest, PlatformFailureKind.Unknown, "Pinterest's token response had no access_token.");
        }

        var now = time.GetUtcNow();
        var scopes = PlatformErrors.Text(body["scope"]) is { Length: > 0 } scope
            ? scope.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : current?.Scopes ?? [];
        var refreshToken = PlatformErrors.Text(body["refresh_token"]) is { Length: > 0 } issued ? issued : current?.RefreshToken;
        var refreshExpiresAt = Number(body["refresh_token_expires_at"]) is { } at
            ? DateTimeOffset.FromUnixTimeSeconds(at)
            : Number(body["refresh_token_expires_in"]) is { } refreshIn ? now.AddSeconds(refreshIn) : current?.RefreshExpiresAt;
        return new OAuthTokens(accessToken, refreshToken, Number(body["expires_in"]) is { } expiresIn ? now.AddSeconds(expiresIn) : null, refreshExpiresAt, scopes);
    }

    private static long? Number(JsonNode? node) =>
        long.TryParse(PlatformErrors.Text(node), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : null;
}
