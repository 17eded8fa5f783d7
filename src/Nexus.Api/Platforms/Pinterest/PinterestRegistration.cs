using Nexus.Api.Infrastructure.Outbound;

namespace Nexus.Api.Platforms.Pinterest;

/// <summary>
/// Registers Pinterest: options from <c>Nexus:Platforms:Pinterest</c>, the OAuth client, the publisher, the media
/// transfer client and the rules. The typed clients log nothing by themselves: signed upload URLs are credentials.
/// </summary>
public sealed class PinterestRegistration : IPlatformRegistration
{
    public void Register(IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(PinterestOptions.Section);
        services.Configure<PinterestOptions>(section);
        var options = section.Get<PinterestOptions>() ?? new PinterestOptions();

        services.AddPlatformHttpClient<PinterestOAuthClient, PinterestOAuthClient>(PlatformId.Pinterest, options.AttemptTimeout).RemoveAllLoggers();
        services.AddPlatformHttpClient<PinterestPublisher, PinterestPublisher>(PlatformId.Pinterest, options.AttemptTimeout).RemoveAllLoggers();
        // The video is downloaded from the user's URL through the outbound guard.
        services.AddOutboundHttp(configuration);
        services.AddPlatformHttpClient<PinterestMediaTransfer, PinterestMediaTransfer>(PlatformId.Pinterest, options.TransferAttemptTimeout)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllLoggers();
        services.AddSingleton<PinterestRules>();
        services.AddSingleton<IPlatformRules>(sp => sp.GetRequiredService<PinterestRules>());
        services.AddTransient<IPlatformOAuthClient>(sp => sp.GetRequiredService<PinterestOAuthClient>());
        services.AddTransient<IPlatformPublisher>(sp => sp.GetRequiredService<PinterestPublisher>());
    }
}
