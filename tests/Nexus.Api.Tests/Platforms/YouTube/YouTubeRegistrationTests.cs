using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Platforms;
using Nexus.Api.Platforms.YouTube;

namespace Nexus.Api.Tests.Platforms.YouTube;

public sealed class YouTubeRegistrationTests
{
    [Fact]
    public void the_platform_is_discovered_and_defaults_to_the_real_endpoints()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        services.AddNexusPlatforms(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Nexus:Platforms:YouTube:ClientId"] = "app-1",
        }).Build());
        using var provider = services.BuildServiceProvider();

        // Only this platform's clients are built: another platform's may need services this test does not add.
        Assert.Equal(PlatformId.YouTube, provider.GetRequiredService<YouTubeOAuthClient>().Platform);
        Assert.Equal(PlatformId.YouTube, provider.GetRequiredService<YouTubePublisher>().Platform);
        Assert.Equal(PlatformId.YouTube, provider.GetRequiredService<YouTubeRules>().Platform);
        var consent = provider.GetRequiredService<YouTubeOAuthClient>().BuildAuthorizationRequest("s", new Uri("https://nexus.example/oauth/callback/youtube"));
        Assert.StartsWith("https://accounts.google.com/o/oauth2/v2/auth?", consent.Url.ToString());
        Assert.Contains("app-1", consent.Url.Query);
    }
}
