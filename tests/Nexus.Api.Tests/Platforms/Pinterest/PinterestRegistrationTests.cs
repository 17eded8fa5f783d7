using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Platforms;
using Nexus.Api.Platforms.Pinterest;

namespace Nexus.Api.Tests.Platforms.Pinterest;

public sealed class PinterestRegistrationTests
{
    [Fact]
    public void the_platform_is_discovered_and_defaults_to_the_real_endpoints()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        services.AddNexusPlatforms(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Nexus:Platforms:Pinterest:ClientId"] = "app-1",
        }).Build());
        using var provider = services.BuildServiceProvider();

        // Only this platform's clients are built: another platform's may need services this test does not add.
        Assert.Equal(PlatformId.Pinterest, provider.GetRequiredService<PinterestOAuthClient>().Platform);
        Assert.Equal(PlatformId.Pinterest, provider.GetRequiredService<PinterestPublisher>().Platform);
        Assert.Equal(PlatformId.Pinterest, provider.GetRequiredService<PinterestRules>().Platform);
        var consent = provider.GetRequiredService<PinterestOAuthClient>().BuildAuthorizationRequest("s", new Uri("https://nexus.example/oauth/callback/pinterest"));
        Assert.StartsWith("https://www.pinterest.com/oauth/?", consent.Url.ToString());
        Assert.Contains("app-1", consent.Url.Query);
    }
}
