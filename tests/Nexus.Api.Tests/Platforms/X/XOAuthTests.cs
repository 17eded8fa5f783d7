using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Nexus.Api.Platforms;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Nexus.Api.Tests.Platforms.X;

public sealed class XOAuthTests : IDisposable
{
    private static readonly Uri Callback = new("https://nexus.example/oauth/callback/x");
    private readonly XHarness _x = new();

    public void Dispose() => _x.Dispose();

    [Fact]
    public void the_authorize_url_asks_for_the_scopes_with_state_and_an_S256_challenge()
    {
        var request = _x.OAuth.BuildAuthorizationRequest("state-123", Callback);

        Assert.Equal($"{_x.Server.Url}/i/oauth2/authorize", request.Url.GetLeftPart(UriPartial.Path));
        var query = Query(request.Url);
        Assert.Equal("code", query["response_type"]);
        Assert.Equal(XHarness.ClientId, query["client_id"]);
        Assert.Equal(Callback.AbsoluteUri, query["redirect_uri"]);
        Assert.Equal("tweet.read tweet.write users.read offline.access media.write", query["scope"]);
        Assert.Contains("scope=tweet.read%20tweet.write%20users.read%20offline.access%20media.write", request.Url.AbsoluteUri, StringComparison.Ordinal);
        Assert.Equal("state-123", query["state"]);
        Assert.Equal("S256", query["code_challenge_method"]);
        Assert.NotNull(request.CodeVerifier);
        Assert.Equal(Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(request.CodeVerifier))), query["code_challenge"]);
        Assert.NotEqual(request.CodeVerifier, _x.OAuth.BuildAuthorizationRequest("state-123", Callback).CodeVerifier);
    }

    [Fact]
    public void configured_scopes_replace_the_defaults()
    {
        using var x = new XHarness(new Dictionary<string, string?> { ["Nexus:Platforms:X:Scopes:0"] = "tweet.read", ["Nexus:Platforms:X:Scopes:1"] = "users.read" });

        Assert.Equal("tweet.read users.read", Query(x.OAuth.BuildAuthorizationRequest("s", Callback).Url)["scope"]);
    }

    [Fact]
    public void a_state_longer_than_X_accepts_is_refused() =>
        Assert.Throws<ArgumentException>(() => _x.OAuth.BuildAuthorizationRequest(new string('s', 501), Callback));

    [Fact]
    public async Task the_code_exchange_posts_the_code_and_verifier_with_basic_client_authentication()
    {
        _x.Server.Given(Request.Create().WithPath("/2/oauth2/token").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(
                """{"token_type":"bearer","expires_in":7200,"access_token":"new-access","scope":"tweet.write users.read tweet.read offline.access media.write","refresh_token":"refresh-1"}"""));

        var tokens = await _x.OAuth.ExchangeCodeAsync("the-code", Callback, "the-verifier", CancellationToken.None);

        Assert.Equal("new-access", tokens.AccessToken);
        Assert.Equal("refresh-1", tokens.RefreshToken);
        Assert.Equal(XHarness.Now.AddHours(2), tokens.ExpiresAt);
        Assert.Null(tokens.RefreshExpiresAt);
        Assert.Equal(["tweet.write", "users.read", "tweet.read", "offline.access", "media.write"], tokens.Scopes);

        var sent = Assert.Single(_x.Requests("/2/oauth2/token"));
        Assert.Equal("POST", sent.RequestMessage!.Method);
        Assert.Equal($"Basic {Convert.ToBase64String(Encoding.UTF8.GetBytes($"{XHarness.ClientId}:{XHarness.ClientSecret}"))}", sent.Header("Authorization"));
        Assert.StartsWith("application/x-www-form-urlencoded", sent.Header("Content-Type"), StringComparison.Ordinal);
        var form = sent.Form();
        Assert.Equal("the-code", form["code"]);
        Assert.Equal("authorization_code", form["grant_type"]);
        Assert.Equal(Callback.AbsoluteUri, form["redirect_uri"]);
        Assert.Equal("the-verifier", form["code_verifier"]);
        Assert.False(form.ContainsKey("client_id"));
        Assert.False(form.ContainsKey("client_secret"));
    }

    [Fact]
    public async Task without_a_secret_the_app_is_a_public_client_and_sends_its_id_in_the_form()
    {
        using var x = new XHarness(new Dictionary<string, string?> { ["Nexus:Platforms:X:ClientSecret"] = "" });
        x.Server.Given(Request.Create().WithPath("/2/oauth2/token").UsingPost())
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody("""{"token_type":"bearer","expires_in":7200,"access_token":"a","scope":"tweet.read"}"""));

        await x.OAuth.ExchangeCodeAsync("the-code", Callback, "the-verifier", CancellationToken.None);

        var sent = Assert.Single(x.Requests("/2/oauth2/token"));
        Assert.False(sent.HasHeader("Authorization"));
        Assert.Equal(XHarness.ClientId, sent.Form()["client_id"]);
    }

    [Fact]
    public async Task a_refresh_returns_the_rotated_refresh_token()
    {
        _x.Server.Given(Request.Create().WithPath("/2/oauth2/token").UsingPost())
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody(
                """{"token_type":"bearer","expires_in":7200,"access_token":"access-2","scope":"tweet.read tweet.write","refresh_token":"refresh-2"}"""));
        var current = new OAuthTokens("access-1", "refresh-1", XHarness.Now, null, ["tweet.read", "tweet.write"]);

        var tokens = await _x.OAuth.RefreshAsync(current, CancellationToken.None);

        Assert.Equal("access-2", tokens.AccessToken);
        Assert.Equal("refresh-2", tokens.RefreshToken);
        Assert.Equal(XHarness.Now.AddSeconds(7200), tokens.ExpiresAt);
        var sent = Assert.Single(_x.Requests("/2/oauth2/token"));
        Assert.StartsWith("Basic ", sent.Header("Authorization"), StringComparison.Ordinal);
        Assert.Equal(new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = "refresh-1" }, sent.Form());
    }

    [Theory]
    [InlineData("""{"error":"invalid_grant","error_description":"Refresh token was already used."}""", "Refresh token was already used.")]
    [InlineData("""{"error":"invalid_request","error_description":"Value passed for the token was invalid."}""", "Value passed for the token was invalid.")]
    public async Task a_refused_refresh_means_the_account_must_be_reconnected(string body, string message)
    {
        _x.Server.Given(Request.Create().WithPath("/2/oauth2/token").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(400).WithHeader("Content-Type", "application/json").WithBody(body));

        var failure = await Assert.ThrowsAsync<PlatformException>(() =>
            _x.OAuth.RefreshAsync(new OAuthTokens("access-1", "refresh-SECRET", null, null, []), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.AuthExpired, failure.Kind);
        Assert.Equal(message, failure.Message);
        Assert.DoesNotContain("SECRET", failure.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_refresh_without_a_refresh_token_asks_for_a_reconnect()
    {
        var failure = await Assert.ThrowsAsync<PlatformException>(() =>
            _x.OAuth.RefreshAsync(new OAuthTokens("access-1", null, null, null, []), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.AuthExpired, failure.Kind);
        Assert.Empty(_x.Server.LogEntries);
    }

    [Fact]
    public async Task a_code_exchange_refused_with_invalid_grant_is_auth_expired()
    {
        _x.Server.Given(Request.Create().WithPath("/2/oauth2/token").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(400).WithHeader("Content-Type", "application/json")
                .WithBody("""{"error":"invalid_grant","error_description":"Value passed for the authorization code was invalid."}"""));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => _x.OAuth.ExchangeCodeAsync("stale", Callback, "v", CancellationToken.None));

        Assert.Equal(PlatformFailureKind.AuthExpired, failure.Kind);
        Assert.Equal("invalid_grant", failure.PlatformCode);
    }

    [Fact]
    public async Task revoking_revokes_the_refresh_token_and_the_access_token()
    {
        _x.Server.Given(Request.Create().WithPath("/2/oauth2/revoke").UsingPost())
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody("""{"revoked":true}"""));

        await _x.OAuth.RevokeAsync(new OAuthTokens("access-1", "refresh-1", null, null, []), CancellationToken.None);

        var sent = _x.Requests("/2/oauth2/revoke");
        Assert.Equal(2, sent.Count);
        Assert.All(sent, s => Assert.StartsWith("Basic ", s.Header("Authorization"), StringComparison.Ordinal));
        Assert.Equal(new Dictionary<string, string> { ["token"] = "refresh-1", ["token_type_hint"] = "refresh_token" }, sent[0].Form());
        Assert.Equal(new Dictionary<string, string> { ["token"] = "access-1", ["token_type_hint"] = "access_token" }, sent[1].Form());
    }

    [Fact]
    public async Task the_account_is_the_user_behind_the_token()
    {
        _x.Server.Given(Request.Create().WithPath("/2/users/me").UsingGet())
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody(
                """{"data":{"id":"2244994945","name":"X Dev","username":"XDevelopers","profile_image_url":"https://pbs.twimg.com/profile_images/1/normal.jpg"}}"""));

        var accounts = await _x.OAuth.GetAccountsAsync(Tokens(), CancellationToken.None);

        var account = Assert.Single(accounts);
        Assert.Equal(new PlatformAccount("2244994945", "X Dev", "XDevelopers", "https://pbs.twimg.com/profile_images/1/normal.jpg", AccountKind.Person), account);
        var sent = Assert.Single(_x.Requests("/2/users/me"));
        Assert.Equal($"Bearer {XHarness.AccessToken}", sent.Header("Authorization"));
        Assert.Equal("profile_image_url", sent.RequestMessage!.Query!["user.fields"].Single());
    }

    [Fact]
    public async Task an_expired_token_is_auth_expired_and_not_retried()
    {
        _x.Server.Given(Request.Create().WithPath("/2/users/me").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(401).WithHeader("Content-Type", "application/json")
                .WithBody("""{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}"""));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => _x.OAuth.GetAccountsAsync(Tokens(), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.AuthExpired, failure.Kind);
        Assert.Equal(PlatformId.X, failure.Platform);
        Assert.Single(_x.Requests("/2/users/me"));
        Assert.DoesNotContain(XHarness.AccessToken, failure.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_failing_read_is_retried_by_the_pipeline_then_transient()
    {
        _x.Server.Given(Request.Create().WithPath("/2/users/me").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(503).WithBody("upstream unavailable"));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => _x.OAuth.GetAccountsAsync(Tokens(), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.Transient, failure.Kind);
        Assert.Equal(4, _x.Requests("/2/users/me").Count);
    }

    private static OAuthTokens Tokens() => new(XHarness.AccessToken, null, null, null, []);

    private static Dictionary<string, string> Query(Uri url) =>
        url.Query.TrimStart('?').Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]));
}
