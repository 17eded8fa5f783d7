using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Accounts.SigningIn;

/// <summary>The API with a service client and the strict refresh-token reuse policy.</summary>
public sealed class IdentityFixture : ApiFixture
{
    public const string ServiceClientId = "reporting-service";
    public const string ServiceClientSecret = "s3rvice-secret-for-tests-only";

    protected override string Purpose => "identity";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        [$"Nexus:Auth:ServiceClients:{ServiceClientId}"] = ServiceClientSecret,
        ["Nexus:Auth:LockoutThreshold"] = "3",
        ["Nexus:Auth:EmailLockoutThreshold"] = "6",
        // Lets a test sign in from several client addresses (X-Forwarded-For).
        ["Nexus:ForwardedHeaders"] = "true",
    };
}

public sealed class SignInTests(IdentityFixture api) : IClassFixture<IdentityFixture>
{
    private const string MeQuery = "{ me { id email displayName } }";
    private const string RedirectUri = "http://localhost:5173/auth/callback";

    [Fact]
    public async Task the_password_grant_issues_tokens_that_the_api_accepts()
    {
        var (email, _, tokens) = await api.Host.SignedUpUserAsync("Ada");

        var response = await api.Host.PostGraphQLAsync(tokens.AccessToken, MeQuery);

        Assert.Equal(200, response.Status);
        Assert.Equal(email, response.Data.GetProperty("me").GetProperty("email").GetString());
        Assert.False(string.IsNullOrEmpty(tokens.RefreshToken));
    }

    [Fact]
    public async Task me_is_null_for_anonymous_callers()
    {
        var data = await api.Host.QueryAsync(MeQuery);

        Assert.Equal(JsonValueKind.Null, data.GetProperty("me").ValueKind);
    }

