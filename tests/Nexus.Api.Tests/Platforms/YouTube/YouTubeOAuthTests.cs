using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using Nexus.Api.Platforms;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Nexus.Api.Tests.Platforms.YouTube;

public sealed class YouTubeOAuthTests : IDisposable
{
    private static readonly Uri RedirectUri = new("https://nexus.example/oauth/callback/youtube");
    private readonly YouTubeFake _youtube = new();

    public void Dispose() => _youtube.Dispose();

    [Fact]
    public void the_authorize_url_asks_for_offline_access_consent_and_pkce_s256()
    {
        var request = _youtube.OAuth.BuildAuthorizationRequest("state-9", RedirectUri);

        Assert.StartsWith(_youtube.Server.Url + "/o/oauth2/v2/auth?", request.Url.ToString());
        var query = QueryHelpers.ParseQuery(request.Url.Query);
        Assert.Equal("client-1.apps.googleusercontent.com", query["client_id"]);
        Assert.Equal(RedirectUri.ToString(), query["redirect_uri"]);
        Assert.Equal("code", query["response_type"]);
        Assert.Equal(
            "https://www.googleapis.com/auth/youtube.upload https://www.googleapis.com/auth/youtube.readonly https://www.googleapis.com/auth/yt-analytics.readonly",
            query["scope"]);
        Assert.Equal("offline", query["access_type"]);
        Assert.Equal("consent", query["prompt"]);
        Assert.Equal("state-9", query["state"]);
        Assert.Equal("S256", query["code_challenge_method"]);
        Assert.NotNull(request.CodeVerifier);
        Assert.Equal(Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(request.CodeVerifier))), query["code_challenge"]);
        Assert.False(query.ContainsKey("client_secret"));
    }

    [Fact]
    public async Task exchanging_a_code_sends_the_verifier_and_dates_expiry_from_expires_in()
    {
        _youtube.Json("/token", 200, new JsonObject
        {
            ["access_token"] = "ya29.new",
            ["expires_in"] = 3599,
            ["refresh_token"] = "1//refresh",
            ["scope"] = "https://www.googleapis.com/auth/youtube.upload https://www.googleapis.com/auth/youtube.readonly",
            ["token_type"] = "Bearer",
        });

        var tokens = await _youtube.OAuth.ExchangeCodeAsync("4/code", RedirectUri, "verifier-1", CancellationToken.None);

        Assert.Equal("ya29.new", tokens.AccessToken);
        Assert.Equal("1//refresh", tokens.RefreshToken);
        Assert.Equal(YouTubeFake.Now.AddSeconds(3599), tokens.ExpiresAt);
        Assert.Equal(["https://www.googleapis.com/auth/youtube.upload", "https://www.googleapis.com/auth/youtube.readonly"], tokens.Scopes);
        var sent = Assert.Single(_youtube.Requests("/token"));
        Assert.Equal("POST", sent.Method);
        Assert.Equal(new Dictionary<string, string>
        {
            ["code"] = "4/code",
            ["client_id"] = "client-1.apps.googleusercontent.com",
            ["client_secret"] = "client-secret-1",
            ["redirect_uri"] = RedirectUri.ToString(),
            ["grant_type"] = "authorization_code",
            ["code_verifier"] = "verifier-1",
        }, YouTubeFake.Form(sent));
    }

    [Fact]
    public async Task refreshing_keeps_the_refresh_token_when_google_sends_none()
    {
        _youtube.Json("/token", 200, new JsonObject { ["access_token"] = "ya29.2", ["expires_in"] = 3599, ["token_type"] = "Bearer" });
        var current = new OAuthTokens("ya29.1", "1//keep", YouTubeFake.Now, null, ["https://www.googleapis.com/auth/youtube.upload"]);

        var tokens = await _youtube.OAuth.RefreshAsync(current, CancellationToken.None);

        Assert.Equal("ya29.2", tokens.AccessToken);
        Assert.Equal("1//keep", tokens.RefreshToken);
        Assert.Equal(YouTubeFake.Now.AddSeconds(3599), tokens.ExpiresAt);
        Assert.Equal(current.Scopes, tokens.Scopes);
        var form = YouTubeFake.Form(Assert.Single(_youtube.Requests("/token")));
        Assert.Equal("refresh_token", form["grant_type"]);
        Assert.Equal("1//keep", form["refresh_token"]);
    }

    [Fact]
    public async Task a_dead_refresh_token_is_auth_expired()
    {
        _youtube.Json("/token", 400, new JsonObject { ["error"] = "invalid_grant", ["error_description"] = "Token has been expired or revoked." });

        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            _youtube.OAuth.RefreshAsync(new OAuthTokens("ya29.1", "1//dead", null, null, []), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.AuthExpired, error.Kind);
        Assert.Equal("invalid_grant", error.PlatformCode);
        Assert.Equal("Token has been expired or revoked.", error.Message);
    }

    [Fact]
    public async Task revoking_sends_the_refresh_token_in_the_body_not_the_url()
    {
        _youtube.Server.Given(Request.Create().WithPath("/revoke").UsingPost()).RespondWith(Response.Create().WithStatusCode(200));

        await _youtube.OAuth.RevokeAsync(new OAuthTokens(YouTubeFake.AccessToken, "1//refresh-secret", null, null, []), CancellationToken.None);

        var sent = Assert.Single(_youtube.Requests("/revoke"));
        Assert.Equal("1//refresh-secret", YouTubeFake.Form(sent)["token"]);
        Assert.StartsWith("application/x-www-form-urlencoded", YouTubeFake.Header(sent, "Content-Type"));
        Assert.DoesNotContain("refresh-secret", sent.Url);
    }

    [Fact]
    public async Task revoking_a_token_google_no_longer_knows_succeeds()
    {
        _youtube.Json("/revoke", 400, new JsonObject { ["error"] = "invalid_token", ["error_description"] = "Token expired or revoked" });

        await _youtube.OAuth.RevokeAsync(new OAuthTokens(YouTubeFake.AccessToken, null, null, null, []), CancellationToken.None);

        Assert.Equal(YouTubeFake.AccessToken, YouTubeFake.Form(Assert.Single(_youtube.Requests("/revoke")))["token"]);
    }

    [Fact]
    public async Task the_account_is_the_users_channel()
    {
        _youtube.Json("/youtube/v3/channels", 200, JsonNode.Parse("""
            {
              "kind": "youtube#channelListResponse",
              "items": [{
                "kind": "youtube#channel",
                "id": "UC123",
                "snippet": {
                  "title": "Nexus Cooking",
                  "customUrl": "@nexuscooking",
                  "thumbnails": { "default": { "url": "https://yt3.example/photo.jpg" } }
                }
              }]
            }
            """)!, "GET");

        var accounts = await _youtube.OAuth.GetAccountsAsync(new OAuthTokens(YouTubeFake.AccessToken, null, null, null, []), CancellationToken.None);

        Assert.Equal(new PlatformAccount("UC123", "Nexus Cooking", "@nexuscooking", "https://yt3.example/photo.jpg", AccountKind.Channel), Assert.Single(accounts));
        var sent = Assert.Single(_youtube.Requests("/youtube/v3/channels"));
        Assert.Equal("snippet", sent.Query!["part"].Single());
        Assert.Equal("true", sent.Query!["mine"].Single());
        Assert.Equal("Bearer " + YouTubeFake.AccessToken, YouTubeFake.Header(sent, "Authorization"));
        Assert.DoesNotContain(YouTubeFake.AccessToken, sent.Url);
    }

    [Fact]
    public async Task a_google_account_without_a_channel_has_no_accounts()
    {
        _youtube.Json("/youtube/v3/channels", 200, new JsonObject { ["kind"] = "youtube#channelListResponse" }, "GET");

        Assert.Empty(await _youtube.OAuth.GetAccountsAsync(new OAuthTokens(YouTubeFake.AccessToken, null, null, null, []), CancellationToken.None));
    }

    [Fact]
    public async Task an_expired_access_token_is_auth_expired()
    {
        _youtube.Json("/youtube/v3/channels", 401, YouTubeFake.ApiError(401, "authError", "Request had invalid authentication credentials."), "GET");

        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            _youtube.OAuth.GetAccountsAsync(new OAuthTokens("ya29.old", null, null, null, []), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.AuthExpired, error.Kind);
        Assert.Equal("Request had invalid authentication credentials.", error.Message);
    }

    [Fact]
    public async Task a_failing_read_is_retried_by_the_pipeline()
    {
        _youtube.Server.Given(Request.Create().WithPath("/youtube/v3/channels").UsingGet()).InScenario("flaky").WillSetStateTo("up")
            .RespondWith(Response.Create().WithStatusCode(503));
        _youtube.Server.Given(Request.Create().WithPath("/youtube/v3/channels").UsingGet()).InScenario("flaky").WhenStateIs("up")
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json")
                .WithBody("""{"items":[{"id":"UC1","snippet":{"title":"One"}}]}"""));

        var account = Assert.Single(await _youtube.OAuth.GetAccountsAsync(new OAuthTokens(YouTubeFake.AccessToken, null, null, null, []), CancellationToken.None));

        Assert.Equal("UC1", account.ExternalId);
        Assert.Equal(2, _youtube.Requests("/youtube/v3/channels").Count);
    }
}
