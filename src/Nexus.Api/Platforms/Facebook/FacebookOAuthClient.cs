using System.Text.Json;
using Microsoft.Extensions.Options;
using Nexus.Api.Platforms.Meta;

namespace Nexus.Api.Platforms.Facebook;

/// <summary>
/// Facebook Login for Pages: the consent dialog, the code traded for a short-lived user token, that traded for a
/// ~60-day one (<c>fb_exchange_token</c>), and the Pages the user manages with their Page tokens, which do not expire
/// when they come from a long-lived user token. Meta issues no refresh token and documents PKCE only for its OIDC
/// flow (in testing), so there is none.
/// </summary>
public sealed class FacebookOAuthClient(HttpClient http, IOptions<FacebookOptions> options, TimeProvider clock) : IPlatformOAuthClient
{
    private const PlatformId Facebook = PlatformId.Facebook;

    private FacebookOptions Options => options.Value;

    public PlatformId Platform => Facebook;

    public AuthorizationRequest BuildAuthorizationRequest(string state, Uri redirectUri) =>
        new(MetaGraph.Url(Options.WebBaseUrl, $"{Options.ApiVersion}/dialog/oauth",
            ("client_id", ClientId),
            ("redirect_uri", redirectUri.ToString()),
            ("state", state),
            ("response_type", "code"),
            ("scope", string.Join(',', Options.Scopes))), null);

    public async Task<OAuthTokens> ExchangeCodeAsync(string code, Uri redirectUri, string? codeVerifier, CancellationToken cancellationToken)
    {
        // Both exchanges are documented as GETs with the app secret in the query string: this client's HTTP logging
        // is removed so those URIs reach no log.
        var shortLived = await SendAsync(MetaGraph.Request(HttpMethod.Get, MetaGraph.Url(Options.GraphBaseUrl, $"{Options.ApiVersion}/oauth/access_token",
            ("client_id", ClientId),
            ("redirect_uri", redirectUri.ToString()),
            ("client_secret", ClientSecret),
            ("code", code)), null), [code, ClientSecret], cancellationToken);
        var shortToken = MetaGraph.Require(shortLived, "access_token", Facebook, MetaCall.Read);

        var longLived = await ExchangeAsync(shortToken, cancellationToken);
        var token = MetaGraph.Require(longLived, "access_token", Facebook, MetaCall.Read);
        return new OAuthTokens(token, null, ExpiresAt(longLived, null), null, await GrantedScopesAsync(token, cancellationToken));
    }

    /// <summary>
    /// Meta issues no refresh token. A long-lived user token is exchanged again with <c>fb_exchange_token</c>, which
    /// answers with a current long-lived token; an expired one cannot be, and the user must reconnect. The Page tokens
    /// Nexus publishes with do not expire, so this only keeps the user token (Page list, revocation) alive.
    /// </summary>
    public async Task<OAuthTokens> RefreshAsync(OAuthTokens current, CancellationToken cancellationToken)
    {
        if (current.ExpiresAt is { } expiresAt && expiresAt <= clock.GetUtcNow())
        {
            throw new PlatformException(Facebook, PlatformFailureKind.AuthExpired, "The Facebook access token has expired; reconnect the account.", "token-expired");
        }

        var exchanged = await ExchangeAsync(current.AccessToken, cancellationToken);
        return current with
        {
            AccessToken = MetaGraph.Require(exchanged, "access_token", Facebook, MetaCall.Read),
            ExpiresAt = ExpiresAt(exchanged, current.ExpiresAt),
        };
    }

    /// <summary>Removes the app's permissions for the user (<c>DELETE /me/permissions</c>, <c>me</c> being the token's user).</summary>
    public async Task RevokeAsync(OAuthTokens tokens, CancellationToken cancellationToken) =>
        await MetaGraph.SendAsync(http, Facebook, MetaGraph.Request(HttpMethod.Delete, MetaGraph.Url(Options.GraphBaseUrl, $"{Options.ApiVersion}/me/permissions"),
            tokens.AccessToken), MetaCall.Write, clock, [tokens.AccessToken], cancellationToken);

