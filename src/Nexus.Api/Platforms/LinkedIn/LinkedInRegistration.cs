using Microsoft.Extensions.DependencyInjection.Extensions;
using Nexus.Api.Infrastructure.Outbound;

namespace Nexus.Api.Platforms.LinkedIn;

/// <summary>Registers LinkedIn: options from <c>Nexus:Platforms:LinkedIn</c>, the typed clients, the rules.</summary>
public sealed class LinkedInRegistration : IPlatformRegistration
{
    public void Register(IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(LinkedInOptions.Section);
        services.Configure<LinkedInOptions>(section);
        var attemptTimeout = (section.Get<LinkedInOptions>() ?? new LinkedInOptions()).AttemptTimeout;

        services.TryAddSingleton(TimeProvider.System);
        services.AddPlatformHttpClient<LinkedInOAuthClient, LinkedInOAuthClient>(PlatformId.LinkedIn, attemptTimeout);
        services.AddPlatformHttpClient<LinkedInPublisher, LinkedInPublisher>(PlatformId.LinkedIn, attemptTimeout);
        // Media URLs are the user's: fetched through the outbound guard, not the platform's client.
        services.AddOutboundHttp(configuration);
        services.TryAddTransient<LinkedInMediaDownloader>();
        services.AddSingleton<IPlatformRules, LinkedInRules>();
        services.AddTransient<IPlatformOAuthClient>(sp => sp.GetRequiredService<LinkedInOAuthClient>());
        services.AddTransient<IPlatformPublisher>(sp => sp.GetRequiredService<LinkedInPublisher>());
    }
}
