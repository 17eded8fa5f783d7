using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using Nexus.Api.Platforms;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Nexus.Api.Tests.Platforms.TikTok;

public sealed class TikTokOAuthTests : IDisposable
{
    private static readonly Uri RedirectUri = new("https://nexus.example/oauth/callback/tiktok");
    private readonly TikTokFake _tiktok = new();

    public void Dispose() => _tiktok.Dispose();

    [Fact]
    public void the_authorize_url_carries_the_client_key_comma_separated_scopes_and_state_without_pkce()
    {
        var request = _tiktok.OAuth.BuildAuthorizationRequest("state-123", RedirectUri);

        Assert.StartsWith(_tiktok.Server.Url + "/v2/auth/authorize/?", request.Url.ToString());
        var query = QueryHelpers.ParseQuery(request.Url.Query);
        Assert.Equal("client-key-1", query["client_key"]);
        Assert.Equal("code", query["response_type"]);
        Assert.Equal("user.info.basic,video.publish,video.upload,user.info.stats,video.list", query["scope"]);
        Assert.Equal(RedirectUri.ToString(), query["redirect_uri"]);
        Assert.Equal("state-123", query["state"]);
        Assert.False(query.ContainsKey("code_challenge"));
        Assert.False(query.ContainsKey("client_secret"));
        Assert.Null(request.CodeVerifier);
    }

    [Fact]
    public async Task exchanging_a_code_posts_the_client_credentials_in_the_form_and_dates_expiry_from_expires_in()
    {
        _tiktok.Json("/v2/oauth/token/", 200, new
        {
            access_token = "act.new",
            expires_in = 86400,
            open_id = "open-1",
            refresh_expires_in = 31536000,
            refresh_token = "rft.new",
            scope = "user.info.basic,video.publish",
            token_type = "Bearer",
        });

        var tokens = await _tiktok.OAuth.ExchangeCodeAsync("code-1", RedirectUri, null, CancellationToken.None);

        Assert.Equal("act.new", tokens.AccessToken);
        Assert.Equal("rft.new", tokens.RefreshToken);
        Assert.Equal(TikTokFake.Now.AddDays(1), tokens.ExpiresAt);
        Assert.Equal(TikTokFake.Now.AddSeconds(31536000), tokens.RefreshExpiresAt);
        Assert.Equal(["user.info.basic", "video.publish"], tokens.Scopes);
        var sent = Assert.Single(_tiktok.Requests("/v2/oauth/token/"));
        Assert.Equal("POST", sent.Method);
        Assert.StartsWith("application/x-www-form-urlencoded", TikTokFake.Header(sent, "Content-Type"));
        Assert.Equal(new Dictionary<string, string>
        {
            ["client_key"] = "client-key-1",
            ["client_secret"] = "client-secret-1",
            ["code"] = "code-1",
            ["grant_type"] = "authorization_code",
            ["redirect_uri"] = RedirectUri.ToString(),
        }, TikTokFake.Form(sent));
    }

    [Fact]
    public async Task refreshing_returns_the_rotated_refresh_token_and_its_new_expiry()
    {
        _tiktok.Json("/v2/oauth/token/", 200, new
        {
            access_token = "act.2",
            expires_in = 7200,
            refresh_expires_in = 15552000,
            refresh_token = "rft.2",
            scope = "user.info.basic,video.publish",
        });
        var current = new OAuthTokens("act.1", "rft.1", TikTokFake.Now, TikTokFake.Now.AddDays(3), ["user.info.basic"]);

        var tokens = await _tiktok.OAuth.RefreshAsync(current, CancellationToken.None);

        Assert.Equal("act.2", tokens.AccessToken);
        Assert.Equal("rft.2", tokens.RefreshToken);
        Assert.Equal(TikTokFake.Now.AddHours(2), tokens.ExpiresAt);
        Assert.Equal(TikTokFake.Now.AddSeconds(15552000), tokens.RefreshExpiresAt);
        var form = TikTokFake.Form(Assert.Single(_tiktok.Requests("/v2/oauth/token/")));
        Assert.Equal("refresh_token", form["grant_type"]);
        Assert.Equal("rft.1", form["refresh_token"]);
        Assert.Equal("client-key-1", form["client_key"]);
        Assert.Equal("client-secret-1", form["client_secret"]);
    }

    [Fact]
    public async Task a_refresh_refused_with_invalid_grant_means_the_connection_needs_reauth()
    {
        _tiktok.Json("/v2/oauth/token/", 400, new { error = "invalid_grant", error_description = "Refresh token is invalid or expired.", log_id = "l" });

        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            _tiktok.OAuth.RefreshAsync(new OAuthTokens("act.1", "rft.dead", null, null, []), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.AuthExpired, error.Kind);
        Assert.Equal("invalid_grant", error.PlatformCode);
        Assert.Equal("Refresh token is invalid or expired.", error.Message);
        Assert.DoesNotContain("rft.dead", error.Message);
    }

    [Fact]
    public async Task a_bad_code_is_rejected()
    {
        _tiktok.Json("/v2/oauth/token/", 200, new { error = "invalid_grant", error_description = "Authorization code is expired.", log_id = "l" });

        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            _tiktok.OAuth.ExchangeCodeAsync("old", RedirectUri, null, CancellationToken.None));

