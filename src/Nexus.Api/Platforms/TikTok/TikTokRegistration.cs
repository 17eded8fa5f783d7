using Nexus.Api.Infrastructure.Outbound;

namespace Nexus.Api.Platforms.TikTok;

/// <summary>
/// Registers TikTok: options from <c>Nexus:Platforms:TikTok</c>, the OAuth client, the publisher, the media transfer
/// client and the rules. The typed clients log nothing by themselves: TikTok's upload URLs are credentials.
/// </summary>
public sealed class TikTokRegistration : IPlatformRegistration
{
    public void Register(IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(TikTokOptions.Section);
        services.Configure<TikTokOptions>(section);
        var options = section.Get<TikTokOptions>() ?? new TikTokOptions();

        services.AddPlatformHttpClient<TikTokOAuthClient, TikTokOAuthClient>(PlatformId.TikTok, options.AttemptTimeout).RemoveAllLoggers();
        services.AddPlatformHttpClient<TikTokPublisher, TikTokPublisher>(PlatformId.TikTok, options.AttemptTimeout).RemoveAllLoggers();
        // The video is downloaded from the user's URL through the outbound guard.
        services.AddOutboundHttp(configuration);
        services.AddPlatformHttpClient<TikTokMediaTransfer, TikTokMediaTransfer>(PlatformId.TikTok, options.TransferAttemptTimeout)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllLoggers();
        services.AddSingleton<TikTokRules>();
        services.AddSingleton<IPlatformRules>(sp => sp.GetRequiredService<TikTokRules>());
        services.AddTransient<IPlatformOAuthClient>(sp => sp.GetRequiredService<TikTokOAuthClient>());
        services.AddTransient<IPlatformPublisher>(sp => sp.GetRequiredService<TikTokPublisher>());
    }
}
