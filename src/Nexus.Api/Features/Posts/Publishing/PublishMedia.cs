using Marten;
using Nexus.Api.Features.Media;
using Nexus.Api.Features.Media.Storage;
using Nexus.Api.Platforms;

namespace Nexus.Api.Features.Posts.Publishing;

/// <summary>
/// Turns a target's library media into what its publisher needs, at the moment it calls the platform: a signed,
/// expiring URL under <c>Nexus:PublicUrl</c> (<see cref="MediaUrls"/>) for platforms that fetch by URL, and the stored
/// bytes (<see cref="ILibraryFile"/>, length known up front) for those Nexus uploads to. Signed here and not when the
/// post was drafted, because the URL expires.
/// </summary>
public sealed class PublishMedia(IDocumentStore store, IMediaStore files, MediaUrls urls)
{
    /// <summary>
    /// <paramref name="request"/> with its library items signed and readable. An item deleted since (the library refuses
    /// to delete items scheduled posts use, but a draft published now may still name one) fails the attempt as Rejected.
    /// </summary>
    public async Task<PublishRequest> ResolveAsync(PublishRequest request, PlatformId platform, CancellationToken ct)
    {
        var ids = request.Media.Select(m => m.LibraryId).OfType<Guid>().Distinct().ToArray();
        if (ids.Length == 0)
        {
            return request;
        }

        await using var session = store.QuerySession();
        var items = (await session.LoadManyAsync<MediaAsset>(ct, ids)).ToDictionary(m => m.Id);
        var media = request.Media.Select((m, i) =>
        {
            if (m.LibraryId is not { } id)
            {
                return m;
            }

            if (!items.TryGetValue(id, out var item) || item.Deleted)
            {
                throw new PlatformException(platform, PlatformFailureKind.Rejected, $"media[{i}] was deleted from the media library; choose another item and retry.", "media_deleted");
            }

            return m with { Url = urls.For(id), File = new StoredFile(files, platform, item.StorageKey, item.Facts.SizeBytes, item.Facts.Mime) };
        }).ToList();
        return request with { Media = media };
    }

    private sealed class StoredFile(IMediaStore files, PlatformId platform, string key, long length, string contentType) : ILibraryFile
    {
        public long Length => length;

        public string ContentType => contentType;

        public async Task<Stream> OpenAsync(CancellationToken cancellationToken)
        {
            var stored = await files.OpenAsync(key, null, cancellationToken)
                ?? throw new PlatformException(platform, PlatformFailureKind.Rejected, "The library item's file is missing from storage.", "media_missing");
            // Disposing the content is disposing the stored file (StoredMedia owns nothing else); with no range it is the whole file.
            return stored.Content;
        }
    }
}
