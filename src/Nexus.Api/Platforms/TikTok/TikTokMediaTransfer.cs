using System.Net.Http.Headers;
using Microsoft.Extensions.Options;
using Nexus.Api.Infrastructure.Outbound;

namespace Nexus.Api.Platforms.TikTok;

/// <summary>
/// Moves media bytes for TikTok's FILE_UPLOAD source: downloads a post's video into a temporary file (videos reach
/// 4 GB, so never into memory) and PUTs it to the <c>upload_url</c> TikTok hands out, chunk by chunk, with
/// <c>Content-Range</c>. Its own typed client, because a transfer may take minutes where an API call takes seconds.
/// </summary>
public sealed class TikTokMediaTransfer(HttpClient http, OutboundHttp downloads, IOptions<TikTokOptions> options)
{
    private readonly TikTokOptions _options = options.Value;

    internal Task<TempMediaFile> DownloadAsync(MediaItem media, long maxBytes, CancellationToken cancellationToken) =>
        MediaFiles.ToTempFileAsync(downloads, PlatformId.TikTok, media, maxBytes, _options.TransferAttemptTimeout, null, () => TooLarge(maxBytes), cancellationToken);

    /// <summary>
    /// PUTs every chunk in order. A failed chunk before the last leaves the upload incomplete, so nothing is published
    /// (Transient); losing the answer to the last chunk may mean TikTok has it all and is publishing (Unknown).
    /// </summary>
    internal async Task UploadAsync(Uri uploadUrl, TempMediaFile file, TikTokChunkPlan plan, CancellationToken cancellationToken)
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
            catch (Exception e) when (PlatformErrors.IsTransport(e, cancellationToken))
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
