using Nexus.Api.Platforms;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Nexus.Api.Tests.Platforms.LinkedIn;

public sealed class LinkedInOAuthTests : IDisposable
{
    private static readonly Uri Callback = new("https://nexus.example/oauth/callback/linkedin");
    private readonly LinkedInHarness _li = new();

    public void Dispose() => _li.Dispose();

    [Fact]
    public void the_authorize_url_asks_for_member_scopes_with_state_and_no_PKCE()
    {
        var request = _li.OAuth.BuildAuthorizationRequest("state-xyz", Callback);

        Assert.Equal($"{_li.Server.Url}/oauth/v2/authorization", request.Url.GetLeftPart(UriPartial.Path));
        var query = Query(request.Url);
        Assert.Equal("code", query["response_type"]);
        Assert.Equal(LinkedInHarness.ClientId, query["client_id"]);
        Assert.Equal(Callback.AbsoluteUri, query["redirect_uri"]);
        Assert.Equal("state-xyz", query["state"]);
        Assert.Equal("openid profile email w_member_social", query["scope"]);
        Assert.DoesNotContain("code_challenge", request.Url.Query, StringComparison.Ordinal);
        Assert.Null(request.CodeVerifier);
    }

    [Fact]
    public void with_organizations_on_the_organization_scopes_are_asked_for_too()
    {
        using var li = new LinkedInHarness(new Dictionary<string, string?> { ["Nexus:Platforms:LinkedIn:Organizations"] = "true" });

        Assert.Equal(
            "openid profile email w_member_social w_organization_social r_organization_social rw_organization_admin r_member_postAnalytics r_member_profileAnalytics",
            Query(li.OAuth.BuildAuthorizationRequest("s", Callback).Url)["scope"]);
    }

