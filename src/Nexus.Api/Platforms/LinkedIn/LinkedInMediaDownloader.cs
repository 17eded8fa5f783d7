namespace Nexus.Api.Platforms.LinkedIn;

/// <summary>
/// Fetches a post's media from <see cref="MediaItem.Url"/> so it can be uploaded to LinkedIn. The body is
/// streamed, never held whole in memory; when the source does not say its length, it is spooled to a temporary
/// file first, because LinkedIn's video <c>initializeUpload</c> needs <c>fileSizeBytes</c>.
/// </summary>
public sealed class LinkedInMediaDownloader(HttpClient http)
{
    internal Task<MediaContent> OpenAsync(MediaItem item, int index, CancellationToken cancellationToken) =>
        MediaDownloads.OpenAsync(http, PlatformId.LinkedIn, item, index, PlatformErrors.IsTransport, cancellationToken);
}
