using Microsoft.Extensions.Configuration;
using Nexus.Api.Platforms;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Platforms;

[Collection(ApiCollection.Name)]
public sealed class PlatformsTests(ApiFixture api)
{
    [Fact]
    public async Task platforms_lists_the_sandbox_and_the_seven_platforms_with_their_rules()
    {
        var data = await api.Host.QueryAsync("{ platforms { id name maxTextLength maxMedia mediaKinds requiresMedia supportsPkce configured } }");
        var platforms = data.GetProperty("platforms").EnumerateArray().ToDictionary(p => p.GetProperty("id").GetString()!);

        Assert.Equal(["SANDBOX", "INSTAGRAM", "FACEBOOK", "X", "LINKEDIN", "TIKTOK", "YOUTUBE", "PINTEREST"], platforms.Keys);
        Assert.Equal(280, platforms["X"].GetProperty("maxTextLength").GetInt32());
        Assert.Equal(4, platforms["X"].GetProperty("maxMedia").GetInt32());
        Assert.True(platforms["X"].GetProperty("supportsPkce").GetBoolean());
        Assert.Equal(2200, platforms["INSTAGRAM"].GetProperty("maxTextLength").GetInt32());
        Assert.True(platforms["INSTAGRAM"].GetProperty("requiresMedia").GetBoolean());
        Assert.Equal(3000, platforms["LINKEDIN"].GetProperty("maxTextLength").GetInt32());
        Assert.Equal(["VIDEO"], platforms["YOUTUBE"].GetProperty("mediaKinds").EnumerateArray().Select(k => k.GetString()));
        Assert.Equal(800, platforms["PINTEREST"].GetProperty("maxTextLength").GetInt32());
    }

    [Fact]
    public async Task platforms_is_public_and_reports_which_platforms_are_configured()
    {
        var data = await api.Host.QueryAsync("{ platforms { id configured } }");
        var configured = data.GetProperty("platforms").EnumerateArray()
            .Where(p => p.GetProperty("configured").GetBoolean())
            .Select(p => p.GetProperty("id").GetString());

        Assert.Equal(["SANDBOX"], configured);
    }

    [Fact]
    public void a_platform_is_configured_only_with_both_client_id_and_secret()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Nexus:Platforms:X:ClientId"] = "id",
            ["Nexus:Platforms:X:ClientSecret"] = "secret",
            ["Nexus:Platforms:LinkedIn:ClientId"] = "id",
            ["Nexus:Platforms:Sandbox:Enabled"] = "true",
        }).Build();

        Assert.True(PlatformCatalogue.IsConfigured(PlatformId.X, configuration));
        Assert.False(PlatformCatalogue.IsConfigured(PlatformId.LinkedIn, configuration));
        Assert.True(PlatformCatalogue.IsConfigured(PlatformId.Sandbox, configuration));
        Assert.False(PlatformCatalogue.IsConfigured(PlatformId.Sandbox, new ConfigurationBuilder().Build()));
    }
}
