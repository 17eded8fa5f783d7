using Microsoft.AspNetCore.WebUtilities;
using Nexus.Api.Platforms;
using static Nexus.Api.Tests.Platforms.Instagram.InstagramFake;

namespace Nexus.Api.Tests.Platforms.Instagram;

public sealed class InstagramOAuthTests : IDisposable
{
    private static readonly Uri RedirectUri = new("https://nexus.example.com/oauth/callback/instagram");
    private readonly InstagramFake _fake = new();

    public void Dispose() => _fake.Dispose();

    [Fact]
    public void the_authorize_url_asks_instagram_login_for_the_business_scopes_with_state()
    {
        var request = _fake.OAuth.BuildAuthorizationRequest("state-123", RedirectUri);

        Assert.Null(request.CodeVerifier);
        Assert.Equal("https://www.instagram.com/oauth/authorize", request.Url.GetLeftPart(UriPartial.Path));
        var query = QueryHelpers.ParseQuery(request.Url.Query);
        Assert.Equal(AppId, query["client_id"]);
        Assert.Equal(RedirectUri.ToString(), query["redirect_uri"]);
        Assert.Equal("code", query["response_type"]);
        Assert.Equal("state-123", query["state"]);
        Assert.Equal(
            "instagram_business_basic,instagram_business_content_publish,instagram_business_manage_comments,instagram_business_manage_insights",
            query["scope"]);
        Assert.False(query.ContainsKey("code_challenge"));
        Assert.DoesNotContain(AppSecret, request.Url.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_code_is_exchanged_without_its_fragment_then_traded_for_a_long_lived_token()
    {
        _fake.Post("/oauth/access_token").RespondWith(Json(new
        {
            data = new[] { new { access_token = "IGQshort", user_id = IgUserId, permissions = "instagram_business_basic,instagram_business_content_publish" } },
        }));
        _fake.Get("/access_token").RespondWith(Json(new { access_token = "IGQlong", token_type = "bearer", expires_in = 5183944 }));

        var tokens = await _fake.OAuth.ExchangeCodeAsync("AQBx-code#_", RedirectUri, null, CancellationToken.None);

        Assert.Equal("IGQlong", tokens.AccessToken);
        Assert.Null(tokens.RefreshToken);
        Assert.Equal(_fake.Clock.Now.AddSeconds(5183944), tokens.ExpiresAt);
        Assert.Equal(["instagram_business_basic", "instagram_business_content_publish"], tokens.Scopes);

        var exchange = Assert.Single(_fake.Calls("POST", "/oauth/access_token"));
        Assert.StartsWith("application/x-www-form-urlencoded", Header(exchange, "Content-Type"), StringComparison.Ordinal);
        var form = Form(exchange);
        Assert.Equal("AQBx-code", form["code"]);
        Assert.Equal(AppId, form["client_id"]);
        Assert.Equal(AppSecret, form["client_secret"]);
        Assert.Equal("authorization_code", form["grant_type"]);
        Assert.Equal(RedirectUri.ToString(), form["redirect_uri"]);

        var longLived = Assert.Single(_fake.Calls("GET", "/access_token"));
        Assert.Equal("ig_exchange_token", Query(longLived, "grant_type"));
        Assert.Equal(AppSecret, Query(longLived, "client_secret"));
        Assert.Equal("IGQshort", Query(longLived, "access_token"));
    }

    [Fact]
    public async Task the_older_flat_token_answer_is_read_too()
    {
        _fake.Post("/oauth/access_token").RespondWith(Json(new { access_token = "IGQshort", user_id = 17841400000000001, permissions = new List<string> { "instagram_business_basic" } }));
        _fake.Get("/access_token").RespondWith(Json(new { access_token = "IGQlong", token_type = "bearer", expires_in = 5183944 }));

        var tokens = await _fake.OAuth.ExchangeCodeAsync("AQBx-code", RedirectUri, null, CancellationToken.None);

        Assert.Equal("IGQlong", tokens.AccessToken);
        Assert.Equal(["instagram_business_basic"], tokens.Scopes);
    }

    [Fact]
    public async Task a_refused_code_is_rejected_with_instagrams_message()
    {
        _fake.Post("/oauth/access_token").RespondWith(Json(new { error_type = "OAuthException", code = 400, error_message = "Invalid authorization code" }, 400));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => _fake.OAuth.ExchangeCodeAsync("AQBx-code", RedirectUri, null, CancellationToken.None));

        Assert.Equal(PlatformFailureKind.Rejected, failure.Kind);
        Assert.Equal("Invalid authorization code", failure.Message);
        Assert.Empty(_fake.Calls("GET", "/access_token"));
    }

    [Fact]
    public async Task a_token_older_than_a_day_is_refreshed_with_ig_refresh_token()
    {
        _fake.Get("/refresh_access_token").RespondWith(Json(new { access_token = "IGQrefreshed", token_type = "bearer", expires_in = 5183944 }));
        var current = new OAuthTokens("IGQlong", null, _fake.Clock.Now.AddDays(50), null, ["instagram_business_basic"]);

        var tokens = await _fake.OAuth.RefreshAsync(current, CancellationToken.None);

        Assert.Equal("IGQrefreshed", tokens.AccessToken);
        Assert.Equal(_fake.Clock.Now.AddSeconds(5183944), tokens.ExpiresAt);
        Assert.Equal(current.Scopes, tokens.Scopes);
        var refresh = Assert.Single(_fake.Calls("GET", "/refresh_access_token"));
        Assert.Equal("ig_refresh_token", Query(refresh, "grant_type"));
        Assert.Equal("IGQlong", Query(refresh, "access_token"));
    }

    [Fact]
    public async Task a_token_younger_than_a_day_is_returned_unchanged_without_a_call()
    {
        // Issued an hour ago: 60 days minus an hour left.
        var current = new OAuthTokens("IGQlong", null, _fake.Clock.Now.AddDays(60).AddHours(-1), null, ["instagram_business_basic"]);

        var tokens = await _fake.OAuth.RefreshAsync(current, CancellationToken.None);

        Assert.Same(current, tokens);
        Assert.Empty(_fake.Requests);
    }

    [Fact]
    public async Task an_expired_token_cannot_be_refreshed_and_needs_reauth()
    {
        var current = new OAuthTokens("IGQlong", null, _fake.Clock.Now.AddMinutes(-1), null, []);

        var failure = await Assert.ThrowsAsync<PlatformException>(() => _fake.OAuth.RefreshAsync(current, CancellationToken.None));

        Assert.Equal(PlatformFailureKind.AuthExpired, failure.Kind);
        Assert.Empty(_fake.Requests);
    }

    [Fact]
    public async Task a_refresh_meta_refuses_as_invalid_needs_reauth()
    {
        _fake.Get("/refresh_access_token").RespondWith(GraphError(400, 190, 460, "Error validating access token: The session has been invalidated because the user changed their password."));
        var current = new OAuthTokens("IGQlong", null, _fake.Clock.Now.AddDays(30), null, []);

        var failure = await Assert.ThrowsAsync<PlatformException>(() => _fake.OAuth.RefreshAsync(current, CancellationToken.None));

        Assert.Equal(PlatformFailureKind.AuthExpired, failure.Kind);
        Assert.Equal("190/460", failure.PlatformCode);
    }

    [Fact]
    public async Task the_account_is_the_professional_account_behind_the_token()
    {
        _fake.Get($"/{GraphVersion}/me").RespondWith(Json(new
        {
            user_id = IgUserId,
            username = "nexus.demo",
            name = "Nexus Demo",
            profile_picture_url = "https://cdn.example.com/avatar.jpg",
            id = "2600000000000042",
        }));

        var accounts = await _fake.OAuth.GetAccountsAsync(new OAuthTokens("IGQlong", null, null, null, []), CancellationToken.None);

        var account = Assert.Single(accounts);
        Assert.Equal(IgUserId, account.ExternalId);
        Assert.Equal("Nexus Demo", account.Name);
        Assert.Equal("nexus.demo", account.Handle);
        Assert.Equal("https://cdn.example.com/avatar.jpg", account.AvatarUrl);
        Assert.Equal(AccountKind.BusinessAccount, account.Kind);
        Assert.Null(account.AccessToken);

        var me = Assert.Single(_fake.Calls("GET", $"/{GraphVersion}/me"));
        Assert.Equal("user_id,username,name,profile_picture_url", Query(me, "fields"));
        Assert.Equal("Bearer IGQlong", Header(me, "Authorization"));
        Assert.Null(Query(me, "access_token"));
    }

    [Fact]
    public async Task an_expired_token_on_a_read_is_auth_expired()
    {
        _fake.Get($"/{GraphVersion}/me").RespondWith(GraphError(400, 190, 463, "Error validating access token: Session has expired on Sunday, 01-Nov-26 10:00:00 PST."));

        var failure = await Assert.ThrowsAsync<PlatformException>(() =>
            _fake.OAuth.GetAccountsAsync(new OAuthTokens("IGQlong", null, null, null, []), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.AuthExpired, failure.Kind);
        Assert.Equal("190/463", failure.PlatformCode);
        Assert.Equal(PlatformId.Instagram, failure.Platform);
    }

    [Fact]
    public async Task revoking_calls_nothing_as_instagram_login_has_no_revocation()
    {
        await _fake.OAuth.RevokeAsync(new OAuthTokens("IGQlong", null, null, null, []), CancellationToken.None);

        Assert.Empty(_fake.Requests);
    }

    [Fact]
    public async Task secrets_in_query_strings_never_reach_logs_or_messages()
    {
        _fake.Post("/oauth/access_token").RespondWith(Json(new { access_token = "IGQshort-secret-1", user_id = IgUserId, permissions = "instagram_business_basic" }));
        _fake.Get("/access_token").RespondWith(Json(new { access_token = "IGQlong-secret-2", token_type = "bearer", expires_in = 5183944 }));
        // A refresh that fails on the server (retried by the pipeline, whose telemetry logs), then one that echoes the token.
        _fake.Get("/refresh_access_token").InScenario("refresh").WillSetStateTo("echo").RespondWith(Response500());
        _fake.Get("/refresh_access_token").InScenario("refresh").WhenStateIs("echo")
            .RespondWith(GraphError(400, 190, 467, "Invalid OAuth access token: IGQlong-secret-2 cannot be parsed"));

        var tokens = await _fake.OAuth.ExchangeCodeAsync("code-secret-3#_", RedirectUri, null, CancellationToken.None);
        var failure = await Assert.ThrowsAsync<PlatformException>(() =>
            _fake.OAuth.RefreshAsync(tokens with { ExpiresAt = _fake.Clock.Now.AddDays(10) }, CancellationToken.None));

        Assert.Equal(PlatformFailureKind.AuthExpired, failure.Kind);
        Assert.DoesNotContain("IGQlong-secret-2", failure.ToString(), StringComparison.Ordinal);
        Assert.Equal(2, _fake.Calls("GET", "/refresh_access_token").Count);
        // Something was logged (the retry), and none of it carries a secret.
        Assert.NotEmpty(_fake.Logs.Entries);
        // No request URI is logged at all: .NET redacts query strings by default, but an AppContext switch
        // (System.Net.Http.DisableUriRedaction) turns that off, and Meta's token calls carry secrets there.
        Assert.DoesNotContain(_fake.Server.Url!, _fake.Logs.Text, StringComparison.Ordinal);
        foreach (var secret in new[] { "IGQshort-secret-1", "IGQlong-secret-2", "code-secret-3", AppSecret })
        {
            Assert.DoesNotContain(secret, _fake.Logs.Text, StringComparison.Ordinal);
        }
    }

    private static WireMock.ResponseBuilders.IResponseBuilder Response500() =>
        WireMock.ResponseBuilders.Response.Create().WithStatusCode(500).WithBody("upstream error");
}
