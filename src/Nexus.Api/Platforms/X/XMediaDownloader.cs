using Microsoft.Extensions.Options;
using Nexus.Api.Infrastructure.Outbound;

namespace Nexus.Api.Platforms.X;

/// <summary>
/// Fetches a post's media from <see cref="MediaItem.Url"/> so it can be uploaded to X in segments, through the
/// outbound guard (see <see cref="MediaDownloads"/>), never more than X accepts for the media's kind. The body is
/// streamed, never held whole in memory; when the source does not say its length, it is spooled to a temporary
/// file first, because X's <c>initialize</c> needs <c>total_bytes</c>.
/// </summary>
public sealed class XMediaDownloader(OutboundHttp http, IOptions<XOptions> options)
{
    internal Task<MediaContent> OpenAsync(MediaItem item, int index, CancellationToken cancellationToken) =>
        MediaDownloads.OpenAsync(http, PlatformId.X, item, index, MaxBytes(item.Kind), cancellationToken);

    private long MaxBytes(MediaKind kind) => kind switch
    {
        MediaKind.Video => options.Value.MaxVideoBytes,
        MediaKind.Gif => XRules.MaxGifBytes,
        _ => XRules.MaxImageBytes,
    };
}
