using Microsoft.Extensions.DependencyInjection.Extensions;
using Nexus.Api.Infrastructure.Outbound;

namespace Nexus.Api.Platforms.LinkedIn;

/// <summary>LinkedIn: settings <c>Nexus:Platforms:LinkedIn</c>; media is fetched through the outbound guard.</summary>
public sealed class LinkedInDescriptor : PlatformDescriptor<LinkedInOptions, LinkedInOAuthClient, LinkedInPublisher, LinkedInRules>
{
    public override PlatformId Platform => PlatformId.LinkedIn;

    // Commentary ≤3000; multiImage posts of 2–20 images; PKCE for native apps only.
    public override PlatformRules Catalogue { get; } = new(PlatformId.LinkedIn, "LinkedIn", 3000, 20, [MediaKind.Image, MediaKind.Gif, MediaKind.Video], RequiresMedia: false, SupportsPkce: false);

    public override PlatformOptionSchema Options => LinkedInPostOptions.Schema;

    public override Type Metrics => typeof(LinkedInMetrics);

    public override Task<PlatformException> ErrorOfAsync(HttpResponseMessage response, DateTimeOffset now, CancellationToken cancellationToken) =>
        LinkedInHttp.FromResponseAsync(response, now, cancellationToken);

    protected override void AddServices(IServiceCollection services, IConfiguration configuration, LinkedInOptions settings)
    {
        // Media URLs are the user's: fetched through the outbound guard, not the platform's client.
        services.AddOutboundHttp(configuration);
        services.TryAddTransient<LinkedInMediaDownloader>();
    }
}
