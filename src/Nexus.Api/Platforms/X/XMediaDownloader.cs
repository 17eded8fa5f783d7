namespace Nexus.Api.Platforms.X;

/// <summary>
/// Fetches a post's media from <see cref="MediaItem.Url"/> so it can be uploaded to X in segments. The body is
/// streamed, never held whole in memory; when the source does not say its length, it is spooled to a temporary
/// file first, because X's <c>initialize</c> needs <c>total_bytes</c>.
/// </summary>
public sealed class XMediaDownloader(HttpClient http)
{
    internal Task<MediaContent> OpenAsync(MediaItem item, int index, CancellationToken cancellationToken) =>
        MediaDownloads.OpenAsync(http, PlatformId.X, item, index, PlatformErrors.IsTransport, cancellationToken);
}
