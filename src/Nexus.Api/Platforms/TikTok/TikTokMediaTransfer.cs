using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;
using Microsoft.Win32.SafeHandles;

namespace Nexus.Api.Platforms.TikTok;

/// <summary>
/// Moves media bytes for TikTok's FILE_UPLOAD source: downloads a post's video into a temporary file (videos reach
/// 4 GB, so never into memory) and PUTs it to the <c>upload_url</c> TikTok hands out, chunk by chunk, with
/// <c>Content-Range</c>. Its own typed client, because a transfer may take minutes where an API call takes seconds.
/// </summary>
public sealed class TikTokMediaTransfer(HttpClient http, IOptions<TikTokOptions> options)
{
    private readonly TikTokOptions _options = options.Value;

    internal async Task<TikTokMediaFile> DownloadAsync(MediaItem media, long maxBytes, CancellationToken cancellationToken)
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
                throw new PlatformException(PlatformId.TikTok, kind, $"The video could not be downloaded for upload ({(int)response.StatusCode}).", "media_download_failed");
            }

            if (response.Content.Headers.ContentLength > maxBytes)
            {
                throw TooLarge(maxBytes);
            }

            file = File.OpenHandle(Path.Combine(Path.GetTempPath(), $"nexus-tiktok-{Guid.NewGuid():N}.media"), FileMode.CreateNew, FileAccess.ReadWrite,
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
                        throw TooLarge(maxBytes);
                    }

                    await RandomAccess.WriteAsync(file, buffer.AsMemory(0, read), length, timeout.Token);
                    length += read;
                }

                if (length == 0)
                {
                    throw new PlatformException(PlatformId.TikTok, PlatformFailureKind.Rejected, "The video file is empty.", "media_empty");
                }

                var downloaded = new TikTokMediaFile(file, length, media.MimeType ?? response.Content.Headers.ContentType?.MediaType);
                file = null;
                return downloaded;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        catch (Exception e) when (e is not PlatformException && (TikTokErrors.IsTransport(e, cancellationToken) || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested)))
        {
            throw new PlatformException(PlatformId.TikTok, PlatformFailureKind.Transient, "The video could not be downloaded for upload: the media server did not answer in time.", "media_download_failed", inner: e);
        }
        finally
        {
            file?.Dispose();
        }
    }

    /// <summary>
    /// PUTs every chunk in order. A failed chunk before the last leaves the upload incomplete, so nothing is published
    /// (Transient); losing the answer to the last chunk may mean TikTok has it all and is publishing (Unknown).
    /// </summary>
    internal async Task UploadAsync(Uri uploadUrl, TikTokMediaFile file, TikTokChunkPlan plan, CancellationToken cancellationToken)
    {
        var buffer = new byte[plan.LargestChunk];
        for (var index = 0; index < plan.TotalChunkCount; index++)
        {
            var (first, last) = plan.Range(index);
            var count = (int)(last - first + 1);
            await file.ReadAsync(buffer.AsMemory(0, count), first, cancellationToken);
            using var content = new ByteArrayContent(buffer, 0, count);
            content.Headers.ContentType = new MediaTypeHeaderValue(file.ContentType is { Length: > 0 } type && type.StartsWith("video/", StringComparison.Ordinal) ? type : "video/mp4");
            content.Headers.ContentRange = new ContentRangeHeaderValue(first, last, plan.VideoSize);
            using var request = new HttpRequestMessage(HttpMethod.Put, uploadUrl) { Content = content };
            var isLast = index == plan.TotalChunkCount - 1;
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, cancellationToken);
            }
            catch (Exception e) when (TikTokErrors.IsTransport(e, cancellationToken))
            {
                throw TikTokErrors.FromTransport(e, $"Uploading chunk {index + 1} of {plan.TotalChunkCount} to TikTok", mayHavePublished: isLast);
            }

            using (response)
            {
                if (!response.IsSuccessStatusCode)
                {
                    var kind = (int)response.StatusCode >= 500 ? PlatformFailureKind.Transient : PlatformHttp.KindOf(response.StatusCode);
                    throw new PlatformException(PlatformId.TikTok, kind,
                        $"TikTok refused chunk {index + 1} of {plan.TotalChunkCount} of the video upload ({(int)response.StatusCode}).", "upload_failed");
                }
            }
        }
    }

    private static PlatformException TooLarge(long maxBytes) =>
        new(PlatformId.TikTok, PlatformFailureKind.Rejected, $"The video is larger than TikTok's limit of {maxBytes / (1024 * 1024)} MB.", "video_too_large");
}

/// <summary>A downloaded media file in a temporary file that is deleted when disposed.</summary>
internal sealed class TikTokMediaFile(SafeFileHandle handle, long length, string? contentType) : IDisposable
{
    public long Length { get; } = length;

    public string? ContentType { get; } = contentType;

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

    public void Dispose() => handle.Dispose();
}

/// <summary>
/// How TikTok wants a FILE_UPLOAD cut (media transfer guide): chunks of 5–64 MB sent in order, a video under 5 MB (or
/// under one chunk) in one piece, <c>total_chunk_count = floor(video_size / chunk_size)</c> with the remainder riding
/// on the last chunk (so it stays under 128 MB), at most 1000 chunks.
/// </summary>
internal readonly record struct TikTokChunkPlan(long VideoSize, long ChunkSize, int TotalChunkCount)
{
    // 5 MiB is at least 5 MB whichever megabyte TikTok means; 64,000,000 is at most 64 MB either way.
    internal const long MinChunk = 5 * 1024 * 1024;
    internal const long MaxChunk = 64_000_000;
    private const int MaxChunks = 1000;

    public long LargestChunk => VideoSize - (ChunkSize * (TotalChunkCount - 1));

    public static TikTokChunkPlan For(long videoSize, long preferredChunkSize)
    {
        var chunk = Math.Clamp(preferredChunkSize, MinChunk, MaxChunk);
        if (videoSize < MinChunk || videoSize < chunk)
        {
            return new TikTokChunkPlan(videoSize, videoSize, 1);
        }

        if (videoSize / chunk > MaxChunks)
        {
            chunk = Math.Min(MaxChunk, (videoSize + MaxChunks - 1) / MaxChunks);
        }

        return new TikTokChunkPlan(videoSize, chunk, (int)(videoSize / chunk));
    }

    public (long First, long Last) Range(int index) =>
        (index * ChunkSize, index == TotalChunkCount - 1 ? VideoSize - 1 : ((index + 1) * ChunkSize) - 1);
}
