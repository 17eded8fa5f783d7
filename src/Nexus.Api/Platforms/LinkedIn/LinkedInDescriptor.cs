using Microsoft.Extensions.DependencyInjection.Extensions;
using Nexus.Api.Infrastructure.Outbound;

namespace Nexus.Api.Platforms.LinkedIn;

/// <summary>LinkedIn: settings <c>Nexus:Platforms:LinkedIn</c>; media is fetched through the outbound guard.</summary>
public sealed class LinkedInDescriptor : PlatformDescriptor<LinkedInOptions, LinkedInOAuthClient, LinkedInPublisher, LinkedInRules>
{
    public override PlatformId Platform => PlatformId.LinkedIn;

    public override PlatformOptionSchema Options => LinkedInPostOptions.Schema;

    public override Task<PlatformException> ErrorOfAsync(HttpResponseMessage response, DateTimeOffset now, CancellationToken cancellationToken) =>
        LinkedInHttp.FromResponseAsync(response, now, cancellationToken);

    protected override void AddServices(IServiceCollection services, IConfiguration configuration, LinkedInOptions settings)
    {
        // Media URLs are the user's: fetched through the outbound guard, not the platform's client.
        services.AddOutboundHttp(configuration);
        services.TryAddTransient<LinkedInMediaDownloader>();
    }
}