        Assert.Equal(PlatformFailureKind.Rejected, error.Kind);
        Assert.Equal("Authorization code is expired.", error.Message);
    }

    [Fact]
    public async Task revoking_posts_the_token_in_the_form_never_in_the_url()
    {
        _tiktok.Server.Given(Request.Create().WithPath("/v2/oauth/revoke/").UsingPost()).RespondWith(Response.Create().WithStatusCode(200));

        await _tiktok.OAuth.RevokeAsync(new OAuthTokens(TikTokFake.AccessToken, "rft.1", null, null, []), CancellationToken.None);

        var sent = Assert.Single(_tiktok.Requests("/v2/oauth/revoke/"));
        var form = TikTokFake.Form(sent);
        Assert.Equal(TikTokFake.AccessToken, form["token"]);
        Assert.Equal("client-key-1", form["client_key"]);
        Assert.Equal("client-secret-1", form["client_secret"]);
        Assert.DoesNotContain(TikTokFake.AccessToken, sent.Url);
    }

    [Fact]
    public async Task the_account_is_the_creator_profile_with_the_username_when_user_info_profile_was_granted()
    {
        _tiktok.Json("/v2/user/info/", 200, new JsonObject
        {
            ["data"] = new JsonObject
            {
                ["user"] = new JsonObject
                {
                    ["open_id"] = "open-1",
                    ["union_id"] = "union-1",
                    ["avatar_url"] = "https://p16.tiktokcdn.example/a.jpeg",
                    ["display_name"] = "Creator One",
                    ["username"] = "creator.one",
                },
            },
            ["error"] = TikTokFake.Ok(),
        }, "GET");

        var accounts = await _tiktok.OAuth.GetAccountsAsync(
            new OAuthTokens(TikTokFake.AccessToken, null, null, null, ["user.info.basic", "user.info.profile"]), CancellationToken.None);

        var account = Assert.Single(accounts);
        Assert.Equal(new PlatformAccount("open-1", "Creator One", "creator.one", "https://p16.tiktokcdn.example/a.jpeg", AccountKind.Person), account);
        var sent = Assert.Single(_tiktok.Requests("/v2/user/info/"));
        // WireMock splits query values at commas.
        Assert.Equal("open_id,union_id,avatar_url,display_name,username", string.Join(',', sent.Query!["fields"]));
        Assert.Equal("Bearer " + TikTokFake.AccessToken, TikTokFake.Header(sent, "Authorization"));
        Assert.DoesNotContain(TikTokFake.AccessToken, sent.Url);
    }

    [Fact]
    public async Task without_user_info_profile_the_username_is_not_asked_for()
    {
        _tiktok.Json("/v2/user/info/", 200, new JsonObject
        {
            ["data"] = new JsonObject { ["user"] = new JsonObject { ["open_id"] = "open-1", ["display_name"] = "Creator One" } },
            ["error"] = TikTokFake.Ok(),
        }, "GET");

        var account = Assert.Single(await _tiktok.OAuth.GetAccountsAsync(
            new OAuthTokens(TikTokFake.AccessToken, null, null, null, ["user.info.basic"]), CancellationToken.None));

        Assert.Null(account.Handle);
        Assert.Equal("open_id,union_id,avatar_url,display_name", string.Join(',', Assert.Single(_tiktok.Requests("/v2/user/info/")).Query!["fields"]));
    }

    [Fact]
    public async Task an_invalid_access_token_is_auth_expired()
    {
        _tiktok.Json("/v2/user/info/", 401, new JsonObject
        {
            ["data"] = new JsonObject(),
            ["error"] = TikTokFake.Error("access_token_invalid", "The access token is invalid or not found in the request."),
        }, "GET");

        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            _tiktok.OAuth.GetAccountsAsync(new OAuthTokens("act.expired", null, null, null, []), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.AuthExpired, error.Kind);
        Assert.Equal("access_token_invalid", error.PlatformCode);
        Assert.Equal("The access token is invalid or not found in the request.", error.Message);
        // A 401 is not worth repeating.
        Assert.Single(_tiktok.Requests("/v2/user/info/"));
    }

    [Fact]
    public async Task a_failing_read_is_retried_by_the_pipeline()
    {
        _tiktok.Server.Given(Request.Create().WithPath("/v2/user/info/").UsingGet()).InScenario("flaky").WillSetStateTo("up")
            .RespondWith(Response.Create().WithStatusCode(503));
        _tiktok.Server.Given(Request.Create().WithPath("/v2/user/info/").UsingGet()).InScenario("flaky").WhenStateIs("up")
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(
                new JsonObject { ["data"] = new JsonObject { ["user"] = new JsonObject { ["open_id"] = "open-1" } }, ["error"] = TikTokFake.Ok() }.ToJsonString()));

        var account = Assert.Single(await _tiktok.OAuth.GetAccountsAsync(new OAuthTokens(TikTokFake.AccessToken, null, null, null, []), CancellationToken.None));

        Assert.Equal("open-1", account.ExternalId);
        Assert.Equal(2, _tiktok.Requests("/v2/user/info/").Count);
    }
}
