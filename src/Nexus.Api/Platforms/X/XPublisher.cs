using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Nexus.Api.Platforms.X;

/// <summary>
/// Publishes to X: uploads each media item through the v2 chunked upload (<c>initialize</c>, <c>append</c> per
/// segment, <c>finalize</c>, then <c>STATUS</c> polls while X processes it, waiting <c>check_after_secs</c>), then
/// creates the post with <c>POST /2/tweets</c>. Only that last call can make something public, so only its
/// failures in transit are <see cref="PlatformFailureKind.Unknown"/>; upload failures are safe to retry.
/// </summary>
/// <remarks>
/// <see cref="PublishRequest.Options"/> keys:
/// <list type="bullet">
/// <item><c>replySettings</c>: who may reply — <c>following</c>, <c>mentionedUsers</c>, <c>subscribers</c> or
/// <c>verified</c> (X's <c>reply_settings</c>); absent means everyone.</item>
/// <item><c>replyTo</c>: the id of a post this one answers (X's <c>reply.in_reply_to_tweet_id</c>).</item>
/// <item><c>firstComment</c>: text posted as a reply to the new post right after it. Its failure is logged, never
/// thrown: the post itself is already public and must not be published again.</item>
/// </list>
/// </remarks>
public sealed class XPublisher(HttpClient http, XMediaDownloader downloader, IOptions<XOptions> options, TimeProvider time, ILogger<XPublisher> logger)
    : IPlatformPublisher
{
    /// <summary>The values X accepts for <c>reply_settings</c>.</summary>
    public static IReadOnlyList<string> ReplySettings { get; } = ["following", "mentionedUsers", "subscribers", "verified"];

    public PlatformId Platform => PlatformId.X;

    public async Task<PublishResult> PublishAsync(PlatformAccount account, string accessToken, PublishRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentException.ThrowIfNullOrEmpty(accessToken);
        ArgumentNullException.ThrowIfNull(request);

        var mediaIds = new List<string>(request.Media.Count);
        for (var i = 0; i < request.Media.Count; i++)
        {
            mediaIds.Add(await UploadAsync(request.Media[i], i, accessToken, cancellationToken));
        }

        var post = new JsonObject();
        if (!string.IsNullOrEmpty(request.Text))
        {
            post["text"] = request.Text;
        }

        if (mediaIds.Count > 0)
        {
            post["media"] = new JsonObject { ["media_ids"] = new JsonArray([.. mediaIds.Select(id => JsonValue.Create(id))]) };
        }

        if (XPostOptions.ReplySettings.TryGet(request, out var replySettings) && !string.IsNullOrEmpty(replySettings))
        {
            post["reply_settings"] = replySettings;
        }

        if (XPostOptions.ReplyTo.TryGet(request, out var replyTo) && !string.IsNullOrEmpty(replyTo))
        {
            post["reply"] = new JsonObject { ["in_reply_to_tweet_id"] = replyTo };
        }

        var id = await CreatePostAsync(post, accessToken, cancellationToken);
        XLog.Published(logger, id, account.ExternalId, mediaIds.Count);

        if (XPostOptions.FirstComment.TryGet(request, out var firstComment) && !string.IsNullOrWhiteSpace(firstComment))
        {
            await PostFirstCommentAsync(id, firstComment, accessToken, cancellationToken);
        }

        var url = string.IsNullOrEmpty(account.Handle)
            ? new Uri($"https://x.com/i/web/status/{id}")
            : new Uri($"https://x.com/{Uri.EscapeDataString(account.Handle)}/status/{id}");
        return new PublishResult(id, url);
    }

    private async Task PostFirstCommentAsync(string postId, string text, string accessToken, CancellationToken cancellationToken)
    {
        try
        {
            var reply = new JsonObject { ["text"] = text, ["reply"] = new JsonObject { ["in_reply_to_tweet_id"] = postId } };
            var replyId = await CreatePostAsync(reply, accessToken, cancellationToken);
            XLog.FirstCommentPosted(logger, replyId, postId);
        }
        catch (Exception exception) when (exception is PlatformException or OperationCanceledException)
        {
            XLog.FirstCommentFailed(logger, exception, postId);
        }
    }

    private async Task<string> CreatePostAsync(JsonObject post, string accessToken, CancellationToken cancellationToken)
    {
        using var request = Authorized(HttpMethod.Post, options.Value.Api("/2/tweets"), accessToken);
        request.Content = Json(post);
        using var document = await XHttp.SendForJsonAsync(http, request, time, "create post", outcomeUnknown: true, cancellationToken);
        return PlatformErrors.Text(PlatformErrors.Child(document.RootElement, "data"), "id") ?? throw XHttp.Unexpected("the new post's id", outcomeUnknown: true);
    }

    private async Task<string> UploadAsync(MediaItem item, int index, string accessToken, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await using var media = await downloader.OpenAsync(item, index, cancellationToken);
        var mediaType = item.MimeType ?? media.ContentType ?? DefaultMediaType(item.Kind);
        var category = item.Kind switch
        {
            MediaKind.Gif => "tweet_gif",
            MediaKind.Video => "tweet_video",
            _ => "tweet_image",
        };

        string mediaId;
        using (var initialize = Authorized(HttpMethod.Post, settings.Api("/2/media/upload/initialize"), accessToken))
        {
            initialize.Content = Json(new JsonObject { ["media_type"] = mediaType, ["total_bytes"] = media.Length, ["media_category"] = category });
            using var document = await XHttp.SendForJsonAsync(http, initialize, time, $"media[{index}] initialize", outcomeUnknown: false, cancellationToken);
            mediaId = PlatformErrors.Text(PlatformErrors.Child(document.RootElement, "data"), "id") ?? throw XHttp.Unexpected($"a media id for media[{index}]");
        }

        var path = $"/2/media/upload/{Uri.EscapeDataString(mediaId)}";
        var buffer = new byte[(int)Math.Clamp(media.Length, 1, Math.Max(1, settings.MediaSegmentBytes))];
        long sent = 0;
        for (var segment = 0; sent < media.Length; segment++)
        {
            var read = await ReadSegmentAsync(media.Content, buffer, index, cancellationToken);
            if (read == 0)
            {
                throw new PlatformException(PlatformId.X, PlatformFailureKind.Transient, $"media[{index}] ended after {sent} of {media.Length} bytes.");
            }

            using var append = Authorized(HttpMethod.Post, settings.Api($"{path}/append"), accessToken);
            var bytes = new ByteArrayContent(buffer, 0, read);
            bytes.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            append.Content = new MultipartFormDataContent
            {
                { new StringContent(segment.ToString(CultureInfo.InvariantCulture)), "segment_index" },
                { bytes, "media", "media" },
            };
            using var appended = await XHttp.SendAsync(http, append, time, $"media[{index}] append", outcomeUnknown: false, cancellationToken);
            sent += read;
        }

        JsonElement processing;
        using (var finalize = Authorized(HttpMethod.Post, settings.Api($"{path}/finalize"), accessToken))
        {
            using var document = await XHttp.SendForJsonAsync(http, finalize, time, $"media[{index}] finalize", outcomeUnknown: false, cancellationToken);
            processing = PlatformErrors.Detach(PlatformErrors.Child(PlatformErrors.Child(document.RootElement, "data"), "processing_info"));
        }

        await WaitForProcessingAsync(mediaId, processing, index, accessToken, cancellationToken);
        return mediaId;
    }

    private async Task WaitForProcessingAsync(string mediaId, JsonElement processing, int index, string accessToken, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        for (var polls = 0; processing.ValueKind == JsonValueKind.Object; polls++)
        {
            switch (PlatformErrors.Text(processing, "state"))
            {
                case "succeeded" or null:
                    return;
                case "failed":
                    var error = PlatformErrors.Child(processing, "error");
                    throw new PlatformException(
                        PlatformId.X,
                        PlatformFailureKind.Rejected,
                        $"X could not process media[{index}]: {PlatformErrors.Text(error, "message") ?? PlatformErrors.Text(error, "name") ?? "processing failed"}",
                        PlatformErrors.Text(error, "name") ?? PlatformErrors.Text(error, "code"));
            }

            if (polls >= settings.MaxStatusPolls)
            {
                throw new PlatformException(
                    PlatformId.X,
                    PlatformFailureKind.Transient,
                    $"X was still processing media[{index}] after {polls} status checks; nothing was posted.",
                    "media_processing_timeout");
            }

            var wait = processing.TryGetProperty("check_after_secs", out var after) && after.TryGetDouble(out var seconds) && seconds >= 0
                ? TimeSpan.FromSeconds(seconds)
                : settings.StatusPollInterval;
            await Task.Delay(wait < settings.MaxStatusPollInterval ? wait : settings.MaxStatusPollInterval, time, cancellationToken);

            using var status = Authorized(HttpMethod.Get, settings.Api($"/2/media/upload?command=STATUS&media_id={Uri.EscapeDataString(mediaId)}"), accessToken);
            using var document = await XHttp.SendForJsonAsync(http, status, time, $"media[{index}] status", outcomeUnknown: false, cancellationToken);
            processing = PlatformErrors.Detach(PlatformErrors.Child(PlatformErrors.Child(document.RootElement, "data"), "processing_info"));
        }
    }

    private static async Task<int> ReadSegmentAsync(Stream source, byte[] buffer, int index, CancellationToken cancellationToken)
    {
        try
        {
            return await source.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
        }
        catch (Exception exception) when (exception is IOException or HttpRequestException)
        {
            throw new PlatformException(PlatformId.X, PlatformFailureKind.Transient, $"media[{index}] could not be downloaded.", inner: exception);
        }
    }

    private static string DefaultMediaType(MediaKind kind) => kind switch
    {
        MediaKind.Gif => "image/gif",
        MediaKind.Video => "video/mp4",
        _ => "image/jpeg",
    };

    private static HttpRequestMessage Authorized(HttpMethod method, Uri uri, string accessToken)
    {
        var request = new HttpRequestMessage(method, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return request;
    }

    private static StringContent Json(JsonObject body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");
}

internal static partial class XLog
{
    [LoggerMessage(EventId = 8301, Level = LogLevel.Information, Message = "Published post {PostId} to X account {AccountId} with {MediaCount} media")]
    public static partial void Published(ILogger logger, string postId, string accountId, int mediaCount);

    [LoggerMessage(EventId = 8302, Level = LogLevel.Information, Message = "Posted the first comment {ReplyId} under X post {PostId}")]
    public static partial void FirstCommentPosted(ILogger logger, string replyId, string postId);

    [LoggerMessage(EventId = 8303, Level = LogLevel.Warning, Message = "The first comment under X post {PostId} was not posted; the post itself is published")]
    public static partial void FirstCommentFailed(ILogger logger, Exception exception, string postId);
}
