using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Tests.Infrastructure;
using Nexus.Api.Tests.Infrastructure.Email;

namespace Nexus.Api.Tests.Features.Accounts.SigningIn;

/// <summary>The API with every log line of every category captured, at Trace.</summary>
public sealed class CapturedLogsFixture : ApiFixture
{
    public CapturedLogs Logs { get; } = new();

    protected override string Purpose => "idlogs";

    protected override void ConfigureServices(IServiceCollection services) => Logs.AddTo(services);
}

public sealed class SecretFreeLogTests(CapturedLogsFixture api) : IClassFixture<CapturedLogsFixture>
{
    private const string RedirectUri = "http://localhost:5173/auth/callback";

    [Fact]
    public async Task no_log_line_at_any_level_carries_a_secret_of_a_sign_in()
    {
        var (email, password, _) = await api.Host.SignedUpUserAsync();
        var before = api.Logs.Entries.Count;

        // The password grant.
        var passwordTokens = await api.Host.PasswordGrantAsync(email, password);
        Assert.Equal(200, passwordTokens.Status);

        // The code flow with PKCE, through the sign-in page, then a refresh.
        var (verifier, challenge) = OAuthClient.Pkce();
        using var browser = new Browser(api.Host);
        var loginPage = await browser.FollowAsync(await browser.GetAsync(
            $"/connect/authorize?client_id=nexus-web&response_type=code&scope={Uri.EscapeDataString(OAuthClient.ApiScopes)}" +
            $"&redirect_uri={Uri.EscapeDataString(RedirectUri)}&state=the-state-{Guid.NewGuid():N}&code_challenge={challenge}&code_challenge_method=S256"));
        var form = Browser.HiddenFields(await loginPage.Content.ReadAsStringAsync());
        form["email"] = email;
        form["password"] = password;
        var callback = await browser.FollowAsync(await browser.PostFormAsync("/account/login", form));
        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        var query = Browser.QueryOf(callback.Headers.Location!);
        var code = query["code"];
        var codeTokens = await api.Host.TokenAsync(new()
        {
            ["grant_type"] = "authorization_code",
            ["client_id"] = "nexus-web",
            ["code"] = code,
            ["redirect_uri"] = RedirectUri,
            ["code_verifier"] = verifier,
        });
        Assert.True(codeTokens.Status == 200, codeTokens.Body.ToString());
        var refreshed = await api.Host.RefreshAsync(codeTokens.RefreshToken, "nexus-web");
        Assert.Equal(200, refreshed.Status);
        Assert.Equal(200, (await api.Host.PostGraphQLAsync(refreshed.AccessToken, "{ me { id } }")).Status);

        var logged = string.Join("\n", api.Logs.Entries.Skip(before).Select(e => e.ToString()));
        Assert.NotEmpty(logged);
        var secrets = new Dictionary<string, string>
        {
            ["username"] = email,
            ["password"] = password,
            ["code_verifier"] = verifier,
            ["authorization code"] = code,
            ["password grant access token"] = passwordTokens.AccessToken,
            ["password grant refresh token"] = passwordTokens.RefreshToken,
            ["code access token"] = codeTokens.AccessToken,
            ["code refresh token"] = codeTokens.RefreshToken,
            ["id token"] = codeTokens.Body.GetProperty("id_token").GetString()!,
            ["refreshed access token"] = refreshed.AccessToken,
            ["refreshed refresh token"] = refreshed.RefreshToken,
        };
        foreach (var (name, secret) in secrets)
        {
            var at = logged.IndexOf(secret, StringComparison.Ordinal);
            Assert.True(at < 0, $"The {name} is in the logs: …{logged[Math.Max(0, at - 300)..Math.Min(logged.Length, at + 100)]}…");
        }
    }
}
