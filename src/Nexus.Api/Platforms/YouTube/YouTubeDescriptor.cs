using Nexus.Api.Infrastructure.Outbound;

namespace Nexus.Api.Platforms.YouTube;

/// <summary>
/// YouTube: settings <c>Nexus:Platforms:YouTube</c>; the media transfer client has no overall timeout (an upload takes as long
/// as it takes; each attempt is bounded by <see cref="YouTubeOptions.TransferAttemptTimeout"/>).
/// </summary>
public sealed class YouTubeDescriptor : PlatformDescriptor<YouTubeOptions, YouTubeOAuthClient, YouTubePublisher, YouTubeRules>
{
    public override PlatformId Platform => PlatformId.YouTube;

    // The description (≤5000 bytes) carries the text; one video per upload; Google supports PKCE.
    public override PlatformRules Catalogue { get; } = new(PlatformId.YouTube, "YouTube", 5000, 1, [MediaKind.Video], RequiresMedia: true, SupportsPkce: true);

    public override PlatformOptionSchema Options => YouTubePostOptions.Schema;

    public override Type Metrics => typeof(YouTubeMetrics);

    public override async Task<PlatformException> ErrorOfAsync(HttpResponseMessage response, DateTimeOffset now, CancellationToken cancellationToken) =>
        YouTubeErrors.FromResponse(response, PlatformErrors.Parse(await BodyOfAsync(response, cancellationToken)), now);

    protected override void AddServices(IServiceCollection services, IConfiguration configuration, YouTubeOptions settings)
    {
        // The video is downloaded from the user's URL through the outbound guard.
        services.AddOutboundHttp(configuration);
        services.AddPlatformHttpClient<YouTubeMediaTransfer, YouTubeMediaTransfer>(PlatformId.YouTube, settings.TransferAttemptTimeout, settings.CircuitBreakDuration)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllLoggers();
    }
}