    [Fact]
    public async Task the_code_exchange_sends_the_client_credentials_in_the_form()
    {
        _li.Server.Given(Request.Create().WithPath("/oauth/v2/accessToken").UsingPost())
            .RespondWith(Json("""{"access_token":"AQX-new","expires_in":5184000,"scope":"email,openid,profile,w_member_social","token_type":"Bearer","id_token":"eyJ..."}"""));

        var tokens = await _li.OAuth.ExchangeCodeAsync("the-code", Callback, codeVerifier: null, CancellationToken.None);

        Assert.Equal("AQX-new", tokens.AccessToken);
        Assert.Null(tokens.RefreshToken);
        Assert.Equal(LinkedInHarness.Now.AddDays(60), tokens.ExpiresAt);
        Assert.Null(tokens.RefreshExpiresAt);
        Assert.Equal(["email", "openid", "profile", "w_member_social"], tokens.Scopes);
        var sent = Assert.Single(_li.Requests("/oauth/v2/accessToken"));
        Assert.Equal("POST", sent.RequestMessage!.Method);
        Assert.StartsWith("application/x-www-form-urlencoded", sent.Header("Content-Type"), StringComparison.Ordinal);
        Assert.False(sent.HasHeader("Authorization"));
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["grant_type"] = "authorization_code",
                ["code"] = "the-code",
                ["redirect_uri"] = Callback.AbsoluteUri,
                ["client_id"] = LinkedInHarness.ClientId,
                ["client_secret"] = LinkedInHarness.ClientSecret,
            },
            sent.Form());
    }

    [Fact]
    public async Task a_partner_refresh_returns_new_tokens_and_the_refresh_token_s_remaining_life()
    {
        _li.Server.Given(Request.Create().WithPath("/oauth/v2/accessToken").UsingPost())
            .RespondWith(Json("""{"access_token":"AQX-2","expires_in":5184000,"refresh_token":"AQR-1","refresh_token_expires_in":31000000,"scope":"openid,profile,w_member_social"}"""));

        var tokens = await _li.OAuth.RefreshAsync(new OAuthTokens("AQX-1", "AQR-1", LinkedInHarness.Now, null, []), CancellationToken.None);

        Assert.Equal("AQX-2", tokens.AccessToken);
        Assert.Equal("AQR-1", tokens.RefreshToken);
        Assert.Equal(LinkedInHarness.Now.AddSeconds(31000000), tokens.RefreshExpiresAt);
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["grant_type"] = "refresh_token",
                ["refresh_token"] = "AQR-1",
                ["client_id"] = LinkedInHarness.ClientId,
                ["client_secret"] = LinkedInHarness.ClientSecret,
            },
            Assert.Single(_li.Requests("/oauth/v2/accessToken")).Form());
    }

    [Fact]
    public async Task without_a_refresh_token_the_member_must_reconnect()
    {
        var failure = await Assert.ThrowsAsync<PlatformException>(() =>
            _li.OAuth.RefreshAsync(new OAuthTokens("AQX-1", null, LinkedInHarness.Now, null, []), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.AuthExpired, failure.Kind);
        Assert.Empty(_li.Server.LogEntries);
    }

    [Fact]
    public async Task a_refused_refresh_is_auth_expired()
    {
        _li.Server.Given(Request.Create().WithPath("/oauth/v2/accessToken").UsingPost())
            .RespondWith(Json("""{"error":"invalid_grant","error_description":"The provided refresh token has expired"}""", 400));

        var failure = await Assert.ThrowsAsync<PlatformException>(() =>
            _li.OAuth.RefreshAsync(new OAuthTokens("AQX-1", "AQR-SECRET", null, null, []), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.AuthExpired, failure.Kind);
        Assert.Equal("The provided refresh token has expired", failure.Message);
        Assert.DoesNotContain("SECRET", failure.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task revoking_posts_the_token_with_the_client_credentials()
    {
        _li.Server.Given(Request.Create().WithPath("/oauth/v2/revoke").UsingPost()).RespondWith(Response.Create().WithStatusCode(200));

        await _li.OAuth.RevokeAsync(new OAuthTokens("AQX-1", null, null, null, []), CancellationToken.None);

        Assert.Equal(
            new Dictionary<string, string> { ["client_id"] = LinkedInHarness.ClientId, ["client_secret"] = LinkedInHarness.ClientSecret, ["token"] = "AQX-1" },
            Assert.Single(_li.Requests("/oauth/v2/revoke")).Form());
    }

    [Fact]
    public async Task the_member_comes_from_userinfo()
    {
        GivenMember();

        var accounts = await _li.OAuth.GetAccountsAsync(Tokens(), CancellationToken.None);

        Assert.Equal([new PlatformAccount("782bbtaQ", "Ada Lovelace", null, "https://media.licdn.com/ada.jpg", AccountKind.Person)], accounts);
        var sent = Assert.Single(_li.Requests("/v2/userinfo"));
        Assert.Equal("GET", sent.RequestMessage!.Method);
        Assert.Equal($"Bearer {LinkedInHarness.AccessToken}", sent.Header("Authorization"));
        Assert.Empty(_li.Requests("/rest/organizationAcls"));
    }

    [Fact]
    public async Task with_organizations_on_the_organizations_the_member_may_post_for_are_accounts_too()
    {
        using var li = new LinkedInHarness(new Dictionary<string, string?> { ["Nexus:Platforms:LinkedIn:Organizations"] = "true" });
        GivenMember(li);
        li.Server.Given(Request.Create().WithPath("/rest/organizationAcls").UsingGet()).RespondWith(Json("""
            {"paging":{"count":100,"start":0},"elements":[
              {"roleAssignee":"urn:li:person:782bbtaQ","state":"APPROVED","role":"ADMINISTRATOR","organization":"urn:li:organization:2414183"},
              {"roleAssignee":"urn:li:person:782bbtaQ","state":"APPROVED","role":"CONTENT_ADMIN","organization":"urn:li:organization:2414183"},
              {"roleAssignee":"urn:li:person:782bbtaQ","state":"APPROVED","role":"CONTENT_ADMIN","organization":"urn:li:organization:5590506"},
              {"roleAssignee":"urn:li:person:782bbtaQ","state":"APPROVED","role":"ANALYST","organization":"urn:li:organization:1111"}]}
            """));
        li.Server.Given(Request.Create().WithPath("/rest/organizations/2414183").UsingGet())
            .RespondWith(Json("""{"id":2414183,"localizedName":"Nexus Labs","vanityName":"nexus-labs"}"""));
        li.Server.Given(Request.Create().WithPath("/rest/organizations/5590506").UsingGet())
            .RespondWith(Json("""{"id":5590506,"localizedName":"Analytical Engines"}"""));

        var accounts = await li.OAuth.GetAccountsAsync(Tokens(["openid", "profile", "w_member_social", "rw_organization_admin"]), CancellationToken.None);

        Assert.Equal(
            [
                new PlatformAccount("782bbtaQ", "Ada Lovelace", null, "https://media.licdn.com/ada.jpg", AccountKind.Person),
                new PlatformAccount("2414183", "Nexus Labs", "nexus-labs", null, AccountKind.Organization),
                new PlatformAccount("5590506", "Analytical Engines", null, null, AccountKind.Organization),
            ],
            accounts);
        var acls = Assert.Single(li.Requests("/rest/organizationAcls"));
        acls.AssertRestHeaders();
        Assert.Equal("roleAssignee", acls.RequestMessage!.Query!["q"].Single());
        Assert.Equal("APPROVED", acls.RequestMessage.Query["state"].Single());
        Assert.All(li.Requests().Where(r => r.RequestMessage!.Path.StartsWith("/rest/organizations/", StringComparison.Ordinal)), r => r.AssertRestHeaders());
        Assert.Empty(li.Requests("/rest/organizations/1111"));
    }

    [Fact]
    public async Task a_member_without_organization_access_is_offered_alone()
    {
        using var li = new LinkedInHarness(new Dictionary<string, string?> { ["Nexus:Platforms:LinkedIn:Organizations"] = "true" });
        GivenMember(li);
        li.Server.Given(Request.Create().WithPath("/rest/organizationAcls").UsingGet())
            .RespondWith(Json("""{"status":403,"serviceErrorCode":100,"code":"ACCESS_DENIED","message":"Not enough permissions to access: organizationAcls.FINDER-roleAssignee"}""", 403));

        var accounts = await li.OAuth.GetAccountsAsync(Tokens(), CancellationToken.None);

        Assert.Equal(AccountKind.Person, Assert.Single(accounts).Kind);
    }

    [Fact]
    public async Task an_expired_token_is_auth_expired()
    {
        _li.Server.Given(Request.Create().WithPath("/v2/userinfo").UsingGet())
            .RespondWith(Json("""{"status":401,"serviceErrorCode":65601,"code":"REVOKED_ACCESS_TOKEN","message":"The token used in the request has been revoked by the user"}""", 401));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => _li.OAuth.GetAccountsAsync(Tokens(), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.AuthExpired, failure.Kind);
        Assert.Equal("The token used in the request has been revoked by the user", failure.Message);
        Assert.Equal("REVOKED_ACCESS_TOKEN", failure.PlatformCode);
        Assert.DoesNotContain(LinkedInHarness.AccessToken, failure.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_failing_read_is_retried_by_the_pipeline_then_transient()
    {
        _li.Server.Given(Request.Create().WithPath("/v2/userinfo").UsingGet()).RespondWith(Response.Create().WithStatusCode(500));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => _li.OAuth.GetAccountsAsync(Tokens(), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.Transient, failure.Kind);
        Assert.Equal(4, _li.Requests("/v2/userinfo").Count);
    }

    private void GivenMember(LinkedInHarness? harness = null) =>
        (harness ?? _li).Server.Given(Request.Create().WithPath("/v2/userinfo").UsingGet()).RespondWith(Json(
            """{"sub":"782bbtaQ","name":"Ada Lovelace","given_name":"Ada","family_name":"Lovelace","picture":"https://media.licdn.com/ada.jpg","email":"ada@example.com","email_verified":true,"locale":{"country":"GB","language":"en"}}"""));

    private static OAuthTokens Tokens(IReadOnlyList<string>? scopes = null) => new(LinkedInHarness.AccessToken, null, null, null, scopes ?? []);

    private static IResponseBuilder Json(string body, int status = 200) =>
        Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/json").WithBody(body);

    private static Dictionary<string, string> Query(Uri url) =>
        url.Query.TrimStart('?').Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]));
}
