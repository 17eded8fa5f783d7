using Microsoft.AspNetCore.WebUtilities;
using Nexus.Api.Platforms;
using WireMock.RequestBuilders;
using static Nexus.Api.Tests.Platforms.Facebook.FacebookFake;

namespace Nexus.Api.Tests.Platforms.Facebook;

public sealed class FacebookOAuthTests : IDisposable
{
    private const string TokenPath = $"/{GraphVersion}/oauth/access_token";
    private const string PermissionsPath = $"/{GraphVersion}/me/permissions";
    private const string AccountsPath = $"/{GraphVersion}/me/accounts";
    private static readonly Uri RedirectUri = new("https://nexus.example.com/oauth/callback/facebook");
    private readonly FacebookFake _fake = new();

    public void Dispose() => _fake.Dispose();

    private void TokenEndpoints(string shortToken = "EAAGshort", string longToken = "EAAGlong")
    {
        _fake.Get(TokenPath).AtPriority(Fallback).RespondWith(Json(new { access_token = shortToken, token_type = "bearer", expires_in = 5400 }));
        _fake.Server.Given(Request.Create().WithPath(TokenPath).UsingGet().WithParam("grant_type", "fb_exchange_token")).AtPriority(1)
            .RespondWith(Json(new { access_token = longToken, token_type = "bearer", expires_in = 5183944 }));
        _fake.Get(PermissionsPath).RespondWith(Json(new
        {
            data = new[]
            {
                new { permission = "pages_show_list", status = "granted" },
                new { permission = "pages_manage_posts", status = "granted" },
                new { permission = "publish_video", status = "declined" },
            },
        }));
    }

