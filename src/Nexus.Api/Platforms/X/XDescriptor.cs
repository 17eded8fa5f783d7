using Microsoft.Extensions.DependencyInjection.Extensions;
using Nexus.Api.Infrastructure.Outbound;

namespace Nexus.Api.Platforms.X;

/// <summary>X: settings <c>Nexus:Platforms:X</c>; media is fetched through the outbound guard.</summary>
public sealed class XDescriptor : PlatformDescriptor<XOptions, XOAuthClient, XPublisher, XRules>
{
    public override PlatformId Platform => PlatformId.X;

    // 280 weighted characters; 4 images, or 1 GIF, or 1 video; PKCE required.
    public override PlatformRules Catalogue { get; } = new(PlatformId.X, "X", 280, 4, [MediaKind.Image, MediaKind.Gif, MediaKind.Video], RequiresMedia: false, SupportsPkce: true);

    public override PlatformOptionSchema Options => XPostOptions.Schema;

    public override Type Metrics => typeof(XMetrics);

    public override Task<PlatformException> ErrorOfAsync(HttpResponseMessage response, DateTimeOffset now, CancellationToken cancellationToken) =>
        XHttp.FromResponseAsync(response, now, cancellationToken);

    protected override void AddServices(IServiceCollection services, IConfiguration configuration, XOptions settings)
    {
        // Media URLs are the user's: fetched through the outbound guard, not the platform's client.
        services.AddOutboundHttp(configuration);
        services.TryAddTransient<XMediaDownloader>();
    }
}
