using System.Buffers;
using System.Net;
using Microsoft.Win32.SafeHandles;
using Nexus.Api.Infrastructure.Outbound;

namespace Nexus.Api.Platforms;

/// <summary>
/// Downloads for platforms that upload video bytes in pieces (TikTok, YouTube, Pinterest), through the outbound guard
/// (<see cref="OutboundHttp"/>: public addresses only, on every redirect): the media goes to a temporary file (never
/// into memory), bounded by the platform's size limit while it streams.
/// </summary>
public static class MediaFiles
{
    /// <summary>
    /// Downloads <paramref name="media"/>; a body larger than <paramref name="maxBytes"/> stops with
    /// <paramref name="tooLarge"/>. With <paramref name="videoFallbackType"/>, a declared type that is not
    /// <c>video/*</c> is replaced by it.
    /// </summary>
    public static async Task<TempMediaFile> ToTempFileAsync(OutboundHttp http, PlatformId platform, MediaItem media, long maxBytes, TimeSpan transferTimeout,
        string? videoFallbackType, Func<PlatformException> tooLarge, CancellationToken cancellationToken)
    {
        if (media.File is { } library)
        {
            return await FromLibraryAsync(platform, library, maxBytes, videoFallbackType, tooLarge, cancellationToken);
        }

        SafeFileHandle? file = null;
        try
        {
            // The guard bounds the whole transfer (headers and body) by transferTimeout, and the body by its own cap;
            // the platform's limit is checked here so the refusal names it.
            using var response = await http.GetAsync(media.Url, new OutboundLimits(Timeout: transferTimeout), cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                // The media URL is Nexus's own storage: a 4xx will not heal by itself, a 5xx may.
                var kind = (int)response.StatusCode >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests
                    ? PlatformFailureKind.Transient
                    : PlatformFailureKind.Rejected;
                throw new PlatformException(platform, kind, $"The video could not be downloaded for upload ({(int)response.StatusCode}).", "media_download_failed");
            }

            if (response.Content.Headers.ContentLength > maxBytes)
            {
                throw tooLarge();
            }

            file = File.OpenHandle(Path.Combine(Path.GetTempPath(), $"nexus-{platform.ToString().ToLowerInvariant()}-{Guid.NewGuid():N}.media"), FileMode.CreateNew, FileAccess.ReadWrite,
                FileShare.None, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
            await using var source = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = ArrayPool<byte>.Shared.Rent(81920);
            try
            {
                long length = 0;
                int read;
                while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    if (length + read > maxBytes)
                    {
                        throw tooLarge();
                    }

                    await RandomAccess.WriteAsync(file, buffer.AsMemory(0, read), length, cancellationToken);
                    length += read;
                }

                if (length == 0)
                {
                    throw new PlatformException(platform, PlatformFailureKind.Rejected, "The video file is empty.", "media_empty");
                }

                var contentType = media.MimeType ?? response.Content.Headers.ContentType?.MediaType;
                var declared = videoFallbackType is null || (contentType?.StartsWith("video/", StringComparison.Ordinal) ?? false) ? contentType : videoFallbackType;
                var downloaded = new TempMediaFile(file, length, declared);
                file = null;
                return downloaded;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        catch (OutboundException refused)
        {
            throw MediaDownloads.Refused(platform, "The video", refused);
        }
        catch (Exception e) when (e is not PlatformException && PlatformErrors.IsTransport(e, cancellationToken))
        {
            throw new PlatformException(platform, PlatformFailureKind.Transient, "The video could not be downloaded for upload: the media server did not answer in time.", "media_download_failed", inner: e);
        }
        finally
        {
            file?.Dispose();
        }
    }

    /// <summary>
    /// A library item's bytes copied from storage to a temporary file (the uploads read by offset; an object store's
    /// stream cannot seek). Its length is known before a byte is read, so the platform's limit is checked first.
    /// </summary>
    private static async Task<TempMediaFile> FromLibraryAsync(PlatformId platform, ILibraryFile library, long maxBytes, string? videoFallbackType,
        Func<PlatformException> tooLarge, CancellationToken cancellationToken)
    {
        if (library.Length > maxBytes)
        {
            throw tooLarge();
        }

        var file = File.OpenHandle(Path.Combine(Path.GetTempPath(), $"nexus-{platform.ToString().ToLowerInvariant()}-{Guid.NewGuid():N}.media"), FileMode.CreateNew, FileAccess.ReadWrite,
            FileShare.None, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            await using var source = await library.OpenAsync(cancellationToken);
            var buffer = ArrayPool<byte>.Shared.Rent(81920);
            long length = 0;
            try
            {
                int read;
                while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    await RandomAccess.WriteAsync(file, buffer.AsMemory(0, read), length, cancellationToken);
                    length += read;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            var type = videoFallbackType is null || library.ContentType.StartsWith("video/", StringComparison.Ordinal) ? library.ContentType : videoFallbackType;
            return new TempMediaFile(file, length, type);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }
}

/// <summary>A downloaded media file (deleted when disposed): read by offset, or through a stream from its start.</summary>
public sealed class TempMediaFile(SafeFileHandle handle, long length, string? contentType) : IDisposable
{
    public long Length { get; } = length;

    public string? ContentType { get; } = contentType;

    /// <summary>Fills <paramref name="destination"/> from <paramref name="offset"/>.</summary>
    public async Task ReadAsync(Memory<byte> destination, long offset, CancellationToken cancellationToken)
    {
        var done = 0;
        while (done < destination.Length)
        {
            var read = await RandomAccess.ReadAsync(handle, destination[done..], offset + done, cancellationToken);
            if (read == 0)
            {
                throw new EndOfStreamException("The downloaded media file is shorter than expected.");
            }

            done += read;
        }
    }

    /// <summary>A stream over the file from its start; it does not close the file.</summary>
    public Stream OpenRead() => new RangeStream(handle, Length);

    public void Dispose() => handle.Dispose();

    private sealed class RangeStream(SafeFileHandle handle, long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position
        {
            get => _position;
            set => _position = Math.Clamp(value, 0, length);
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var read = RandomAccess.Read(handle, buffer[..(int)Math.Min(buffer.Length, length - _position)], _position);
            _position += read;
            return read;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await RandomAccess.ReadAsync(handle, buffer[..(int)Math.Min(buffer.Length, length - _position)], _position, cancellationToken);
            _position += read;
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => length + offset,
        };

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
