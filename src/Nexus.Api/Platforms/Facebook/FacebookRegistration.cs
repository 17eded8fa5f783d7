using Microsoft.Extensions.DependencyInjection.Extensions;
using Nexus.Api.Infrastructure.Outbound;

namespace Nexus.Api.Platforms.Facebook;

/// <summary>Registers Facebook Pages' options (<c>Nexus:Platforms:Facebook</c>), OAuth client, publisher and rules.</summary>
public sealed class FacebookRegistration : IPlatformRegistration
{
    public const string Section = "Nexus:Platforms:Facebook";

    public void Register(IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        services.AddOptions<FacebookOptions>().Bind(section).PostConfigure(o =>
        {
            if (o.Scopes.Count == 0)
            {
                o.Scopes.AddRange(FacebookOptions.DefaultScopes);
            }
        });
        services.TryAddSingleton(TimeProvider.System);

        var settings = section.Get<FacebookOptions>() ?? new FacebookOptions();
        // RemoveAllLoggers: the default HttpClient logging writes request URIs, and Meta's documented token exchanges
        // carry the app secret, the code and tokens in the query string.
        services.AddPlatformHttpClient<FacebookOAuthClient, FacebookOAuthClient>(PlatformId.Facebook, settings.AttemptTimeout).RemoveAllLoggers();
        services.AddPlatformHttpClient<FacebookPublisher, FacebookPublisher>(PlatformId.Facebook, settings.AttemptTimeout).RemoveAllLoggers();
        // The video is downloaded from the user's URL through the outbound guard.
        services.AddOutboundHttp(configuration);
        // Videos take longer than API calls: their own client, bounded by the per-attempt UploadTimeout only.
        services.AddPlatformHttpClient<FacebookVideoUploader, FacebookVideoUploader>(PlatformId.Facebook, settings.UploadTimeout)
            .ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllLoggers();
        services.AddTransient<IPlatformOAuthClient>(sp => sp.GetRequiredService<FacebookOAuthClient>());
        services.AddTransient<IPlatformPublisher>(sp => sp.GetRequiredService<FacebookPublisher>());
        services.TryAddSingleton<FacebookRules>();
        services.AddSingleton<IPlatformRules>(sp => sp.GetRequiredService<FacebookRules>());
    }
}
