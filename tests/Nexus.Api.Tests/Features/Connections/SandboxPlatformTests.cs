using System.Net;
using Microsoft.Extensions.Configuration;
using Nexus.Api.Platforms.Sandbox;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Connections;

/// <summary>The API with the sandbox platform turned off, as Production has it unless configured.</summary>
public sealed class SandboxOffFixture : ApiFixture
{
    protected override string Purpose => "sandboxoff";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Nexus:Platforms:Sandbox:Enabled"] = "false" };
}

public sealed class SandboxOffTests(SandboxOffFixture api) : IClassFixture<SandboxOffFixture>
{
    [Fact]
    public async Task a_sandbox_turned_off_is_not_served_not_configured_and_cannot_be_connected()
    {
        var admin = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(admin);
        using var client = api.Host.Server.CreateClient();

        var page = await client.GetAsync("/sandbox/oauth/authorize?client_id=nexus&redirect_uri=http%3A%2F%2Flocalhost%2Foauth%2Fcallback%2Fsandbox");
        var token = await client.PostAsync("/sandbox/oauth/token", new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "refresh_token" }));
        var platforms = (await api.Host.AsAsync(admin, "{ platforms { id configured } }")).Data.GetProperty("platforms").EnumerateArray()
            .ToDictionary(p => p.GetProperty("id").GetString()!, p => p.GetProperty("configured").GetBoolean());
        var start = await api.Host.MutateAsync(admin, "startConnection", "StartConnectionInput", new { workspaceId = workspace, platform = "SANDBOX" }, "authorizationUrl");

        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, token.StatusCode);
        Assert.False(platforms["SANDBOX"]);
        Assert.Equal(["PLATFORM_NOT_CONFIGURED"], WorkspaceScenarios.ErrorCodesOf(start));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, start.GetProperty("authorizationUrl").ValueKind);
    }
}

public sealed class SandboxPlatformTests(ConnectionsFixture api) : IClassFixture<ConnectionsFixture>
{
    [Theory]
    [InlineData(null, null, false)]
    [InlineData("Production", null, false)]
    [InlineData("production", null, false)]
    [InlineData("Production", "true", true)]
    [InlineData("Development", null, true)]
    [InlineData("Testing", null, true)]
    [InlineData("Development", "false", false)]
    public void the_sandbox_is_off_in_production_unless_configured(string? environment, string? enabled, bool expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["environment"] = environment,
            ["Nexus:Platforms:Sandbox:Enabled"] = enabled,
        }).Build();

        Assert.Equal(expected, SandboxOptions.IsEnabled(configuration));
    }

    [Theory]
    [InlineData("https://attacker.example/steal")]
    [InlineData("http://localhost/oauth/callback/x")]
    [InlineData("http://localhost/oauth/callback/sandbox/../../elsewhere")]
    public async Task the_sandbox_sends_codes_only_to_nexus_own_callback(string foreign)
    {
        using var client = api.Host.Server.CreateClient();

        var page = await client.GetAsync("/sandbox/oauth/authorize?client_id=nexus&response_type=code&state=s&redirect_uri=" + Uri.EscapeDataString(foreign));
        var decision = await client.PostAsync("/sandbox/oauth/authorize", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["redirect_uri"] = foreign,
            ["state"] = "s",
            ["scope"] = "profile publish",
            ["decision"] = "approve",
        }));
        var denial = await client.PostAsync("/sandbox/oauth/authorize", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["redirect_uri"] = foreign,
            ["state"] = "s",
            ["decision"] = "deny",
        }));

        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, decision.StatusCode);
        Assert.Null(decision.Headers.Location);
        Assert.Equal(HttpStatusCode.BadRequest, denial.StatusCode);
        Assert.Null(denial.Headers.Location);
    }
}
