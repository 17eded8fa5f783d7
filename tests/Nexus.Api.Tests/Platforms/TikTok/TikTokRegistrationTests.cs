using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Platforms;
using Nexus.Api.Platforms.TikTok;

namespace Nexus.Api.Tests.Platforms.TikTok;

public sealed class TikTokRegistrationTests
{
    [Fact]
    public void the_platform_is_discovered_and_defaults_to_the_real_endpoints()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        services.AddNexusPlatforms(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Nexus:Platforms:TikTok:ClientId"] = "app-1",
        }).Build());
        using var provider = services.BuildServiceProvider();

        // Only this platform's clients are built: another platform's may need services this test does not add.
        Assert.Equal(PlatformId.TikTok, provider.GetRequiredService<TikTokOAuthClient>().Platform);
        Assert.Equal(PlatformId.TikTok, provider.GetRequiredService<TikTokPublisher>().Platform);
        Assert.Equal(PlatformId.TikTok, provider.GetRequiredService<TikTokRules>().Platform);
        var consent = provider.GetRequiredService<TikTokOAuthClient>().BuildAuthorizationRequest("s", new Uri("https://nexus.example/oauth/callback/tiktok"));
        Assert.StartsWith("https://www.tiktok.com/v2/auth/authorize/?", consent.Url.ToString());
        Assert.Contains("app-1", consent.Url.Query);
    }
}
