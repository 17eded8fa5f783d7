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

            return m with { Url = urls.For(id), File = new StoredFile(files, item.StorageKey, item.Facts.SizeBytes, item.Facts.Mime) };
        }).ToList();
        return request with { Media = media };
    }

    private sealed class StoredFile(IMediaStore files, string key, long length, string contentType) : ILibraryFile
    {
        public long Length => length;

        public string ContentType => contentType;

        public async Task<Stream> OpenAsync(CancellationToken cancellationToken)
        {
            var stored = await files.OpenAsync(key, null, cancellationToken)
                ?? throw new PlatformException(PlatformId.Sandbox, PlatformFailureKind.Rejected, "The library item's file is missing from storage.", "media_missing");
            return new OwnedStream(stored);
        }
    }

    /// <summary>The stored file's content, disposing the stored file with it.</summary>
    private sealed class OwnedStream(StoredMedia stored) : Stream
    {
        private readonly Stream _inner = stored.Content;

        public override bool CanRead => true;

        public override bool CanSeek => _inner.CanSeek;

        public override bool CanWrite => false;

        public override long Length => stored.Length;

        public override long Position
        {
            get => _inner.Position;
            set => _inner.Position = value;
        }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => _inner.Seek(offset, origin);

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override async ValueTask DisposeAsync()
        {
            await stored.DisposeAsync();
            await base.DisposeAsync();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
