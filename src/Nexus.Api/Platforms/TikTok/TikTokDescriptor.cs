using Nexus.Api.Infrastructure.Outbound;

namespace Nexus.Api.Platforms.TikTok;

/// <summary>
/// TikTok: settings <c>Nexus:Platforms:TikTok</c>; the media transfer client has no overall timeout (an upload takes as long
/// as it takes; each attempt is bounded by <see cref="TikTokOptions.TransferAttemptTimeout"/>).
/// </summary>
public sealed class TikTokDescriptor : PlatformDescriptor<TikTokOptions, TikTokOAuthClient, TikTokPublisher, TikTokRules>
{
    public override PlatformId Platform => PlatformId.TikTok;

    public override PlatformOptionSchema Options => TikTokPostOptions.Schema;

    public override async Task<PlatformException> ErrorOfAsync(HttpResponseMessage response, DateTimeOffset now, CancellationToken cancellationToken) =>
        TikTokErrors.FromResponse(response, PlatformErrors.Parse(await BodyOfAsync(response, cancellationToken)), now);

    protected override void AddServices(IServiceCollection services, IConfiguration configuration, TikTokOptions settings)
    {
        // The video is downloaded from the user's URL through the outbound guard.
        services.AddOutboundHttp(configuration);
        services.AddPlatformHttpClient<TikTokMediaTransfer, TikTokMediaTransfer>(PlatformId.TikTok, settings.TransferAttemptTimeout)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllLoggers();
    }
}
