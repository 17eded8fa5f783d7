using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Nexus.Api.Infrastructure.Outbound;

namespace Nexus.Api.Platforms.YouTube;

/// <summary>
/// Moves video bytes for YouTube: downloads the post's video into a temporary file (never into memory) and sends it
/// to the resumable upload session in <c>Content-Range</c> chunks. When a chunk is interrupted (no answer, 5xx) it
/// asks the session how much arrived (<c>Content-Range: bytes */TOTAL</c> → 308 with <c>Range: bytes=0-N</c>, or the
/// finished video) and continues from there. Its own typed client, because transfers take minutes.
/// </summary>
public sealed class YouTubeMediaTransfer(HttpClient http, OutboundHttp downloads, IOptions<YouTubeOptions> options, TimeProvider time, ILogger<YouTubeMediaTransfer> logger)
{
    private const HttpStatusCode ResumeIncomplete = (HttpStatusCode)308;
    private readonly YouTubeOptions _options = options.Value;

    internal Task<TempMediaFile> DownloadAsync(MediaItem media, long maxBytes, CancellationToken cancellationToken) =>
        MediaFiles.ToTempFileAsync(downloads, PlatformId.YouTube, media, maxBytes, _options.TransferAttemptTimeout, "video/*", () => TooLarge(), cancellationToken);

    /// <summary>
    /// Uploads <paramref name="file"/> to the session and returns the created video resource. Giving up after the
    /// last byte was sent leaves the outcome unknown (the video may exist); giving up before it is transient.
    /// </summary>
    internal async Task<JsonNode> UploadAsync(Uri session, string accessToken, TempMediaFile file, CancellationToken cancellationToken)
    {
        var chunkSize = (int)Math.Min(_options.ChunkSize, Math.Max(1, file.Length));
        var buffer = new byte[chunkSize];
        long offset = 0;
        var failures = 0;
        var lastByteSent = false;
        var askForStatus = false;
        while (true)
        {
            Step step;
            if (askForStatus || offset >= file.Length)
            {
                step = await SendAsync(StatusQuery(session, accessToken, file), cancellationToken);
            }
            else
            {
                var count = (int)Math.Min(chunkSize, file.Length - offset);
                await file.ReadAsync(buffer.AsMemory(0, count), offset, cancellationToken);
                lastByteSent |= offset + count == file.Length;
                step = await SendAsync(Chunk(session, accessToken, file, buffer, offset, count), cancellationToken);
            }

            switch (step)
            {
                case Step.Done done:
                    return done.Video;
                case Step.Incomplete incomplete:
                    var moved = incomplete.Next > offset;
                    var answeredStatus = askForStatus;
                    offset = incomplete.Next;
                    askForStatus = false;
                    if (moved)
                    {
                        failures = 0;
                    }

                    // A status answer says where to go on from; a chunk that moved nothing counts as a failure.
                    if (moved || answeredStatus)
                    {
                        continue;
                    }

                    break;
            }

            var reason = step is Step.Interrupted i ? i.Reason : "no progress";
            if (++failures > _options.MaxResumeAttempts)
            {
                var kind = lastByteSent ? PlatformFailureKind.Unknown : PlatformFailureKind.Transient;
                var outcome = lastByteSent ? " The video may or may not have been created." : string.Empty;
                throw new PlatformException(PlatformId.YouTube, kind,
                    $"The YouTube upload was interrupted {failures} times in a row ({reason}).{outcome}", "upload_interrupted", inner: (step as Step.Interrupted)?.Exception);
            }

            logger.Interrupted(offset, file.Length, failures);
            await Task.Delay(_options.ResumeDelay * Math.Pow(2, failures - 1), time, cancellationToken);
            askForStatus = true;
        }
    }

    private static HttpRequestMessage Chunk(Uri session, string accessToken, TempMediaFile file, byte[] buffer, long offset, int count)
    {
        var content = new ByteArrayContent(buffer, 0, count);
        content.Headers.ContentType = new MediaTypeHeaderValue(file.ContentType ?? "video/*");
        content.Headers.ContentRange = new ContentRangeHeaderValue(offset, offset + count - 1, file.Length);
        return YouTubeApi.Request(HttpMethod.Put, session, accessToken, content);
    }

    private static HttpRequestMessage StatusQuery(Uri session, string accessToken, TempMediaFile file)
    {
        var content = new ByteArrayContent([]);
        content.Headers.ContentRange = new ContentRangeHeaderValue(file.Length);
        return YouTubeApi.Request(HttpMethod.Put, session, accessToken, content);
    }

    private async Task<Step> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            HttpResponseMessage response;
            string text;
            try
            {
                response = await http.SendAsync(request, cancellationToken);
                text = await response.Content.ReadAsStringAsync(cancellationToken);
            }
            catch (Exception e) when (PlatformErrors.IsTransport(e, cancellationToken))
            {
                return new Step.Interrupted("no answer", e);
            }

            using (response)
            {
                var body = PlatformErrors.Parse(text);
                switch (response.StatusCode)
                {
                    case HttpStatusCode.OK or HttpStatusCode.Created when (body?["id"] is not null):
                        return new Step.Done(body);
                    case HttpStatusCode.OK or HttpStatusCode.Created:
                        // A success without the video resource is as good as no answer: ask the session what it has.
                        return new Step.Interrupted("unreadable answer", null);
                    case ResumeIncomplete:
                        return new Step.Incomplete(NextOffset(response));
                    case HttpStatusCode.NotFound or HttpStatusCode.Gone:
                        // The session expired; whatever was sent is gone with it, so starting over is safe.
                        throw new PlatformException(PlatformId.YouTube, PlatformFailureKind.Transient, "The YouTube upload session expired; the upload must start over.", "upload_session_expired");
                    case var status when (int)status >= 500:
                        return new Step.Interrupted($"{(int)status}", null);
                    default:
                        throw YouTubeErrors.FromResponse(response, body, time.GetUtcNow());
                }
            }
        }
    }

    // 308 "Resume Incomplete" says what arrived as "Range: bytes=0-N"; without the header nothing did.
    private static long NextOffset(HttpResponseMessage response)
    {
        if (response.Headers.TryGetValues("Range", out var values) && values.FirstOrDefault() is { } range)
        {
            var dash = range.LastIndexOf('-');
            if (dash >= 0 && long.TryParse(range.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var last))
            {
                return last + 1;
            }
        }

        return 0;
    }

    private static PlatformException TooLarge() =>
        new(PlatformId.YouTube, PlatformFailureKind.Rejected, "The video is larger than YouTube's limit of 256 GB.", "video_too_large");

    private abstract record Step
    {
        public sealed record Done(JsonNode Video) : Step;

        public sealed record Incomplete(long Next) : Step;

        public sealed record Interrupted(string Reason, Exception? Exception) : Step;
    }
}
