using Microsoft.Extensions.Options;
using Nexus.Api.Infrastructure.Outbound;
using Nexus.Api.Platforms.Meta;

namespace Nexus.Api.Platforms.Facebook;

/// <summary>Facebook Pages: settings <c>Nexus:Platforms:Facebook</c>, Meta's error map.</summary>
public sealed class FacebookDescriptor : PlatformDescriptor<FacebookOptions, FacebookOAuthClient, FacebookPublisher, FacebookRules>
{
    public override PlatformId Platform => PlatformId.Facebook;

    // Page posts: Facebook's 63,206-character message limit; multi-photo posts of up to 10 photos, or one video.
    // PKCE exists only in the OIDC code flow, still "in testing".
    public override PlatformRules Catalogue { get; } = new(PlatformId.Facebook, "Facebook Pages", 63206, 10, [MediaKind.Image, MediaKind.Video], RequiresMedia: false, SupportsPkce: false);

    public override PlatformOptionSchema Options => FacebookPostOptions.Schema;

    public override Type Metrics => typeof(FacebookMetrics);

    public override async Task<PlatformException> ErrorOfAsync(HttpResponseMessage response, DateTimeOffset now, CancellationToken cancellationToken) =>
        MetaErrors.FromResponse(Platform, response, await BodyOfAsync(response, cancellationToken), now, []);

    protected override void ConfigureSettings(OptionsBuilder<FacebookOptions> settings) =>
        settings.PostConfigure(o =>
        {
            if (o.Scopes.Count == 0)
            {
                o.Scopes.AddRange(FacebookOptions.DefaultScopes);
            }
        });

    protected override void AddServices(IServiceCollection services, IConfiguration configuration, FacebookOptions settings)
    {
        // The video is downloaded from the user's URL through the outbound guard.
        services.AddOutboundHttp(configuration);
        // Videos take longer than API calls: their own client, bounded by the per-attempt UploadTimeout only.
        services.AddPlatformHttpClient<FacebookVideoUploader, FacebookVideoUploader>(PlatformId.Facebook, settings.UploadTimeout, settings.CircuitBreakDuration)
            .ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllLoggers();
    }
}
