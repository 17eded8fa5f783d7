using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;

namespace Nexus.Api.Platforms.X;

/// <summary>
/// X's OAuth 2.0 authorization code flow with PKCE (required, S256). Nexus is a confidential client: the token and
/// revoke endpoints get <c>Authorization: Basic base64(client_id:client_secret)</c>; without a secret configured it
/// acts as a public client and sends <c>client_id</c> in the form instead. Access tokens last 2 h; refresh tokens
/// (granted with <c>offline.access</c>) are single-use, so every refresh returns the new one.
/// </summary>
public sealed class XOAuthClient(HttpClient http, IOptions<XOptions> options, TimeProvider time) : IPlatformOAuthClient
{
    private const int MaxStateLength = 500;

    public PlatformId Platform => PlatformId.X;

    public AuthorizationRequest BuildAuthorizationRequest(string state, Uri redirectUri)
    {
        ArgumentException.ThrowIfNullOrEmpty(state);
        ArgumentNullException.ThrowIfNull(redirectUri);
        if (state.Length > MaxStateLength)
        {
            throw new ArgumentException($"X accepts a state of at most {MaxStateLength} characters.", nameof(state));
        }

        var settings = options.Value;
        var (verifier, challenge) = Pkce.Create();
        var query = string.Join('&', new (string Name, string Value)[]
        {
            ("response_type", "code"),
            ("client_id", settings.RequireClientId()),
            ("redirect_uri", redirectUri.AbsoluteUri),
            ("scope", string.Join(' ', settings.EffectiveScopes)),
            ("state", state),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
        }.Select(p => $"{Uri.EscapeDataString(p.Name)}={Uri.EscapeDataString(p.Value)}"));
        return new AuthorizationRequest(new Uri($"{settings.AuthorizeUrl}?{query}"), verifier);
    }

    public Task<OAuthTokens> ExchangeCodeAsync(string code, Uri redirectUri, string? codeVerifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(code);
        ArgumentNullException.ThrowIfNull(redirectUri);

        // X refuses a code exchange without the PKCE verifier made with the authorize URL.
        ArgumentException.ThrowIfNullOrEmpty(codeVerifier);
        return RequestTokensAsync(
            [
                new("code", code),
                new("grant_type", "authorization_code"),
                new("redirect_uri", redirectUri.AbsoluteUri),
                new("code_verifier", codeVerifier),
            ],
            previous: null,
            "code exchange",
            cancellationToken);
    }

    public Task<OAuthTokens> RefreshAsync(OAuthTokens current, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(current);
        if (string.IsNullOrEmpty(current.RefreshToken))
        {
            throw new PlatformException(PlatformId.X, PlatformFailureKind.AuthExpired, "X granted no refresh token (offline.access); the account must be reconnected.");
        }

        return RefreshCoreAsync(current, current.RefreshToken, cancellationToken);
    }

    public async Task RevokeAsync(OAuthTokens tokens, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tokens);

        // Revoking the refresh token ends the grant; the access token is revoked too so it stops working at once.
        if (!string.IsNullOrEmpty(tokens.RefreshToken))
        {
            await RevokeAsync(tokens.RefreshToken, "refresh_token", cancellationToken);
        }

        await RevokeAsync(tokens.AccessToken, "access_token", cancellationToken);
    }

    public async Task<IReadOnlyList<PlatformAccount>> GetAccountsAsync(OAuthTokens tokens, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        using var request = new HttpRequestMessage(HttpMethod.Get, options.Value.Api("/2/users/me?user.fields=profile_image_url"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
        using var document = await XHttp.SendForJsonAsync(http, request, time, "users/me", outcomeUnknown: false, cancellationToken);
        var user = PlatformErrors.Child(document.RootElement, "data");
        var id = PlatformErrors.Text(user, "id") ?? throw XHttp.Unexpected("the user's id");
        var username = PlatformErrors.Text(user, "username");
        return [new PlatformAccount(id, PlatformErrors.Text(user, "name") ?? username ?? id, username, PlatformErrors.Text(user, "profile_image_url"), AccountKind.Person)];
    }

    private async Task<OAuthTokens> RefreshCoreAsync(OAuthTokens current, string refreshToken, CancellationToken cancellationToken)
    {
        try
        {
            return await RequestTokensAsync(
                [new("grant_type", "refresh_token"), new("refresh_token", refreshToken)], current, "token refresh", cancellationToken);
        }
        catch (PlatformException exception) when (exception.Kind == PlatformFailureKind.Rejected)
        {
            // A refused refresh means the token is used up, expired or revoked (X answers invalid_grant, or
            // invalid_request "Value passed for the token was invalid" ⚠): only a reconnect helps.
            throw new PlatformException(PlatformId.X, PlatformFailureKind.AuthExpired, exception.Message, exception.PlatformCode, inner: exception);
        }
    }

    private async Task RevokeAsync(string token, string tokenTypeHint, CancellationToken cancellationToken)
    {
        using var request = TokenRequest("/2/oauth2/revoke", [new("token", token), new("token_type_hint", tokenTypeHint)]);
        using var response = await XHttp.SendAsync(http, request, time, "revoke", outcomeUnknown: false, cancellationToken);
    }

    private async Task<OAuthTokens> RequestTokensAsync(List<KeyValuePair<string, string>> form, OAuthTokens? previous, string step, CancellationToken cancellationToken)
    {
        using var request = TokenRequest("/2/oauth2/token", form);
        using var document = await XHttp.SendForJsonAsync(http, request, time, step, outcomeUnknown: false, cancellationToken);
        var root = document.RootElement;
        var accessToken = PlatformErrors.Text(root, "access_token") ?? throw XHttp.Unexpected("an access token");
        var expiresAt = root.TryGetProperty("expires_in", out var expiresIn) && expiresIn.TryGetInt64(out var seconds)
            ? time.GetUtcNow().AddSeconds(seconds)
            : (DateTimeOffset?)null;
        var scopes = PlatformErrors.Text(root, "scope") is { } granted
            ? granted.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : previous?.Scopes ?? [];

        // X rotates refresh tokens: the new one replaces the old, which no longer works.
        return new OAuthTokens(accessToken, PlatformErrors.Text(root, "refresh_token") ?? previous?.RefreshToken, expiresAt, RefreshExpiresAt: null, scopes);
    }

    private HttpRequestMessage TokenRequest(string path, List<KeyValuePair<string, string>> form)
    {
        var settings = options.Value;
        var clientId = settings.RequireClientId();
        var request = new HttpRequestMessage(HttpMethod.Post, settings.Api(path));
        if (string.IsNullOrEmpty(settings.ClientSecret))
        {
            form.Add(new("client_id", clientId));
        }
        else
        {
            request.Headers.Authorization = new AuthenticationHeaderValue(
                "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{clientId}:{settings.ClientSecret}")));
        }

        request.Content = new FormUrlEncodedContent(form);
        return request;
    }
}
