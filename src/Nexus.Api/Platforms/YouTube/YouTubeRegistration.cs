using Nexus.Api.Infrastructure.Outbound;

namespace Nexus.Api.Platforms.YouTube;

/// <summary>
/// Registers YouTube: options from <c>Nexus:Platforms:YouTube</c>, the OAuth client, the publisher, the media transfer
/// client and the rules. The typed clients log nothing by themselves: upload session URIs are credentials.
/// </summary>
public sealed class YouTubeRegistration : IPlatformRegistration
{
    public void Register(IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(YouTubeOptions.Section);
        services.Configure<YouTubeOptions>(section);
        var options = section.Get<YouTubeOptions>() ?? new YouTubeOptions();

        services.AddPlatformHttpClient<YouTubeOAuthClient, YouTubeOAuthClient>(PlatformId.YouTube, options.AttemptTimeout).RemoveAllLoggers();
        services.AddPlatformHttpClient<YouTubePublisher, YouTubePublisher>(PlatformId.YouTube, options.AttemptTimeout).RemoveAllLoggers();
        // The video is downloaded from the user's URL through the outbound guard.
        services.AddOutboundHttp(configuration);
        services.AddPlatformHttpClient<YouTubeMediaTransfer, YouTubeMediaTransfer>(PlatformId.YouTube, options.TransferAttemptTimeout)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllLoggers();
        services.AddSingleton<YouTubeRules>();
        services.AddSingleton<IPlatformRules>(sp => sp.GetRequiredService<YouTubeRules>());
        services.AddTransient<IPlatformOAuthClient>(sp => sp.GetRequiredService<YouTubeOAuthClient>());
        services.AddTransient<IPlatformPublisher>(sp => sp.GetRequiredService<YouTubePublisher>());
    }
}
