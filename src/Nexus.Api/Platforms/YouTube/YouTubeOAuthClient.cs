using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Nexus.Api.Platforms.YouTube;

/// <summary>
/// Google OAuth for YouTube: consent with <c>access_type=offline</c> and <c>prompt=consent</c> (so a refresh token is
/// issued every time) and PKCE S256; tokens at <c>POST https://oauth2.googleapis.com/token</c> with the client
/// credentials in the form. Google does not rotate refresh tokens: a refresh answer usually has none, and the one
/// held stays valid. It dies after 7 days while the OAuth app is External and "Testing", after 6 months unused, when
/// the account holds more than 100 of them, or when the user revokes access; Google then answers
/// <c>invalid_grant</c> (AuthExpired). The connected account is the user's channel.
/// </summary>
public sealed class YouTubeOAuthClient(HttpClient http, IOptions<YouTubeOptions> options, TimeProvider time) : IPlatformOAuthClient
{
    private readonly YouTubeOptions _options = options.Value;

    public PlatformId Platform => PlatformId.YouTube;

    public AuthorizationRequest BuildAuthorizationRequest(string state, Uri redirectUri)
    {
        var (verifier, challenge) = Pkce.Create();
        var url = QueryHelpers.AddQueryString(_options.AuthorizeUrl, new Dictionary<string, string?>
        {
            ["client_id"] = _options.ClientId,
            ["redirect_uri"] = redirectUri.ToString(),
            ["response_type"] = "code",
            ["scope"] = string.Join(' ', _options.EffectiveScopes),
            ["access_type"] = "offline",
            ["prompt"] = "consent",
            ["state"] = state,
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256",
        });
        return new AuthorizationRequest(new Uri(url), verifier);
    }

    public Task<OAuthTokens> ExchangeCodeAsync(string code, Uri redirectUri, string? codeVerifier, CancellationToken cancellationToken)
    {
        var form = new Dictionary<string, string>
        {
            ["code"] = code,
            ["client_id"] = _options.ClientId ?? string.Empty,
            ["client_secret"] = _options.ClientSecret ?? string.Empty,
            ["redirect_uri"] = redirectUri.ToString(),
            ["grant_type"] = "authorization_code",
        };
        if (!string.IsNullOrEmpty(codeVerifier))
        {
            form["code_verifier"] = codeVerifier;
        }

        return TokenAsync(form, current: null, cancellationToken);
    }

    public Task<OAuthTokens> RefreshAsync(OAuthTokens current, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(current.RefreshToken))
        {
            throw new PlatformException(PlatformId.YouTube, PlatformFailureKind.AuthExpired, "The YouTube connection has no refresh token; reconnect the channel.");
        }

        return TokenAsync(new Dictionary<string, string>
        {
            ["client_id"] = _options.ClientId ?? string.Empty,
            ["client_secret"] = _options.ClientSecret ?? string.Empty,
            ["refresh_token"] = current.RefreshToken,
            ["grant_type"] = "refresh_token",
        }, current, cancellationToken);
    }

    /// <summary>
    /// Revokes the grant: the refresh token when there is one (that ends its access tokens too), else the access
    /// token. The token goes in the form body, never the query string. A token Google no longer knows counts as revoked.
    /// </summary>
    public async Task RevokeAsync(OAuthTokens tokens, CancellationToken cancellationToken)
    {
        var request = YouTubeApi.Request(HttpMethod.Post, new Uri(_options.RevokeUrl), accessToken: null,
            new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = tokens.RefreshToken ?? tokens.AccessToken }));
        try
        {
            await YouTubeApi.SendAsync(http, request, time, "Revoking the YouTube grant", tokenEndpoint: true, refreshing: false, cancellationToken);
        }
        catch (PlatformException e) when (e.PlatformCode == "invalid_token")
        {
            // Already expired or revoked: the goal is reached.
        }
    }

    public async Task<IReadOnlyList<PlatformAccount>> GetAccountsAsync(OAuthTokens tokens, CancellationToken cancellationToken)
    {
        var (body, _) = await YouTubeApi.SendAsync(http,
            YouTubeApi.Request(HttpMethod.Get, _options.Api("/youtube/v3/channels?part=snippet&mine=true"), tokens.AccessToken),
            time, "Reading the YouTube channel", tokenEndpoint: false, refreshing: false, cancellationToken);
        // A Google account without a channel has no items: there is nothing to publish to until the user creates one.
        var items = body?["items"] as JsonArray ?? [];
        return
        [
            .. items.OfType<JsonObject>()
                .Where(item => !string.IsNullOrEmpty(PlatformErrors.Text(item["id"])))
                .Select(item =>
                {
                    var snippet = item["snippet"];
                    var id = PlatformErrors.Text(item["id"])!;
                    return new PlatformAccount(id, PlatformErrors.Text(snippet?["title"]) ?? id, PlatformErrors.Text(snippet?["customUrl"]),
                        PlatformErrors.Text(snippet?["thumbnails"]?["default"]?["url"]), AccountKind.Channel);
                }),
        ];
    }

    private async Task<OAuthTokens> TokenAsync(Dictionary<string, string> form, OAuthTokens? current, CancellationToken cancellationToken)
    {
        var refreshing = current is not null;
        var (body, _) = await YouTubeApi.SendAsync(http,
            YouTubeApi.Request(HttpMethod.Post, _options.Token("/token"), accessToken: null, new FormUrlEncodedContent(form)),
            time, refreshing ? "Refreshing the YouTube token" : "Exchanging the YouTube code", tokenEndpoint: true, refreshing, cancellationToken);
        var accessToken = PlatformErrors.Text(body?["access_token"]);
        if (string.IsNullOrEmpty(accessToken))
        {
            throw new PlatformException(PlatformId.YouTube, PlatformFailureKind.Unknown, "Google's token response had no access_token.");
        }

        var expiresIn = long.TryParse(PlatformErrors.Text(body?["expires_in"]), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? time.GetUtcNow().AddSeconds(seconds)
            : (DateTimeOffset?)null;
        var scopes = PlatformErrors.Text(body?["scope"]) is { Length: > 0 } scope
            ? scope.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            : current?.Scopes ?? [];
        // Google keeps the refresh token it issued; a refresh answer without one means "keep using yours".
        var refreshToken = PlatformErrors.Text(body?["refresh_token"]) is { Length: > 0 } issued ? issued : current?.RefreshToken;
        return new OAuthTokens(accessToken, refreshToken, expiresIn, current?.RefreshExpiresAt, scopes);
    }
}
