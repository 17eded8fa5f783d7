using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Nexus.Api.Platforms.Instagram;

/// <summary>Registers Instagram's options (<c>Nexus:Platforms:Instagram</c>), OAuth client, publisher and rules.</summary>
public sealed class InstagramRegistration : IPlatformRegistration
{
    public const string Section = "Nexus:Platforms:Instagram";

    public void Register(IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        services.AddOptions<InstagramOptions>().Bind(section).PostConfigure(o =>
        {
            if (o.Scopes.Count == 0)
            {
                o.Scopes.AddRange(InstagramOptions.DefaultScopes);
            }
        });
        services.TryAddSingleton(TimeProvider.System);

        var timeout = section.Get<InstagramOptions>()?.AttemptTimeout ?? new InstagramOptions().AttemptTimeout;
        // RemoveAllLoggers: the default HttpClient logging writes request URIs, and Meta's documented token calls
        // (ig_exchange_token, ig_refresh_token) carry the app secret and tokens in the query string.
        services.AddPlatformHttpClient<InstagramOAuthClient, InstagramOAuthClient>(PlatformId.Instagram, timeout).RemoveAllLoggers();
        services.AddPlatformHttpClient<InstagramPublisher, InstagramPublisher>(PlatformId.Instagram, timeout).RemoveAllLoggers();
        services.AddTransient<IPlatformOAuthClient>(sp => sp.GetRequiredService<InstagramOAuthClient>());
        services.AddTransient<IPlatformPublisher>(sp => sp.GetRequiredService<InstagramPublisher>());
        services.TryAddSingleton<InstagramRules>();
        services.AddSingleton<IPlatformRules>(sp => sp.GetRequiredService<InstagramRules>());
    }
}
