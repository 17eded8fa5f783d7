using Nexus.Api.Tests.Features.Accounts.SigningIn;
using Nexus.Api.Tests.Features.Workspaces;

namespace Nexus.Api.Tests.Features.Apps;

public sealed class AppSecretLogTests(CapturedLogsFixture api) : IClassFixture<CapturedLogsFixture>
{
    [Fact]
    public async Task no_log_line_at_any_level_carries_an_apps_secret_or_tokens()
    {
        var admin = await api.Host.PersonAsync("Admin");
        var workspace = await api.Host.CreateWorkspaceAsync(admin);
        var before = api.Logs.Entries.Count;

        var app = await api.Host.RegisterAppAsync(admin, workspace, confidential: true);
        var own = await api.Host.ClientCredentialsAsync(app);
        var granted = await api.Host.ConsentedTokensAsync(admin, app, workspace);
        var rotated = (await api.Host.MutateAsync(admin, "rotateAppSecret", "RotateAppSecretInput", new { appId = app.Id }, "clientSecret"))
            .GetProperty("clientSecret").GetString()!;
        Assert.Equal(200, own.Status);

        var logged = string.Join("\n", api.Logs.Entries.Skip(before).Select(e => e.ToString()));
        Assert.NotEmpty(logged);
        foreach (var (name, secret) in new Dictionary<string, string>
        {
            ["client secret"] = app.Secret!,
            ["rotated client secret"] = rotated,
            ["client credentials access token"] = own.AccessToken,
            ["consented access token"] = granted.AccessToken,
            ["consented refresh token"] = granted.RefreshToken,
        })
        {
            var at = logged.IndexOf(secret, StringComparison.Ordinal);
            Assert.True(at < 0, $"The {name} is in the logs: …{logged[Math.Max(0, at - 300)..Math.Min(logged.Length, at + 100)]}…");
        }
    }
}