    /// <summary>
    /// The Pages the user can post to (<c>GET /me/accounts</c>), each with its Page token in
    /// <see cref="PlatformAccount.AccessToken"/>. Pages where the user lacks the <c>CREATE_CONTENT</c> or
    /// <c>MANAGE</c> task are left out: Nexus could not publish there.
    /// </summary>
    public async Task<IReadOnlyList<PlatformAccount>> GetAccountsAsync(OAuthTokens tokens, CancellationToken cancellationToken)
    {
        var accounts = new List<PlatformAccount>();
        string? after = null;
        for (var page = 0; page < Math.Max(1, Options.MaxAccountPages); page++)
        {
            var answer = await SendAsync(MetaGraph.Request(HttpMethod.Get, MetaGraph.Url(Options.GraphBaseUrl, $"{Options.ApiVersion}/me/accounts",
                ("fields", "id,name,username,access_token,picture{url},tasks"),
                ("limit", "100"),
                ("after", after)), tokens.AccessToken), [tokens.AccessToken], cancellationToken);

            if (answer.Obj("data") is { ValueKind: JsonValueKind.Array } data)
            {
                foreach (var entry in data.EnumerateArray())
                {
                    if (entry.Str("id") is not { } id || !CanPublish(entry))
                    {
                        continue;
                    }

                    var picture = entry.Obj("picture")?.Obj("data")?.Str("url");
                    accounts.Add(new PlatformAccount(id, entry.Str("name") ?? id, entry.Str("username"), picture, AccountKind.Page, entry.Str("access_token")));
                }
            }

            // Cursor paging (the "next" link would repeat the token in its query string).
            after = answer.Obj("paging")?.Obj("cursors")?.Str("after");
            if (after is null || answer.Obj("paging")?.Str("next") is null)
            {
                break;
            }
        }

        return accounts;
    }

    private static bool CanPublish(JsonElement page) =>
        page.Obj("tasks") is not { ValueKind: JsonValueKind.Array } tasks ||
        tasks.EnumerateArray().Any(t => t.GetString() is "CREATE_CONTENT" or "MANAGE");

    private string ClientId => Options.ClientId ?? throw NotConfigured();

    private string ClientSecret => Options.ClientSecret ?? throw NotConfigured();

    private static InvalidOperationException NotConfigured() =>
        new("Facebook is not configured: set Nexus:Platforms:Facebook:ClientId and ClientSecret (the Meta app id and secret).");

    private Task<JsonElement> ExchangeAsync(string token, CancellationToken cancellationToken) =>
        SendAsync(MetaGraph.Request(HttpMethod.Get, MetaGraph.Url(Options.GraphBaseUrl, $"{Options.ApiVersion}/oauth/access_token",
            ("grant_type", "fb_exchange_token"),
            ("client_id", ClientId),
            ("client_secret", ClientSecret),
            ("fb_exchange_token", token)), null), [token, ClientSecret], cancellationToken);

    /// <summary>
    /// The permissions the user actually granted (people can untick some in the dialog), from
    /// <c>GET /me/permissions</c>: the same edge revocation deletes.
    /// </summary>
    private async Task<IReadOnlyList<string>> GrantedScopesAsync(string token, CancellationToken cancellationToken)
    {
        var answer = await SendAsync(MetaGraph.Request(HttpMethod.Get, MetaGraph.Url(Options.GraphBaseUrl, $"{Options.ApiVersion}/me/permissions"), token),
            [token], cancellationToken);
        return answer.Obj("data") is { ValueKind: JsonValueKind.Array } data
            ? [.. data.EnumerateArray().Where(p => p.Str("status") == "granted").Select(p => p.Str("permission")).OfType<string>()]
            : [.. Options.Scopes];
    }

    private DateTimeOffset? ExpiresAt(JsonElement answer, DateTimeOffset? fallback) =>
        answer.Long("expires_in") is { } seconds and > 0 ? clock.GetUtcNow().AddSeconds(seconds) : fallback;

    private Task<JsonElement> SendAsync(HttpRequestMessage request, IReadOnlyCollection<string?> secrets, CancellationToken cancellationToken) =>
        MetaGraph.SendAsync(http, Facebook, request, MetaCall.Read, clock, secrets, cancellationToken);
}
