using Microsoft.Extensions.Options;

namespace Nexus.Api.Platforms.LinkedIn;

/// <summary>
/// LinkedIn's OAuth 2.0 authorization code flow (3-legged). No PKCE for web apps (LinkedIn offers it to native apps
/// on request only); the client id and secret go in the form body. Access tokens last 60 days; refresh tokens
/// exist only for approved partners and last 365 days from the first consent, not renewed by refreshing, so without
/// one an expired connection needs the member to consent again.
/// </summary>
public sealed class LinkedInOAuthClient(HttpClient http, IOptions<LinkedInOptions> options, TimeProvider time, ILogger<LinkedInOAuthClient> logger)
    : IPlatformOAuthClient
{
    // Roles that may post as an organization (PLATFORMS.md §4).
    private static readonly string[] PostingRoles = ["ADMINISTRATOR", "DIRECT_SPONSORED_CONTENT_POSTER", "CONTENT_ADMIN"];

    public PlatformId Platform => PlatformId.LinkedIn;

    public AuthorizationRequest BuildAuthorizationRequest(string state, Uri redirectUri)
    {
        ArgumentException.ThrowIfNullOrEmpty(state);
        ArgumentNullException.ThrowIfNull(redirectUri);
        var settings = options.Value;
        var query = string.Join('&', new (string Name, string Value)[]
        {
            ("response_type", "code"),
            ("client_id", settings.RequireClientId()),
            ("redirect_uri", redirectUri.AbsoluteUri),
            ("state", state),
            ("scope", string.Join(' ', settings.EffectiveScopes)),
        }.Select(p => $"{Uri.EscapeDataString(p.Name)}={Uri.EscapeDataString(p.Value)}"));
        return new AuthorizationRequest(new Uri($"{settings.AuthorizeUrl}?{query}"), CodeVerifier: null);
    }

    public Task<OAuthTokens> ExchangeCodeAsync(string code, Uri redirectUri, string? codeVerifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(code);
        ArgumentNullException.ThrowIfNull(redirectUri);
        return RequestTokensAsync(
            [new("grant_type", "authorization_code"), new("code", code), new("redirect_uri", redirectUri.AbsoluteUri)],
            previous: null,
            "code exchange",
            cancellationToken);
    }

    public async Task<OAuthTokens> RefreshAsync(OAuthTokens current, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(current);
        if (string.IsNullOrEmpty(current.RefreshToken))
        {
            throw new PlatformException(
                PlatformId.LinkedIn,
                PlatformFailureKind.AuthExpired,
                "LinkedIn issues refresh tokens to approved partners only; the member must reconnect before the access token expires.");
        }

        try
        {
            return await RequestTokensAsync(
                [new("grant_type", "refresh_token"), new("refresh_token", current.RefreshToken)], current, "token refresh", cancellationToken);
        }
        catch (PlatformException exception) when (exception.Kind == PlatformFailureKind.Rejected)
        {
            // A refused refresh means the refresh token is expired (365 days after consent) or revoked.
            throw new PlatformException(PlatformId.LinkedIn, PlatformFailureKind.AuthExpired, exception.Message, exception.PlatformCode, inner: exception);
        }
    }

    /// <summary>Revokes the access token (⚠ PLATFORMS.md lists <c>/oauth/v2/revoke</c> as unverified).</summary>
    public async Task RevokeAsync(OAuthTokens tokens, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var settings = options.Value;
        using var request = new HttpRequestMessage(HttpMethod.Post, settings.OAuth("/oauth/v2/revoke"))
        {
            Content = new FormUrlEncodedContent(
            [
                new("client_id", settings.RequireClientId()),
                new("client_secret", settings.RequireClientSecret()),
                new("token", tokens.AccessToken),
            ]),
        };
        using var response = await LinkedInHttp.SendAsync(http, request, time, "revoke", outcomeUnknown: false, cancellationToken);
    }

    /// <summary>
    /// The member (from the OpenID Connect <c>/v2/userinfo</c>: <c>sub</c> is the id in <c>urn:li:person:{sub}</c>)
    /// and, with <see cref="LinkedInOptions.Organizations"/>, the organizations the member may post for.
    /// </summary>
    public async Task<IReadOnlyList<PlatformAccount>> GetAccountsAsync(OAuthTokens tokens, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var settings = options.Value;
        var accounts = new List<PlatformAccount>();
        using (var request = LinkedInHttp.Bearer(HttpMethod.Get, settings.Api("/v2/userinfo"), tokens.AccessToken))
        using (var document = await LinkedInHttp.SendForJsonAsync(http, request, time, "userinfo", outcomeUnknown: false, cancellationToken))
        {
            var member = document.RootElement;
            var id = PlatformErrors.Text(member, "sub") ?? throw LinkedInHttp.Unexpected("the member's id (sub)");
            var name = PlatformErrors.Text(member, "name") ??
                       $"{PlatformErrors.Text(member, "given_name")} {PlatformErrors.Text(member, "family_name")}".Trim();
            accounts.Add(new PlatformAccount(id, name.Length > 0 ? name : id, Handle: null, PlatformErrors.Text(member, "picture"), AccountKind.Person));
        }

        if (settings.Organizations && (tokens.Scopes.Count == 0 || tokens.Scopes.Contains("rw_organization_admin")))
        {
            accounts.AddRange(await GetOrganizationsAsync(tokens.AccessToken, cancellationToken));
        }

        return accounts;
    }

    /// <summary>
    /// ⚠ PLATFORMS.md names the roles and scopes but not the lookup; this uses the Organization Access Control API
    /// (<c>GET /rest/organizationAcls?q=roleAssignee</c>) and <c>GET /rest/organizations/{id}</c> for the names.
    /// A member without access (403) simply has no organizations to offer.
    /// </summary>
    private async Task<IReadOnlyList<PlatformAccount>> GetOrganizationsAsync(string accessToken, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var ids = new List<string>();
        try
        {
            using var request = LinkedInHttp.Rest(HttpMethod.Get, settings.Api("/rest/organizationAcls?q=roleAssignee&state=APPROVED&count=100"), accessToken, settings.ApiVersion);
            using var document = await LinkedInHttp.SendForJsonAsync(http, request, time, "organizationAcls", outcomeUnknown: false, cancellationToken);
            if (document.RootElement.TryGetProperty("elements", out var elements) && elements.ValueKind == System.Text.Json.JsonValueKind.Array)
            {
                foreach (var acl in elements.EnumerateArray())
                {
                    const string prefix = "urn:li:organization:";
                    if (PlatformErrors.Text(acl, "organization") is { } urn && urn.StartsWith(prefix, StringComparison.Ordinal) &&
                        PostingRoles.Contains(PlatformErrors.Text(acl, "role")) && !ids.Contains(urn[prefix.Length..]))
                    {
                        ids.Add(urn[prefix.Length..]);
                    }
                }
            }
        }
        catch (PlatformException exception) when (exception.Kind == PlatformFailureKind.Rejected)
        {
            LinkedInLog.NoOrganizationAccess(logger, exception.Message);
            return [];
        }

        var organizations = new List<PlatformAccount>(ids.Count);
        foreach (var id in ids)
        {
            using var request = LinkedInHttp.Rest(HttpMethod.Get, settings.Api($"/rest/organizations/{Uri.EscapeDataString(id)}"), accessToken, settings.ApiVersion);
            using var document = await LinkedInHttp.SendForJsonAsync(http, request, time, "organizations", outcomeUnknown: false, cancellationToken);
            var organization = document.RootElement;
            organizations.Add(new PlatformAccount(
                id,
                PlatformErrors.Text(organization, "localizedName") ?? id,
                PlatformErrors.Text(organization, "vanityName"),
                AvatarUrl: null,
                AccountKind.Organization));
        }

        return organizations;
    }

    private async Task<OAuthTokens> RequestTokensAsync(List<KeyValuePair<string, string>> form, OAuthTokens? previous, string step, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        form.Add(new("client_id", settings.RequireClientId()));
        form.Add(new("client_secret", settings.RequireClientSecret()));
        using var request = new HttpRequestMessage(HttpMethod.Post, settings.OAuth("/oauth/v2/accessToken")) { Content = new FormUrlEncodedContent(form) };
        using var document = await LinkedInHttp.SendForJsonAsync(http, request, time, step, outcomeUnknown: false, cancellationToken);
        var root = document.RootElement;
        var now = time.GetUtcNow();
        var accessToken = PlatformErrors.Text(root, "access_token") ?? throw LinkedInHttp.Unexpected("an access token");
        var refreshToken = PlatformErrors.Text(root, "refresh_token");
        var scopes = PlatformErrors.Text(root, "scope") is { } granted
            ? granted.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : previous?.Scopes ?? [];

        // refresh_token_expires_in counts down from the first consent; a refresh does not extend it.
        return new OAuthTokens(
            accessToken,
            refreshToken ?? previous?.RefreshToken,
            Seconds(root, "expires_in") is { } expiresIn ? now.AddSeconds(expiresIn) : null,
            Seconds(root, "refresh_token_expires_in") is { } refreshExpiresIn ? now.AddSeconds(refreshExpiresIn) : previous?.RefreshExpiresAt,
            scopes);
    }

    private static long? Seconds(System.Text.Json.JsonElement root, string property) =>
        root.TryGetProperty(property, out var value) && value.TryGetInt64(out var seconds) ? seconds : null;
}
