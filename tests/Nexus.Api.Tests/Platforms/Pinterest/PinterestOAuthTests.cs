using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using Nexus.Api.Platforms;

namespace Nexus.Api.Tests.Platforms.Pinterest;

public sealed class PinterestOAuthTests : IDisposable
{
    private static readonly Uri RedirectUri = new("https://nexus.example/oauth/callback/pinterest");
    private readonly PinterestFake _pinterest = new();

    public void Dispose() => _pinterest.Dispose();

    [Fact]
    public void the_authorize_url_carries_comma_separated_scopes_and_state_without_pkce()
    {
        var request = _pinterest.OAuth.BuildAuthorizationRequest("state-7", RedirectUri);

        Assert.StartsWith(_pinterest.Server.Url + "/oauth/?", request.Url.ToString());
        var query = QueryHelpers.ParseQuery(request.Url.Query);
        Assert.Equal("1234567", query["client_id"]);
        Assert.Equal(RedirectUri.ToString(), query["redirect_uri"]);
        Assert.Equal("code", query["response_type"]);
        Assert.Equal("boards:read,boards:write,pins:read,pins:write,user_accounts:read", query["scope"]);
        Assert.Equal("state-7", query["state"]);
        Assert.False(query.ContainsKey("code_challenge"));
        Assert.Null(request.CodeVerifier);
    }

    [Fact]
    public async Task exchanging_a_code_authenticates_the_app_with_http_basic()
    {
        _pinterest.Json("/v5/oauth/token", 200, new JsonObject
        {
            ["access_token"] = "pina_new",
            ["refresh_token"] = "pinr_new",
            ["response_type"] = "authorization_code",
            ["token_type"] = "bearer",
            ["expires_in"] = 2592000,
            ["refresh_token_expires_in"] = 5184000,
            ["scope"] = "boards:read pins:read pins:write user_accounts:read",
        });

        var tokens = await _pinterest.OAuth.ExchangeCodeAsync("code-1", RedirectUri, null, CancellationToken.None);

        Assert.Equal("pina_new", tokens.AccessToken);
        Assert.Equal("pinr_new", tokens.RefreshToken);
        Assert.Equal(PinterestFake.Now.AddDays(30), tokens.ExpiresAt);
        Assert.Equal(PinterestFake.Now.AddDays(60), tokens.RefreshExpiresAt);
        Assert.Equal(["boards:read", "pins:read", "pins:write", "user_accounts:read"], tokens.Scopes);
        var sent = Assert.Single(_pinterest.Requests("/v5/oauth/token"));
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("1234567:client-secret-1")), PinterestFake.Header(sent, "Authorization"));
        Assert.Equal(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = "code-1",
            ["redirect_uri"] = RedirectUri.ToString(),
        }, PinterestFake.Form(sent));
    }

    [Fact]
    public async Task refreshing_asks_for_continuous_refresh_and_returns_the_new_refresh_token()
    {
        var refreshExpiresAt = PinterestFake.Now.AddDays(60).ToUnixTimeSeconds();
        _pinterest.Json("/v5/oauth/token", 200, new JsonObject
        {
            ["access_token"] = "pina_2",
            ["refresh_token"] = "pinr_2",
            ["response_type"] = "refresh_token",
            ["expires_in"] = 2592000,
            ["refresh_token_expires_in"] = 5183999,
            ["refresh_token_expires_at"] = refreshExpiresAt,
            ["scope"] = "boards:read,pins:write",
        });

        var tokens = await _pinterest.OAuth.RefreshAsync(new OAuthTokens("pina_1", "pinr_1", PinterestFake.Now, PinterestFake.Now.AddDays(2), []), CancellationToken.None);

        Assert.Equal(("pina_2", "pinr_2"), (tokens.AccessToken, tokens.RefreshToken));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(refreshExpiresAt), tokens.RefreshExpiresAt);
        Assert.Equal(["boards:read", "pins:write"], tokens.Scopes);
        var sent = Assert.Single(_pinterest.Requests("/v5/oauth/token"));
        Assert.StartsWith("Basic ", PinterestFake.Header(sent, "Authorization"));
        Assert.Equal(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = "pinr_1",
            ["refresh_on"] = "true",
        }, PinterestFake.Form(sent));
    }

    [Fact]
    public async Task a_refused_refresh_means_the_connection_needs_reauth()
    {
        _pinterest.Json("/v5/oauth/token", 400, PinterestFake.Error(1, "Invalid refresh token."));

        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            _pinterest.OAuth.RefreshAsync(new OAuthTokens("pina_1", "pinr_dead", null, null, []), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.AuthExpired, error.Kind);
        Assert.Equal("Invalid refresh token.", error.Message);
    }

    [Fact]
    public async Task revoking_calls_nothing_because_pinterest_documents_no_revocation()
    {
        await _pinterest.OAuth.RevokeAsync(new OAuthTokens(PinterestFake.AccessToken, "pinr_1", null, null, []), CancellationToken.None);

        Assert.Empty(_pinterest.All);
    }

    [Fact]
    public async Task the_account_is_the_pinterest_user()
    {
        _pinterest.Json("/v5/user_account", 200, new JsonObject
        {
            ["account_type"] = "BUSINESS",
            ["id"] = "549755885175",
            ["username"] = "nexusbakery",
            ["business_name"] = "Nexus Bakery",
            ["profile_image"] = "https://i.pinimg.example/p.jpg",
        }, "GET");

        var accounts = await _pinterest.OAuth.GetAccountsAsync(new OAuthTokens(PinterestFake.AccessToken, null, null, null, []), CancellationToken.None);

        Assert.Equal(new PlatformAccount("549755885175", "Nexus Bakery", "nexusbakery", "https://i.pinimg.example/p.jpg", AccountKind.Person), Assert.Single(accounts));
        var sent = Assert.Single(_pinterest.Requests("/v5/user_account"));
        Assert.Equal("Bearer " + PinterestFake.AccessToken, PinterestFake.Header(sent, "Authorization"));
        Assert.DoesNotContain(PinterestFake.AccessToken, sent.Url);
    }

    [Fact]
    public async Task an_expired_token_is_auth_expired()
    {
        _pinterest.Json("/v5/user_account", 401, PinterestFake.Error(2, "Authentication failed."), "GET");

        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            _pinterest.OAuth.GetAccountsAsync(new OAuthTokens("pina_old", null, null, null, []), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.AuthExpired, error.Kind);
        Assert.Equal("Authentication failed.", error.Message);
    }

    [Fact]
    public async Task in_sandbox_mode_content_calls_go_to_the_sandbox_host_and_tokens_to_production()
    {
        using var pinterest = new PinterestFake(new() { ["Nexus:Platforms:Pinterest:UseSandbox"] = "true" });
        pinterest.Json("/sandbox/v5/user_account", 200, new JsonObject { ["username"] = "tester" }, "GET");
        pinterest.Json("/v5/oauth/token", 200, new JsonObject { ["access_token"] = "pina_s", ["expires_in"] = 60 });

        var account = Assert.Single(await pinterest.OAuth.GetAccountsAsync(new OAuthTokens(PinterestFake.AccessToken, null, null, null, []), CancellationToken.None));
        await pinterest.OAuth.ExchangeCodeAsync("c", RedirectUri, null, CancellationToken.None);

        Assert.Equal("tester", account.ExternalId);
        Assert.Single(pinterest.Requests("/sandbox/v5/user_account"));
        Assert.Single(pinterest.Requests("/v5/oauth/token"));
    }
}