    [Theory]
    [InlineData("not-a-token")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl")]
    public async Task an_invalid_token_is_unauthenticated_even_for_public_fields(string token)
    {
        var response = await api.Host.PostGraphQLAsync(token, MeQuery);

        Assert.Equal(401, response.Status);
        Assert.Equal(["UNAUTHENTICATED"], response.ErrorCodes);
        Assert.Contains("invalid_token", response.Raw.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task a_tampered_token_is_unauthenticated()
    {
        var (_, _, tokens) = await api.Host.SignedUpUserAsync();
        var token = tokens.AccessToken;
        var tampered = token[..^6] + (token[^6] == 'A' ? 'B' : 'A') + token[^5..];

        var response = await api.Host.PostGraphQLAsync(tampered, MeQuery);

        Assert.Equal(401, response.Status);
    }

    [Fact]
    public async Task a_token_for_another_audience_is_unauthenticated()
    {
        var (_, _, tokens) = await api.Host.SignedUpUserAsync();
        // The ID token is addressed to the client (aud = nexus-cli), not to the API.
        var idToken = tokens.Body.GetProperty("id_token").GetString()!;

        var response = await api.Host.PostGraphQLAsync(idToken, MeQuery);

        Assert.Equal(401, response.Status);
        Assert.Equal(["UNAUTHENTICATED"], response.ErrorCodes);
    }

    [Fact]
    public async Task a_wrong_password_and_an_unknown_email_get_the_same_answer()
    {
        var (email, _, _) = await api.Host.SignedUpUserAsync();

        var wrongPassword = await api.Host.PasswordGrantAsync(email, "not the right password at all");
        var unknownEmail = await api.Host.PasswordGrantAsync($"nobody-{Guid.NewGuid():N}@example.com", "not the right password at all");

        Assert.Equal("invalid_grant", wrongPassword.Error);
        Assert.Equal(wrongPassword.Status, unknownEmail.Status);
        Assert.Equal(wrongPassword.ErrorDescription, unknownEmail.ErrorDescription);
    }

    [Fact]
    public async Task repeated_failures_lock_the_account_even_for_the_right_password()
    {
        var (email, password, _) = await api.Host.SignedUpUserAsync();
        for (var i = 0; i < 3; i++)
        {
            await api.Host.PasswordGrantAsync(email, "wrong password " + i);
        }

        var locked = await api.Host.PasswordGrantAsync(email, password);

        Assert.Equal("invalid_grant", locked.Error);
        Assert.Contains("Too many", locked.ErrorDescription);
    }

    [Fact]
    public async Task only_the_cli_client_may_use_the_password_grant()
    {
        var (email, password, _) = await api.Host.SignedUpUserAsync();

        var response = await api.Host.PasswordGrantAsync(email, password, clientId: "nexus-web");

        Assert.Equal(400, response.Status);
        Assert.Equal("unauthorized_client", response.Error);
    }

    [Fact]
    public async Task refreshing_rotates_the_refresh_token()
    {
        var (_, _, tokens) = await api.Host.SignedUpUserAsync();

        var refreshed = await api.Host.RefreshAsync(tokens.RefreshToken);

        Assert.Equal(200, refreshed.Status);
        Assert.NotEqual(tokens.RefreshToken, refreshed.RefreshToken);
        Assert.Equal(200, (await api.Host.PostGraphQLAsync(refreshed.AccessToken, MeQuery)).Status);
    }

    [Fact]
    public async Task a_replayed_refresh_token_revokes_its_whole_family()
    {
        var (_, _, tokens) = await api.Host.SignedUpUserAsync();
        var rotated = await api.Host.RefreshAsync(tokens.RefreshToken);

        var replay = await api.Host.RefreshAsync(tokens.RefreshToken);

        Assert.Equal("invalid_grant", replay.Error);
        Assert.Equal("invalid_grant", (await api.Host.RefreshAsync(rotated.RefreshToken)).Error);
        Assert.Equal(401, (await api.Host.PostGraphQLAsync(rotated.AccessToken, MeQuery)).Status);
    }

    [Fact]
    public async Task a_revoked_refresh_token_cannot_be_used()
    {
        var (_, _, tokens) = await api.Host.SignedUpUserAsync();
        using var client = api.Host.Server.CreateClient();

        var revoke = await client.PostAsync("/connect/revoke", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = "nexus-cli",
            ["token"] = tokens.RefreshToken,
            ["token_type_hint"] = "refresh_token",
        }));

        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.Equal("invalid_grant", (await api.Host.RefreshAsync(tokens.RefreshToken)).Error);
    }

    [Fact]
    public async Task a_service_client_gets_a_token_with_client_credentials()
    {
        var tokens = await api.Host.TokenAsync(new()
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = IdentityFixture.ServiceClientId,
            ["client_secret"] = IdentityFixture.ServiceClientSecret,
            ["scope"] = "nexus",
        });

        Assert.Equal(200, tokens.Status);
        var response = await api.Host.PostGraphQLAsync(tokens.AccessToken, "{ me { id } platforms { id } }");
        Assert.Equal(200, response.Status);
        Assert.Equal(JsonValueKind.Null, response.Data.GetProperty("me").ValueKind);
        Assert.Equal(8, response.Data.GetProperty("platforms").GetArrayLength());
    }

    [Fact]
    public async Task a_service_client_can_introspect_its_tokens_but_not_other_clients_tokens()
    {
        var (_, _, user) = await api.Host.SignedUpUserAsync();
        var own = await api.Host.TokenAsync(new()
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = IdentityFixture.ServiceClientId,
            ["client_secret"] = IdentityFixture.ServiceClientSecret,
            ["scope"] = "nexus",
        });

        var mine = await IntrospectAsync(own.AccessToken);
        var theirs = await IntrospectAsync(user.AccessToken);

