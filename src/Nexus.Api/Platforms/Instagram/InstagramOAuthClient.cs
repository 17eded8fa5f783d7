using System.Text.Json;
using Microsoft.Extensions.Options;
using Nexus.Api.Platforms.Meta;

namespace Nexus.Api.Platforms.Instagram;

/// <summary>
/// Instagram Login: consent on instagram.com, the code traded for a 1-hour token at api.instagram.com, that token
/// traded for a 60-day one (<c>ig_exchange_token</c>), which is refreshed by itself (<c>ig_refresh_token</c>): there
/// is no refresh token. PKCE is not documented, so there is none; Instagram Login documents no revocation either.
/// </summary>
public sealed class InstagramOAuthClient(HttpClient http, IOptions<InstagramOptions> options, TimeProvider clock) : IPlatformOAuthClient
{
    private const PlatformId Instagram = PlatformId.Instagram;

    private InstagramOptions Options => options.Value;

    public PlatformId Platform => Instagram;

    public AuthorizationRequest BuildAuthorizationRequest(string state, Uri redirectUri)
    {
        var url = MetaGraph.Url(Options.AuthorizeUrl, "",
            ("client_id", ClientId),
            ("redirect_uri", redirectUri.ToString()),
            ("response_type", "code"),
            ("scope", string.Join(',', Options.Scopes)),
            ("state", state));
        return new AuthorizationRequest(url, null);
    }

    public async Task<OAuthTokens> ExchangeCodeAsync(string code, Uri redirectUri, string? codeVerifier, CancellationToken cancellationToken)
    {
        // Instagram appends "#_" to the code in the redirect; it is not part of the code.
        if (code.EndsWith("#_", StringComparison.Ordinal))
        {
            code = code[..^2];
        }

        var secrets = new[] { code, ClientSecret };
        var shortLived = await SendAsync(MetaGraph.Request(HttpMethod.Post, MetaGraph.Url(Options.TokenBaseUrl, "oauth/access_token"), null,
            MetaGraph.Form(
                ("client_id", ClientId),
                ("client_secret", ClientSecret),
                ("grant_type", "authorization_code"),
                ("redirect_uri", redirectUri.ToString()),
                ("code", code))), MetaCall.Write, secrets, cancellationToken);

        // Newer answers wrap the token in "data": [{access_token, user_id, permissions}]; older ones are flat.
        var grant = shortLived.Obj("data") is { ValueKind: JsonValueKind.Array } data && data.GetArrayLength() > 0 ? data[0] : shortLived;
        var shortToken = MetaGraph.Require(grant, "access_token", Instagram, MetaCall.Write);
        var scopes = Permissions(grant) ?? [.. Options.Scopes];

        // Documented with the app secret and the token in the query string: this client's HTTP logging is removed.
        var longLived = await SendAsync(MetaGraph.Request(HttpMethod.Get, MetaGraph.Url(Options.GraphBaseUrl, "access_token",
            ("grant_type", "ig_exchange_token"),
            ("client_secret", ClientSecret),
            ("access_token", shortToken)), null), MetaCall.Read, [shortToken, ClientSecret], cancellationToken);
        return Tokens(longLived, scopes, null);
    }

    public async Task<OAuthTokens> RefreshAsync(OAuthTokens current, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (current.ExpiresAt is { } expiresAt)
        {
            if (expiresAt <= now)
            {
                // ig_refresh_token only takes unexpired tokens: the user has to sign in again.
                throw new PlatformException(Instagram, PlatformFailureKind.AuthExpired,
                    "The Instagram access token has expired; reconnect the account.", "token-expired");
            }

            // Meta refuses tokens younger than 24 hours. Such a token has ~60 days left, so it needs no refresh yet.
            if (now - (expiresAt - Options.LongLivedTokenLifetime) < Options.MinimumTokenAgeForRefresh)
            {
                return current;
            }
        }

        var refreshed = await SendAsync(MetaGraph.Request(HttpMethod.Get, MetaGraph.Url(Options.GraphBaseUrl, "refresh_access_token",
            ("grant_type", "ig_refresh_token"),
            ("access_token", current.AccessToken)), null), MetaCall.Read, [current.AccessToken], cancellationToken);
        return Tokens(refreshed, current.Scopes, current.ExpiresAt);
    }

    /// <summary>Instagram Login documents no revocation endpoint: users remove the app in Instagram's settings.</summary>
    public Task RevokeAsync(OAuthTokens tokens, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<IReadOnlyList<PlatformAccount>> GetAccountsAsync(OAuthTokens tokens, CancellationToken cancellationToken)
    {
        var me = await SendAsync(MetaGraph.Request(HttpMethod.Get, MetaGraph.Url(Options.GraphBaseUrl, $"{Options.ApiVersion}/me",
            ("fields", "user_id,username,name,profile_picture_url")), tokens.AccessToken), MetaCall.Read, [tokens.AccessToken], cancellationToken);

        // user_id is the professional account's Instagram id, the one publishing paths take; id is app-scoped.
        var id = me.Str("user_id") ?? MetaGraph.Require(me, "id", Instagram, MetaCall.Read);
        var username = me.Str("username");
        return [new PlatformAccount(id, me.Str("name") is { Length: > 0 } name ? name : username ?? id, username, me.Str("profile_picture_url"), AccountKind.BusinessAccount)];
    }

    private string ClientId => Options.ClientId ?? throw NotConfigured();

    private string ClientSecret => Options.ClientSecret ?? throw NotConfigured();

    private static InvalidOperationException NotConfigured() =>
        new("Instagram is not configured: set Nexus:Platforms:Instagram:ClientId and ClientSecret (the Instagram app id and secret).");

    private Task<JsonElement> SendAsync(HttpRequestMessage request, MetaCall call, IReadOnlyCollection<string?> secrets, CancellationToken cancellationToken) =>
        MetaGraph.SendAsync(http, Instagram, request, call, clock, secrets, cancellationToken);

    private OAuthTokens Tokens(JsonElement answer, IReadOnlyList<string> scopes, DateTimeOffset? fallbackExpiry)
    {
        var token = MetaGraph.Require(answer, "access_token", Instagram, MetaCall.Read);
        var expiresAt = answer.Long("expires_in") is { } seconds ? clock.GetUtcNow().AddSeconds(seconds) : fallbackExpiry;
        return new OAuthTokens(token, null, expiresAt, null, scopes);
    }

    // "permissions" is a comma-separated string in the token answer (an array in some versions).
    private static List<string>? Permissions(JsonElement grant)
    {
        if (!grant.TryGetProperty("permissions", out var permissions))
        {
            return null;
        }

        return permissions.ValueKind switch
        {
            JsonValueKind.String => [.. permissions.GetString()!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)],
            JsonValueKind.Array => [.. permissions.EnumerateArray().Select(p => p.GetString()).OfType<string>()],
            _ => null,
        };
    }
}
