using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;
using Microsoft.Win32.SafeHandles;

namespace Nexus.Api.Platforms.Pinterest;

/// <summary>
/// Moves video bytes for Pinterest: downloads the post's video into a temporary file (never into memory) and sends it
/// to the <c>upload_url</c> of a registered media upload as a multipart form, every <c>upload_parameters</c> field
/// first and the file last, without Pinterest's bearer (the parameters are the authorization; 204 on success). Its
/// own typed client, because a transfer may take minutes where an API call takes seconds.
/// </summary>
public sealed class PinterestMediaTransfer(HttpClient http, IOptions<PinterestOptions> options)
{
    private readonly PinterestOptions _options = options.Value;

    internal async Task<PinterestMediaFile> DownloadAsync(MediaItem media, long maxBytes, CancellationToken cancellationToken)
    {
        // The attempt timeout of the pipeline stops at the response headers; this one bounds reading the body.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.TransferAttemptTimeout);
        SafeFileHandle? file = null;
        try
        {
            using var response = await http.GetAsync(media.Url, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                // The media URL is Nexus's own storage: a 4xx will not heal by itself, a 5xx may.
                var kind = (int)response.StatusCode >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests
                    ? PlatformFailureKind.Transient
                    : PlatformFailureKind.Rejected;
                throw new PlatformException(PlatformId.Pinterest, kind, $"The video could not be downloaded for upload ({(int)response.StatusCode}).", "media_download_failed");
            }

            if (response.Content.Headers.ContentLength > maxBytes)
            {
                throw TooLarge();
            }

            file = File.OpenHandle(Path.Combine(Path.GetTempPath(), $"nexus-pinterest-{Guid.NewGuid():N}.media"), FileMode.CreateNew, FileAccess.ReadWrite,
                FileShare.None, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
            await using var source = await response.Content.ReadAsStreamAsync(timeout.Token);
            var buffer = ArrayPool<byte>.Shared.Rent(81920);
            try
            {
                long length = 0;
                int read;
                while ((read = await source.ReadAsync(buffer, timeout.Token)) > 0)
                {
                    if (length + read > maxBytes)
                    {
                        throw TooLarge();
                    }

                    await RandomAccess.WriteAsync(file, buffer.AsMemory(0, read), length, timeout.Token);
                    length += read;
                }

                if (length == 0)
                {
                    throw new PlatformException(PlatformId.Pinterest, PlatformFailureKind.Rejected, "The video file is empty.", "media_empty");
                }

                var contentType = media.MimeType ?? response.Content.Headers.ContentType?.MediaType;
                var downloaded = new PinterestMediaFile(file, length, contentType is { } type && type.StartsWith("video/", StringComparison.Ordinal) ? type : "video/mp4");
                file = null;
                return downloaded;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        catch (Exception e) when (e is not PlatformException && PinterestErrors.IsTransport(e, cancellationToken))
        {
            throw new PlatformException(PlatformId.Pinterest, PlatformFailureKind.Transient, "The video could not be downloaded for upload: the media server did not answer in time.", "media_download_failed", inner: e);
        }
        finally
        {
            file?.Dispose();
        }
    }

    /// <summary>
    /// Posts the file to the upload URL. Nothing is pinned yet, so every failure here is worth a fresh attempt (a new
    /// media registration): Transient.
    /// </summary>
    internal async Task UploadAsync(Uri uploadUrl, IReadOnlyDictionary<string, string> parameters, PinterestMediaFile file, CancellationToken cancellationToken)
    {
        using var form = new MultipartFormDataContent();
        foreach (var (name, value) in parameters)
        {
            form.Add(new StringContent(value), name);
        }

        var video = new StreamContent(file.OpenRead());
        video.Headers.ContentType = new MediaTypeHeaderValue(file.ContentType);
        video.Headers.ContentLength = file.Length;
        // The storage service takes the file from the last field.
        form.Add(video, "file", "video");
        using var request = new HttpRequestMessage(HttpMethod.Post, uploadUrl) { Content = form };
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (Exception e) when (PinterestErrors.IsTransport(e, cancellationToken))
        {
            throw PinterestErrors.FromTransport(e, "Uploading the video to Pinterest", mayHavePublished: false);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new PlatformException(PlatformId.Pinterest, PlatformFailureKind.Transient,
                    $"Pinterest's media storage refused the video upload ({(int)response.StatusCode}).", "media_upload_failed");
            }
        }
    }

    private static PlatformException TooLarge() =>
        new(PlatformId.Pinterest, PlatformFailureKind.Rejected, "The video is larger than Pinterest's limit of 2 GB.", "video_too_large");
}

/// <summary>A downloaded video in a temporary file that is deleted when disposed.</summary>
internal sealed class PinterestMediaFile(SafeFileHandle handle, long length, string contentType) : IDisposable
{
    public long Length { get; } = length;

    public string ContentType { get; } = contentType;

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
