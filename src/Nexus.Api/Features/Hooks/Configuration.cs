using Nexus.Api.Features.Hooks.Delivering;
using Nexus.Api.Infrastructure.Outbound;

namespace Nexus.Api.Features.Hooks;

public static class Configuration
{
    public static IServiceCollection AddNexusHooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HooksOptions>().Bind(configuration.GetSection(HooksOptions.Section))
            .Validate(o => o.Timeout > TimeSpan.Zero && o.DisableAfter > TimeSpan.Zero && o.SweepInterval > TimeSpan.Zero && o.SweepBatch > 0
                && o.ClaimLease > o.Timeout && o.MaxLoggedResponseBytes > 0 && o.Schedule.All(s => s > TimeSpan.Zero),
                $"{HooksOptions.Section}: every duration must be positive, and ClaimLease longer than Timeout.")
            .ValidateOnStart();
        services.AddOutboundHttp(configuration);
        services.AddSingleton<WebhookUrls>();
        services.AddSingleton<HookSender>();
        services.AddHostedService<HookSweeper>();
        return services;
    }
}
