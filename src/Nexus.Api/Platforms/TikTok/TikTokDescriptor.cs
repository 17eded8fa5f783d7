using Nexus.Api.Infrastructure.Outbound;

namespace Nexus.Api.Platforms.TikTok;

/// <summary>
/// TikTok: settings <c>Nexus:Platforms:TikTok</c>; the media transfer client has no overall timeout (an upload takes as long
/// as it takes; each attempt is bounded by <see cref="TikTokOptions.TransferAttemptTimeout"/>).
/// </summary>
public sealed class TikTokDescriptor : PlatformDescriptor<TikTokOptions, TikTokOAuthClient, TikTokPublisher, TikTokRules>
{
    public override PlatformId Platform => PlatformId.TikTok;

    // Title ≤2200 UTF-16 units; one video, or a photo post (TikTok documents up to 35 photos);
    // code_verifier only for mobile/desktop apps.
    public override PlatformRules Catalogue { get; } = new(PlatformId.TikTok, "TikTok", 2200, 35, [MediaKind.Image, MediaKind.Video], RequiresMedia: true, SupportsPkce: false);

    public override PlatformOptionSchema Options => TikTokPostOptions.Schema;

    public override Type Metrics => typeof(TikTokMetrics);

    public override async Task<PlatformException> ErrorOfAsync(HttpResponseMessage response, DateTimeOffset now, CancellationToken cancellationToken) =>
        TikTokErrors.FromResponse(response, PlatformErrors.Parse(await BodyOfAsync(response, cancellationToken)), now);

    protected override void AddServices(IServiceCollection services, IConfiguration configuration, TikTokOptions settings)
    {
        // The video is downloaded from the user's URL through the outbound guard.
        services.AddOutboundHttp(configuration);
        services.AddPlatformHttpClient<TikTokMediaTransfer, TikTokMediaTransfer>(PlatformId.TikTok, settings.TransferAttemptTimeout, settings.CircuitBreakDuration)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllLoggers();
    }
}
