using Nexus.Api.Platforms.Sandbox;

namespace Nexus.Api.Features.Webhooks;

public static class WebhooksConfiguration
{
    /// <summary>The inbound webhooks' settings, the sandbox's and WebSub's HTTP clients, and the WebSub sweep.</summary>
    public static IServiceCollection AddNexusWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<WebhookOptions>(configuration.GetSection(WebhookOptions.Section));
        services.Configure<SandboxWebhookOptions>(configuration.GetSection(SandboxWebhookOptions.Section));
        // No HttpClient logging: the hub's form carries the subscription's secret.
        services.AddHttpClient(nameof(SandboxWebhooks)).RemoveAllLoggers();
        services.AddHttpClient(nameof(YouTubeWebSub)).RemoveAllLoggers();
        services.AddSingleton<YouTubeSubscriptionSweep>();
        services.AddHostedService(sp => sp.GetRequiredService<YouTubeSubscriptionSweep>());
        return services;
    }
}
