using Nexus.Api.Features.Analytics.Syncing;

namespace Nexus.Api.Features.Analytics;

public static class Configuration
{
    public static IServiceCollection AddNexusAnalytics(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AnalyticsOptions>().Bind(configuration.GetSection(AnalyticsOptions.Section));
        services.AddSingleton<MetricsSync>();
        services.AddHostedService<MetricsSweeper>();
        return services;
    }
}