    [Fact]
    public void the_authorize_url_opens_the_facebook_dialog_with_page_scopes_and_state()
    {
        var request = _fake.OAuth.BuildAuthorizationRequest("state-xyz", RedirectUri);

        Assert.Null(request.CodeVerifier);
        Assert.Equal($"https://www.facebook.com/{GraphVersion}/dialog/oauth", request.Url.GetLeftPart(UriPartial.Path));
        var query = QueryHelpers.ParseQuery(request.Url.Query);
        Assert.Equal(AppId, query["client_id"]);
        Assert.Equal(RedirectUri.ToString(), query["redirect_uri"]);
        Assert.Equal("state-xyz", query["state"]);
        Assert.Equal("code", query["response_type"]);
        Assert.Equal("pages_show_list,pages_read_engagement,pages_manage_posts,publish_video,pages_manage_metadata,read_insights", query["scope"]);
        Assert.DoesNotContain(AppSecret, request.Url.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_code_is_exchanged_then_the_user_token_made_long_lived_and_its_grants_read()
    {
        TokenEndpoints();

        var tokens = await _fake.OAuth.ExchangeCodeAsync("AQD-code", RedirectUri, null, CancellationToken.None);

        Assert.Equal("EAAGlong", tokens.AccessToken);
        Assert.Null(tokens.RefreshToken);
        Assert.Equal(_fake.Clock.Now.AddSeconds(5183944), tokens.ExpiresAt);
        Assert.Equal(["pages_show_list", "pages_manage_posts"], tokens.Scopes);

        var calls = _fake.Calls("GET", TokenPath);
        Assert.Equal(2, calls.Count);
        Assert.Equal(AppId, Query(calls[0], "client_id"));
        Assert.Equal(RedirectUri.ToString(), Query(calls[0], "redirect_uri"));
        Assert.Equal(AppSecret, Query(calls[0], "client_secret"));
        Assert.Equal("AQD-code", Query(calls[0], "code"));
        Assert.Equal("fb_exchange_token", Query(calls[1], "grant_type"));
        Assert.Equal(AppId, Query(calls[1], "client_id"));
        Assert.Equal(AppSecret, Query(calls[1], "client_secret"));
        Assert.Equal("EAAGshort", Query(calls[1], "fb_exchange_token"));
        Assert.Equal("Bearer EAAGlong", Header(Assert.Single(_fake.Calls("GET", PermissionsPath)), "Authorization"));
    }

    [Fact]
    public async Task refreshing_exchanges_the_long_lived_token_again()
    {
        TokenEndpoints(longToken: "EAAGrenewed");
        var current = new OAuthTokens("EAAGlong", null, _fake.Clock.Now.AddDays(20), null, ["pages_manage_posts"]);

        var tokens = await _fake.OAuth.RefreshAsync(current, CancellationToken.None);

        Assert.Equal("EAAGrenewed", tokens.AccessToken);
        Assert.Equal(_fake.Clock.Now.AddSeconds(5183944), tokens.ExpiresAt);
        Assert.Equal(current.Scopes, tokens.Scopes);
        Assert.Equal("EAAGlong", Query(Assert.Single(_fake.Calls("GET", TokenPath)), "fb_exchange_token"));
    }

    [Fact]
    public async Task an_expired_user_token_cannot_be_refreshed_and_needs_reauth()
    {
        var current = new OAuthTokens("EAAGlong", null, _fake.Clock.Now.AddSeconds(-1), null, []);

        var failure = await Assert.ThrowsAsync<PlatformException>(() => _fake.OAuth.RefreshAsync(current, CancellationToken.None));

        Assert.Equal(PlatformFailureKind.AuthExpired, failure.Kind);
        Assert.Empty(_fake.Requests);
    }

    [Fact]
    public async Task a_token_meta_invalidated_is_auth_expired()
    {
        _fake.Get(TokenPath).RespondWith(GraphError(400, 190, 460, "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons."));

        var failure = await Assert.ThrowsAsync<PlatformException>(() =>
            _fake.OAuth.RefreshAsync(new OAuthTokens("EAAGlong", null, null, null, []), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.AuthExpired, failure.Kind);
        Assert.Equal("190/460", failure.PlatformCode);
    }

    [Fact]
    public async Task revoking_deletes_the_users_permissions()
    {
        _fake.Server.Given(Request.Create().WithPath(PermissionsPath).UsingDelete()).RespondWith(Json(new { success = true }));

        await _fake.OAuth.RevokeAsync(new OAuthTokens("EAAGlong", null, null, null, []), CancellationToken.None);

        var revoke = Assert.Single(_fake.Calls("DELETE", PermissionsPath));
        Assert.Equal("Bearer EAAGlong", Header(revoke, "Authorization"));
        Assert.Null(Query(revoke, "access_token"));
    }

    [Fact]
    public async Task accounts_are_the_pages_the_user_can_publish_to_with_their_page_tokens()
    {
        _fake.Get(AccountsPath).AtPriority(Fallback).RespondWith(Json(new
        {
            data = new object[]
            {
                new
                {
                    access_token = "EAAGpage-1", category = "Media", name = "Metricsaurus", id = PageId, username = "metricsaurus",
                    picture = new { data = new { url = "https://cdn.example.com/page.jpg", is_silhouette = false } },
                    tasks = new List<string> { "ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE" },
                },
                new { access_token = "EAAGpage-2", name = "Read only", id = "222", tasks = new List<string> { "ANALYZE" } },
            },
            paging = new { cursors = new { before = "MTc1", after = "MjIy" }, next = "https://graph.facebook.com/v24.0/me/accounts?after=MjIy" },
        }));
        _fake.Server.Given(Request.Create().WithPath(AccountsPath).UsingGet().WithParam("after", "MjIy")).AtPriority(1).RespondWith(Json(new
        {
            data = new[] { new { access_token = "EAAGpage-3", name = "Second page", id = "333", tasks = new List<string> { "CREATE_CONTENT" } } },
            paging = new { cursors = new { before = "MzMz", after = "MzMz" } },
        }));

        var accounts = await _fake.OAuth.GetAccountsAsync(new OAuthTokens("EAAGlong", null, null, null, []), CancellationToken.None);

        Assert.Equal(2, accounts.Count);
        Assert.Equal(new PlatformAccount(PageId, "Metricsaurus", "metricsaurus", "https://cdn.example.com/page.jpg", AccountKind.Page, "EAAGpage-1"), accounts[0]);
        Assert.Equal(new PlatformAccount("333", "Second page", null, null, AccountKind.Page, "EAAGpage-3"), accounts[1]);

        var calls = _fake.Calls("GET", AccountsPath);
        Assert.Equal(2, calls.Count);
        Assert.All(calls, c => Assert.Equal("Bearer EAAGlong", Header(c, "Authorization")));
        Assert.Equal("id,name,username,access_token,picture{url},tasks", Query(calls[0], "fields"));
        Assert.Null(Query(calls[0], "after"));
        Assert.Equal("MjIy", Query(calls[1], "after"));
    }

    [Fact]
    public async Task secrets_in_query_strings_never_reach_logs_or_messages()
    {
        _fake.Get(TokenPath).AtPriority(Fallback).RespondWith(Json(new { access_token = "EAAGshort-secret-1", expires_in = 5400 }));
        // The long-lived exchange fails on the server (the pipeline retries GETs and its telemetry logs), then
        // answers with an error that echoes what it was sent.
        _fake.Server.Given(Request.Create().WithPath(TokenPath).UsingGet().WithParam("grant_type", "fb_exchange_token"))
            .InScenario("exchange").WillSetStateTo("echo").AtPriority(1).RespondWith(GraphError(500, 2, null, "Service temporarily unavailable"));
        _fake.Server.Given(Request.Create().WithPath(TokenPath).UsingGet().WithParam("grant_type", "fb_exchange_token"))
            .InScenario("exchange").WhenStateIs("echo").AtPriority(1)
            .RespondWith(GraphError(400, 100, null, $"Invalid parameter fb_exchange_token=EAAGshort-secret-1&client_secret={AppSecret}"));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => _fake.OAuth.ExchangeCodeAsync("code-secret-2", RedirectUri, null, CancellationToken.None));

        Assert.Equal(PlatformFailureKind.Rejected, failure.Kind);
        Assert.Equal("Invalid parameter fb_exchange_token=[redacted]&client_secret=[redacted]", failure.Message);
        Assert.NotEmpty(_fake.Logs.Entries);
        Assert.DoesNotContain(_fake.Server.Url!, _fake.Logs.Text, StringComparison.Ordinal);
        foreach (var secret in new[] { "EAAGshort-secret-1", "code-secret-2", AppSecret })
        {
            Assert.DoesNotContain(secret, _fake.Logs.Text, StringComparison.Ordinal);
        }
    }
}
