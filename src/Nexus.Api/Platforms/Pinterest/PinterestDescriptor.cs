using Nexus.Api.Infrastructure.Outbound;

namespace Nexus.Api.Platforms.Pinterest;

/// <summary>
/// Pinterest: settings <c>Nexus:Platforms:Pinterest</c>; the media transfer client has no overall timeout (an upload takes as long
/// as it takes; each attempt is bounded by <see cref="PinterestOptions.TransferAttemptTimeout"/>).
/// </summary>
public sealed class PinterestDescriptor : PlatformDescriptor<PinterestOptions, PinterestOAuthClient, PinterestPublisher, PinterestRules>
{
    public override PlatformId Platform => PlatformId.Pinterest;

    // Pin description ≤800; one image or video per Pin (organic carousels are gone); PKCE not documented.
    public override PlatformRules Catalogue { get; } = new(PlatformId.Pinterest, "Pinterest", 800, 1, [MediaKind.Image, MediaKind.Gif, MediaKind.Video], RequiresMedia: true, SupportsPkce: false);

    public override PlatformOptionSchema Options => PinterestPostOptions.Schema;

    public override Type Metrics => typeof(PinterestMetrics);

    public override async Task<PlatformException> ErrorOfAsync(HttpResponseMessage response, DateTimeOffset now, CancellationToken cancellationToken) =>
        PinterestErrors.FromResponse(response, PlatformErrors.Parse(await BodyOfAsync(response, cancellationToken)), now);

    protected override void AddServices(IServiceCollection services, IConfiguration configuration, PinterestOptions settings)
    {
        // The video is downloaded from the user's URL through the outbound guard.
        services.AddOutboundHttp(configuration);
        services.AddPlatformHttpClient<PinterestMediaTransfer, PinterestMediaTransfer>(PlatformId.Pinterest, settings.TransferAttemptTimeout, settings.CircuitBreakDuration)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllLoggers();
    }
}
