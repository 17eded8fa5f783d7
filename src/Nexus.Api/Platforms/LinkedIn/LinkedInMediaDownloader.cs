using Nexus.Api.Infrastructure.Outbound;

namespace Nexus.Api.Platforms.LinkedIn;

/// <summary>
/// Fetches a post's media from <see cref="MediaItem.Url"/> so it can be uploaded to LinkedIn, through the outbound
/// guard (see <see cref="MediaDownloads"/>); a video never beyond LinkedIn's limit. The body is streamed, never held
/// whole in memory; when the source does not say its length, it is spooled to a temporary file first, because
/// LinkedIn's video <c>initializeUpload</c> needs <c>fileSizeBytes</c>.
/// </summary>
public sealed class LinkedInMediaDownloader(OutboundHttp http)
{
    internal Task<MediaContent> OpenAsync(MediaItem item, int index, CancellationToken cancellationToken) =>
        MediaDownloads.OpenAsync(http, PlatformId.LinkedIn, item, index, item.Kind == MediaKind.Video ? LinkedInRules.MaxVideoBytes : null, cancellationToken);
}
