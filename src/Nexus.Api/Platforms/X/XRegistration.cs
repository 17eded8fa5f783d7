using Microsoft.Extensions.DependencyInjection.Extensions;
using Nexus.Api.Infrastructure.Outbound;

namespace Nexus.Api.Platforms.X;

/// <summary>Registers X: options from <c>Nexus:Platforms:X</c>, the typed clients, the rules.</summary>
public sealed class XRegistration : IPlatformRegistration
{
    public void Register(IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(XOptions.Section);
        services.Configure<XOptions>(section);
        var attemptTimeout = (section.Get<XOptions>() ?? new XOptions()).AttemptTimeout;

        services.TryAddSingleton(TimeProvider.System);
        services.AddPlatformHttpClient<XOAuthClient, XOAuthClient>(PlatformId.X, attemptTimeout);
        services.AddPlatformHttpClient<XPublisher, XPublisher>(PlatformId.X, attemptTimeout);
        // Media URLs are the user's: fetched through the outbound guard, not the platform's client.
        services.AddOutboundHttp(configuration);
        services.TryAddTransient<XMediaDownloader>();
        services.AddSingleton<IPlatformRules, XRules>();
        services.AddTransient<IPlatformOAuthClient>(sp => sp.GetRequiredService<XOAuthClient>());
        services.AddTransient<IPlatformPublisher>(sp => sp.GetRequiredService<XPublisher>());
    }
}