        Assert.True(mine.GetProperty("active").GetBoolean(), mine.ToString());
        Assert.Equal(IdentityFixture.ServiceClientId, mine.GetProperty("client_id").GetString());
        // OpenIddict answers only a token's audiences and presenters; anyone else learns nothing about it.
        Assert.False(theirs.GetProperty("active").GetBoolean());
    }

    private async Task<JsonElement> IntrospectAsync(string token)
    {
        using var client = api.Host.Server.CreateClient();
        var response = await client.PostAsync("/connect/introspect", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = IdentityFixture.ServiceClientId,
            ["client_secret"] = IdentityFixture.ServiceClientSecret,
            ["token"] = token,
        }));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    [Fact]
    public async Task signing_out_ends_the_browser_session()
    {
        var (email, password, _) = await api.Host.SignedUpUserAsync();
        using var browser = new Browser(api.Host);
        var form = Browser.HiddenFields(await (await browser.GetAsync("/account/login")).Content.ReadAsStringAsync());
        form["email"] = email;
        form["password"] = password;
        await browser.PostFormAsync("/account/login", form);
        Assert.Contains("You are signed in.", await (await browser.GetAsync("/account/login")).Content.ReadAsStringAsync());

        var logout = Browser.HiddenFields(await (await browser.GetAsync("/account/logout")).Content.ReadAsStringAsync());
        var signedOut = await browser.PostFormAsync("/account/logout", logout);

        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.DoesNotContain("You are signed in.", await (await browser.GetAsync("/account/login")).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task the_end_session_endpoint_signs_the_browser_out()
    {
        var (email, password, _) = await api.Host.SignedUpUserAsync();
        using var browser = new Browser(api.Host);
        var form = Browser.HiddenFields(await (await browser.GetAsync("/account/login")).Content.ReadAsStringAsync());
        form["email"] = email;
        form["password"] = password;
        await browser.PostFormAsync("/account/login", form);

        var confirmation = await browser.GetAsync("/connect/logout");
        var endSession = await browser.FollowAsync(await browser.PostFormAsync("/connect/logout", Browser.HiddenFields(await confirmation.Content.ReadAsStringAsync())));

        Assert.Equal(HttpStatusCode.OK, endSession.StatusCode);
        Assert.DoesNotContain("You are signed in.", await endSession.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task the_end_session_endpoint_asks_before_signing_out()
    {
        using var browser = await SignedInBrowserAsync();

        // Any site can send a browser here: the GET only asks.
        var confirmation = await browser.GetAsync($"/connect/logout?client_id=nexus-web&post_logout_redirect_uri={Uri.EscapeDataString("http://localhost:5173/")}&state=bye");
        var html = await confirmation.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, confirmation.StatusCode);
        Assert.Contains("<form method=\"post\" action=\"/connect/logout\">", html);
        Assert.Equal("bye", Browser.HiddenFields(html)["state"]);
        Assert.True(await IsSignedInAsync(browser));

        // Without the antiforgery token (a cross-site form post) nothing happens either.
        var forged = await browser.PostFormAsync("/connect/logout", new() { ["client_id"] = "nexus-web" });
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.True(await IsSignedInAsync(browser));

        var signedOut = await browser.PostFormAsync("/connect/logout", Browser.HiddenFields(html));
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.StartsWith("http://localhost:5173/", signedOut.Headers.Location!.ToString());
        Assert.Equal("bye", Browser.QueryOf(signedOut.Headers.Location)["state"]);
        Assert.False(await IsSignedInAsync(browser));
    }

    [Theory]
    [InlineData("/connect/authorize?client_id=nexus-web&x=\t")]
    [InlineData("/\t/evil.example.com")]
    [InlineData("/account/login\r\nSet-Cookie: x=y")]
    public async Task a_return_url_with_a_control_character_is_not_followed(string returnUrl)
    {
        var (email, password, _) = await api.Host.SignedUpUserAsync();
        using var browser = new Browser(api.Host);
        var form = Browser.HiddenFields(await (await browser.GetAsync("/account/login")).Content.ReadAsStringAsync());
        form["email"] = email;
        form["password"] = password;
        form["returnUrl"] = returnUrl;

        var response = await browser.PostFormAsync("/account/login", form);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/account/login", response.Headers.Location!.ToString());
        Assert.True(await IsSignedInAsync(browser));
    }

    [Fact]
    public async Task a_token_without_the_nexus_scope_is_forbidden_at_graphql()
    {
        var token = await OpenIdOnlyTokenAsync();

        var response = await api.Host.PostGraphQLAsync(token, MeQuery);

        Assert.Equal(403, response.Status);
        Assert.Equal(["FORBIDDEN"], response.ErrorCodes);
        Assert.Contains("insufficient_scope", response.Raw.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task a_token_without_the_nexus_scope_is_refused_at_websocket_initialisation()
    {
        var token = await OpenIdOnlyTokenAsync();
        await using var socket = await GraphQLWebSocketClient.ConnectAsync(api.Host);

        await socket.InitAsync(token);

        Assert.Equal((WebSocketCloseStatus)4403, await socket.ClosedAsync());
    }

    [Fact]
    public async Task a_token_without_the_nexus_scope_still_reads_userinfo()
    {
        var response = await UserInfoAsync(await OpenIdOnlyTokenAsync());

        Assert.Equal(HttpStatusCode.OK, response.Status);
    }

    [Fact]
    public async Task userinfo_tells_whether_the_email_is_verified()
    {
        var email = $"v-{Guid.NewGuid():N}@example.com";
        await api.Host.RunAsync(() => api.Host.SignUpViaGraphQLAsync(email));
        var tokens = await api.Host.PasswordGrantAsync(email, "correct horse battery staple");
        var before = (await UserInfoAsync(tokens.AccessToken)).Body;

        var verified = await api.Host.PostGraphQLAsync("mutation ($t: String!) { verifyEmail(input: { token: $t }) { done } }",
            new { t = api.Host.TokenFromMail(email, "verify-email") });
        var after = (await UserInfoAsync(tokens.AccessToken)).Body;

        Assert.True(verified.Data.GetProperty("verifyEmail").GetProperty("done").GetBoolean());
        Assert.False(before.GetProperty("email_verified").GetBoolean());
        Assert.True(after.GetProperty("email_verified").GetBoolean());
    }

    [Fact]
    public async Task failures_from_one_address_lock_only_that_address_out()
    {
        var (email, password, _) = await api.Host.SignedUpUserAsync();
        for (var i = 0; i < 3; i++)
        {
            await PasswordGrantFromAsync("203.0.113.7", email, "wrong password " + i);
        }

        var guesser = await PasswordGrantFromAsync("203.0.113.7", email, password);
        var owner = await PasswordGrantFromAsync("198.51.100.20", email, password);

        Assert.Contains("Too many", guesser.ErrorDescription);
        Assert.True(owner.Status == 200, owner.Body.ToString());
    }

    [Fact]
    public async Task failures_from_many_addresses_lock_the_email_at_its_own_higher_threshold()
    {
        var (email, password, _) = await api.Host.SignedUpUserAsync();
        // Two failures from each of three addresses: none reaches the per-address threshold (3), together they
        // reach the email's (6).
        foreach (var address in new[] { "203.0.113.1", "203.0.113.2", "203.0.113.3" })
        {
            for (var i = 0; i < 2; i++)
            {
                await PasswordGrantFromAsync(address, email, "wrong password " + i);
            }
        }

        var elsewhere = await PasswordGrantFromAsync("198.51.100.99", email, password);

        Assert.Contains("Too many", elsewhere.ErrorDescription);
    }

    [Fact]
    public async Task failures_below_the_email_threshold_leave_other_addresses_free()
    {
        var (email, password, _) = await api.Host.SignedUpUserAsync();
        foreach (var address in new[] { "203.0.113.11", "203.0.113.12" })
        {
            for (var i = 0; i < 2; i++)
            {
                await PasswordGrantFromAsync(address, email, "wrong password " + i);
            }
        }

        Assert.Equal(200, (await PasswordGrantFromAsync("198.51.100.98", email, password)).Status);
    }

    private async Task<Browser> SignedInBrowserAsync()
    {
        var (email, password, _) = await api.Host.SignedUpUserAsync();
        var browser = new Browser(api.Host);
        var form = Browser.HiddenFields(await (await browser.GetAsync("/account/login")).Content.ReadAsStringAsync());
        form["email"] = email;
        form["password"] = password;
        await browser.PostFormAsync("/account/login", form);
        Assert.True(await IsSignedInAsync(browser));
        return browser;
    }

    private static async Task<bool> IsSignedInAsync(Browser browser) =>
        (await (await browser.GetAsync("/account/login")).Content.ReadAsStringAsync()).Contains("You are signed in.", StringComparison.Ordinal);

    private async Task<string> OpenIdOnlyTokenAsync()
    {
        var (email, password, _) = await api.Host.SignedUpUserAsync();
        var tokens = await api.Host.TokenAsync(new()
        {
            ["grant_type"] = "password",
            ["client_id"] = "nexus-cli",
            ["username"] = email,
            ["password"] = password,
            ["scope"] = "openid",
        });
        Assert.True(tokens.Status == 200, tokens.Body.ToString());
        return tokens.AccessToken;
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> UserInfoAsync(string accessToken)
    {
        using var client = api.Host.Server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo");
        request.Headers.Authorization = new("Bearer", accessToken);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private async Task<TokenResponse> PasswordGrantFromAsync(string address, string email, string password)
    {
        using var client = api.Host.Server.CreateClient();
        client.DefaultRequestHeaders.Add("X-Forwarded-For", address);
        using var response = await client.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "password",
            ["client_id"] = "nexus-cli",
            ["username"] = email,
            ["password"] = password,
            ["scope"] = OAuthClient.ApiScopes,
        }));
        return new TokenResponse((int)response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    [Fact]
    public async Task a_wrong_client_secret_is_refused()
    {
        var tokens = await api.Host.TokenAsync(new()
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = IdentityFixture.ServiceClientId,
            ["client_secret"] = "nope",
        });

        Assert.Equal("invalid_client", tokens.Error);
    }

    [Fact]
    public async Task the_authorization_code_flow_with_pkce_signs_in_through_the_sign_in_page()
    {
        var (email, password, _) = await api.Host.SignedUpUserAsync("Grace");
        var (verifier, challenge) = OAuthClient.Pkce();
        using var browser = new Browser(api.Host);

        var authorize = $"/connect/authorize?client_id=nexus-web&response_type=code&scope={Uri.EscapeDataString(OAuthClient.ApiScopes)}" +
            $"&redirect_uri={Uri.EscapeDataString(RedirectUri)}&state=xyz&code_challenge={challenge}&code_challenge_method=S256";
        var loginPage = await browser.FollowAsync(await browser.GetAsync(authorize));
        var html = await loginPage.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, loginPage.StatusCode);
        Assert.Contains("<label for=\"email\">", html);

        var form = Browser.HiddenFields(html);
        form["email"] = email;
        form["password"] = password;
        var callback = await browser.FollowAsync(await browser.PostFormAsync("/account/login", form));

        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        Assert.StartsWith(RedirectUri, callback.Headers.Location!.ToString());
        var query = Browser.QueryOf(callback.Headers.Location);
        Assert.Equal("xyz", query["state"]);

        var tokens = await api.Host.TokenAsync(new()
        {
            ["grant_type"] = "authorization_code",
            ["client_id"] = "nexus-web",
            ["code"] = query["code"],
            ["redirect_uri"] = RedirectUri,
            ["code_verifier"] = verifier,
        });
        Assert.True(tokens.Status == 200, tokens.Body.ToString());
        var me = await api.Host.PostGraphQLAsync(tokens.AccessToken, MeQuery);
        Assert.Equal("Grace", me.Data.GetProperty("me").GetProperty("displayName").GetString());
        Assert.True(tokens.Body.TryGetProperty("id_token", out _));
    }

    [Fact]
    public async Task the_authorization_code_flow_requires_pkce()
    {
        using var browser = new Browser(api.Host);

        var response = await browser.GetAsync(
            $"/connect/authorize?client_id=nexus-web&response_type=code&scope=openid&redirect_uri={Uri.EscapeDataString(RedirectUri)}&state=s");

        var location = response.Headers.Location?.ToString() ?? "";
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest || location.Contains("error=invalid_request", StringComparison.Ordinal),
            $"{response.StatusCode} {location}");
    }

    [Fact]
    public async Task a_code_cannot_be_redeemed_with_the_wrong_verifier()
    {
        var (email, password, _) = await api.Host.SignedUpUserAsync();
        var (_, challenge) = OAuthClient.Pkce();
        using var browser = new Browser(api.Host);
        var loginPage = await browser.FollowAsync(await browser.GetAsync(
            $"/connect/authorize?client_id=nexus-web&response_type=code&scope=openid%20nexus&redirect_uri={Uri.EscapeDataString(RedirectUri)}&code_challenge={challenge}&code_challenge_method=S256"));
        var form = Browser.HiddenFields(await loginPage.Content.ReadAsStringAsync());
        form["email"] = email;
        form["password"] = password;
        var callback = await browser.FollowAsync(await browser.PostFormAsync("/account/login", form));

        var tokens = await api.Host.TokenAsync(new()
        {
            ["grant_type"] = "authorization_code",
            ["client_id"] = "nexus-web",
            ["code"] = Browser.QueryOf(callback.Headers.Location!)["code"],
            ["redirect_uri"] = RedirectUri,
            ["code_verifier"] = OAuthClient.Pkce().Verifier,
        });

        Assert.Equal("invalid_grant", tokens.Error);
    }

    [Fact]
    public async Task the_sign_in_page_shows_one_generic_message_for_bad_credentials()
    {
        var (email, _, _) = await api.Host.SignedUpUserAsync();
        using var browser = new Browser(api.Host);
        var form = Browser.HiddenFields(await (await browser.GetAsync("/account/login")).Content.ReadAsStringAsync());

        form["email"] = email;
        form["password"] = "definitely not it";
        var wrongPassword = await (await browser.PostFormAsync("/account/login", form)).Content.ReadAsStringAsync();
        form["email"] = $"ghost-{Guid.NewGuid():N}@example.com";
        var unknown = await browser.PostFormAsync("/account/login", form);

        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Contains("The email or password is incorrect.", wrongPassword);
        Assert.Contains("The email or password is incorrect.", await unknown.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task the_sign_in_page_refuses_a_post_without_the_antiforgery_token()
    {
        var (email, password, _) = await api.Host.SignedUpUserAsync();
        using var browser = new Browser(api.Host);

        var response = await browser.PostFormAsync("/account/login", new() { ["email"] = email, ["password"] = password });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task userinfo_describes_the_signed_in_user()
    {
        var (email, _, tokens) = await api.Host.SignedUpUserAsync("Linus");
        using var client = api.Host.Server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo");
        request.Headers.Authorization = new("Bearer", tokens.AccessToken);

        var response = await client.SendAsync(request);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(email, body.GetProperty("email").GetString());
        Assert.Equal("Linus", body.GetProperty("name").GetString());
    }

    [Fact]
    public async Task discovery_lists_the_endpoints_and_grants()
    {
        using var client = api.Host.Server.CreateClient();
        var body = JsonDocument.Parse(await client.GetStringAsync("/.well-known/openid-configuration")).RootElement;

        Assert.EndsWith("/connect/token", body.GetProperty("token_endpoint").GetString());
        Assert.EndsWith("/connect/authorize", body.GetProperty("authorization_endpoint").GetString());
        Assert.EndsWith("/connect/revoke", body.GetProperty("revocation_endpoint").GetString());
        Assert.EndsWith("/connect/introspect", body.GetProperty("introspection_endpoint").GetString());
        Assert.EndsWith("/connect/logout", body.GetProperty("end_session_endpoint").GetString());
        Assert.EndsWith("/connect/userinfo", body.GetProperty("userinfo_endpoint").GetString());
        var grants = body.GetProperty("grant_types_supported").EnumerateArray().Select(g => g.GetString()).ToList();
        Assert.Contains("authorization_code", grants);
        Assert.Contains("refresh_token", grants);
        Assert.Contains("client_credentials", grants);
        Assert.Equal(["S256"], body.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(m => m.GetString()));
    }
}

/// <summary>Production-like: no password grant.</summary>
public sealed class NoPasswordGrantFixture : ApiFixture
{
    protected override string Purpose => "nopwd";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Nexus:Auth:AllowPasswordGrant"] = "false" };
}

public sealed class PasswordGrantSwitchTests(NoPasswordGrantFixture api) : IClassFixture<NoPasswordGrantFixture>
{
    [Fact]
    public async Task the_password_grant_is_refused_when_switched_off()
    {
        var response = await api.Host.PasswordGrantAsync("anyone@example.com", "correct horse battery staple");

        Assert.Equal(400, response.Status);
        Assert.Equal("unsupported_grant_type", response.Error);
    }
}

/// <summary>Access tokens that expire at once.</summary>
public sealed class ShortTokenFixture : ApiFixture
{
    protected override string Purpose => "shorttok";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Nexus:Auth:AccessTokenLifetime"] = "00:00:01" };
}

public sealed class ExpiredTokenTests(ShortTokenFixture api) : IClassFixture<ShortTokenFixture>
{
    [Fact]
    public async Task an_expired_token_is_unauthenticated()
    {
        var (_, _, tokens) = await api.Host.SignedUpUserAsync();
        await Task.Delay(TimeSpan.FromSeconds(2.5));

        var response = await api.Host.PostGraphQLAsync(tokens.AccessToken, "{ me { id } }");

        Assert.Equal(401, response.Status);
        Assert.Equal(["UNAUTHENTICATED"], response.ErrorCodes);
    }
}
