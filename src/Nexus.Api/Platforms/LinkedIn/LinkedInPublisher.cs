using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Nexus.Api.Platforms.LinkedIn;

/// <summary>
/// Publishes to LinkedIn with the Posts API (<c>POST /rest/posts</c>), as the member (<c>urn:li:person:{id}</c>) or
/// an organization (<c>urn:li:organization:{id}</c>) by the account's kind. Text posts; one image, or 2–20 images
/// (<c>multiImage</c>), each uploaded with the Images API (<c>initializeUpload</c>, then <c>PUT</c> of the bytes); one
/// video through the Videos API (<c>initializeUpload</c>, <c>PUT</c> of each part collecting ETags,
/// <c>finalizeUpload</c>). Commentary is escaped as little text (<see cref="LinkedInLittleText"/>). The post's URN
/// comes back in <c>x-restli-id</c>. Only the post-creating call can make something public, so only its failures
/// in transit are <see cref="PlatformFailureKind.Unknown"/>.
/// </summary>
/// <remarks>
/// <see cref="PublishRequest.Options"/> keys:
/// <list type="bullet">
/// <item><c>visibility</c>: <c>PUBLIC</c> (default) or <c>CONNECTIONS</c> (members only).</item>
/// <item><c>firstComment</c>: a comment the author adds under the new post (⚠ Comments API, not in PLATFORMS.md);
/// its failure is logged, never thrown, since the post is already public.</item>
/// <item><c>disableReshare</c>: <c>true</c> to stop others resharing the post (<c>isReshareDisabledByAuthor</c>).</item>
/// <item><c>videoTitle</c>: the title shown with a video.</item>
/// </list>
/// </remarks>
public sealed class LinkedInPublisher(
    HttpClient http,
    LinkedInMediaDownloader downloader,
    IOptions<LinkedInOptions> options,
    TimeProvider time,
    ILogger<LinkedInPublisher> logger) : IPlatformPublisher
{
    /// <summary>The visibilities Nexus offers.</summary>
    public static IReadOnlyList<string> Visibilities { get; } = ["PUBLIC", "CONNECTIONS"];

    public PlatformId Platform => PlatformId.LinkedIn;

    /// <summary>The author URN for an account: organizations post as <c>urn:li:organization</c>, everyone else as a person.</summary>
    public static string AuthorUrn(PlatformAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        return account.ExternalId.StartsWith("urn:li:", StringComparison.Ordinal)
            ? account.ExternalId
            : account.Kind == AccountKind.Organization ? $"urn:li:organization:{account.ExternalId}" : $"urn:li:person:{account.ExternalId}";
    }

    public async Task<PublishResult> PublishAsync(PlatformAccount account, string accessToken, PublishRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentException.ThrowIfNullOrEmpty(accessToken);
        ArgumentNullException.ThrowIfNull(request);
        var author = AuthorUrn(account);
        var content = await UploadMediaAsync(author, accessToken, request, cancellationToken);

        var post = new JsonObject
        {
            ["author"] = author,
            ["commentary"] = LinkedInLittleText.Escape(request.Text ?? ""),
            ["visibility"] = LinkedInPostOptions.Visibility.TryGet(request, out var visibility) && !string.IsNullOrEmpty(visibility) ? visibility : "PUBLIC",
            ["distribution"] = new JsonObject
            {
                ["feedDistribution"] = "MAIN_FEED",
                ["targetEntities"] = new JsonArray(),
                ["thirdPartyDistributionChannels"] = new JsonArray(),
            },
        };
        if (content is not null)
        {
            post["content"] = content;
        }

        post["lifecycleState"] = "PUBLISHED";
        post["isReshareDisabledByAuthor"] = LinkedInPostOptions.DisableReshare.TryGet(request, out var disableReshare) &&
                                            bool.TryParse(disableReshare, out var disabled) && disabled;

        var settings = options.Value;
        string urn;
        using (var create = LinkedInHttp.Rest(HttpMethod.Post, settings.Api("/rest/posts"), accessToken, settings.ApiVersion))
        {
            create.Content = LinkedInHttp.Json(post);
            using var response = await LinkedInHttp.SendAsync(http, create, time, "create post", outcomeUnknown: true, cancellationToken);
            urn = response.Headers.TryGetValues("x-restli-id", out var ids) && ids.FirstOrDefault() is { Length: > 0 } id
                ? id
                : throw LinkedInHttp.Unexpected("the new post's URN (x-restli-id)", outcomeUnknown: true);
        }

        LinkedInLog.Published(logger, urn, author, request.Media.Count);
        if (LinkedInPostOptions.FirstComment.TryGet(request, out var firstComment) && !string.IsNullOrWhiteSpace(firstComment))
        {
            await CommentAsync(urn, author, firstComment, accessToken, cancellationToken);
        }

        return new PublishResult(urn, new Uri($"https://www.linkedin.com/feed/update/{urn}/"));
    }

    private async Task<JsonObject?> UploadMediaAsync(string author, string accessToken, PublishRequest request, CancellationToken cancellationToken)
    {
        var media = request.Media;
        if (media.Count == 0)
        {
            return null;
        }

        if (media.Any(m => m.Kind == MediaKind.Video))
        {
            if (media.Count > 1)
            {
                throw new PlatformException(PlatformId.LinkedIn, PlatformFailureKind.Rejected, "A LinkedIn post carries one video, or 1 to 20 images, not both.");
            }

            var video = new JsonObject { ["id"] = await UploadVideoAsync(media[0], author, accessToken, cancellationToken) };
            if (LinkedInPostOptions.VideoTitle.TryGet(request, out var title) && !string.IsNullOrWhiteSpace(title))
            {
                video["title"] = title;
            }

            return new JsonObject { ["media"] = video };
        }

        var images = new List<JsonObject>(media.Count);
        for (var i = 0; i < media.Count; i++)
        {
            var image = new JsonObject { ["id"] = await UploadImageAsync(media[i], i, author, accessToken, cancellationToken) };
            if (!string.IsNullOrWhiteSpace(media[i].AltText))
            {
                image["altText"] = media[i].AltText;
            }

            images.Add(image);
        }

        return images.Count == 1
            ? new JsonObject { ["media"] = images[0] }
            : new JsonObject { ["multiImage"] = new JsonObject { ["images"] = new JsonArray([.. images]) } };
    }

    private async Task<string> UploadImageAsync(MediaItem item, int index, string owner, string accessToken, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await using var media = await downloader.OpenAsync(item, index, cancellationToken);
        string uploadUrl, imageUrn;
        using (var initialize = LinkedInHttp.Rest(HttpMethod.Post, settings.Api("/rest/images?action=initializeUpload"), accessToken, settings.ApiVersion))
        {
            initialize.Content = LinkedInHttp.Json(new JsonObject { ["initializeUploadRequest"] = new JsonObject { ["owner"] = owner } });
            using var document = await LinkedInHttp.SendForJsonAsync(http, initialize, time, $"media[{index}] initializeUpload", outcomeUnknown: false, cancellationToken);
            var value = PlatformErrors.Child(document.RootElement, "value");
            uploadUrl = PlatformErrors.Text(value, "uploadUrl") ?? throw LinkedInHttp.Unexpected($"an upload URL for media[{index}]");
            imageUrn = PlatformErrors.Text(value, "image") ?? throw LinkedInHttp.Unexpected($"an image URN for media[{index}]");
        }

        // The Images API documents the upload with the member's bearer token.
        using var upload = LinkedInHttp.Bearer(HttpMethod.Put, new Uri(uploadUrl), accessToken);
        upload.Content = Bytes(new StreamContent(media.Content), media.Length);
        using var uploaded = await LinkedInHttp.SendAsync(http, upload, time, $"media[{index}] upload", outcomeUnknown: false, cancellationToken);
        return imageUrn;
    }

    private async Task<string> UploadVideoAsync(MediaItem item, string owner, string accessToken, CancellationToken cancellationToken)
    {
        const string step = "media[0]";
        var settings = options.Value;
        await using var media = await downloader.OpenAsync(item, 0, cancellationToken);
        string videoUrn, uploadToken;
        List<(string Url, long First, long Last)> parts;
        using (var initialize = LinkedInHttp.Rest(HttpMethod.Post, settings.Api("/rest/videos?action=initializeUpload"), accessToken, settings.ApiVersion))
        {
            initialize.Content = LinkedInHttp.Json(new JsonObject
            {
                ["initializeUploadRequest"] = new JsonObject
                {
                    ["owner"] = owner,
                    ["fileSizeBytes"] = media.Length,
                    ["uploadCaptions"] = false,
                    ["uploadThumbnail"] = false,
                },
            });
            using var document = await LinkedInHttp.SendForJsonAsync(http, initialize, time, $"{step} initializeUpload", outcomeUnknown: false, cancellationToken);
            var value = PlatformErrors.Child(document.RootElement, "value");
            videoUrn = PlatformErrors.Text(value, "video") ?? throw LinkedInHttp.Unexpected("a video URN for media[0]");
            uploadToken = PlatformErrors.Text(value, "uploadToken") ?? "";
            parts = value.TryGetProperty("uploadInstructions", out var instructions) && instructions.ValueKind == JsonValueKind.Array
                ? [.. instructions.EnumerateArray().Select(Part).OrderBy(p => p.First)]
                : throw LinkedInHttp.Unexpected("upload instructions for media[0]");
        }

        var partIds = new JsonArray();
        long position = 0;
        foreach (var (url, first, last) in parts)
        {
            if (first != position || last < first)
            {
                throw LinkedInHttp.Unexpected($"contiguous upload instructions for media[0] (part at byte {first}, expected {position})");
            }

            var buffer = new byte[checked((int)(last - first + 1))];
            var read = await ReadPartAsync(media.Content, buffer, cancellationToken);
            if (read != buffer.Length)
            {
                throw new PlatformException(PlatformId.LinkedIn, PlatformFailureKind.Transient, $"media[0] ended after {position + read} of {media.Length} bytes.");
            }

            // Part URLs are pre-signed: no bearer token goes with them.
            using var upload = new HttpRequestMessage(HttpMethod.Put, new Uri(url)) { Content = Bytes(new ByteArrayContent(buffer), buffer.Length) };
            using var response = await LinkedInHttp.SendAsync(http, upload, time, $"{step} part upload", outcomeUnknown: false, cancellationToken);
            partIds.Add(response.Headers.TryGetValues("ETag", out var etags) && etags.FirstOrDefault() is { Length: > 0 } etag
                ? etag
                : throw LinkedInHttp.Unexpected("an ETag for an uploaded part of media[0]"));
            position = last + 1;
        }

        if (position != media.Length)
        {
            throw LinkedInHttp.Unexpected($"upload instructions covering all {media.Length} bytes of media[0]");
        }

        using var finalize = LinkedInHttp.Rest(HttpMethod.Post, settings.Api("/rest/videos?action=finalizeUpload"), accessToken, settings.ApiVersion);
        finalize.Content = LinkedInHttp.Json(new JsonObject
        {
            ["finalizeUploadRequest"] = new JsonObject { ["video"] = videoUrn, ["uploadToken"] = uploadToken, ["uploadedPartIds"] = partIds },
        });
        using var finalized = await LinkedInHttp.SendAsync(http, finalize, time, $"{step} finalizeUpload", outcomeUnknown: false, cancellationToken);

        // ⚠ PLATFORMS.md does not say whether a post may reference a video LinkedIn is still processing; the post is
        // created straight away, and LinkedIn shows it once the video is AVAILABLE.
        return videoUrn;
    }

    private async Task CommentAsync(string postUrn, string actor, string text, string accessToken, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        try
        {
            using var comment = LinkedInHttp.Rest(HttpMethod.Post, settings.Api($"/rest/socialActions/{Uri.EscapeDataString(postUrn)}/comments"), accessToken, settings.ApiVersion);
            comment.Content = LinkedInHttp.Json(new JsonObject { ["actor"] = actor, ["object"] = postUrn, ["message"] = new JsonObject { ["text"] = text } });
            using var response = await LinkedInHttp.SendAsync(http, comment, time, "first comment", outcomeUnknown: true, cancellationToken);
            LinkedInLog.FirstCommentPosted(logger, postUrn);
        }
        catch (Exception exception) when (exception is PlatformException or OperationCanceledException)
        {
            LinkedInLog.FirstCommentFailed(logger, exception, postUrn);
        }
    }

    private static async Task<int> ReadPartAsync(Stream source, byte[] buffer, CancellationToken cancellationToken)
    {
        try
        {
            return await source.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
        }
        catch (Exception exception) when (exception is IOException or HttpRequestException)
        {
            throw new PlatformException(PlatformId.LinkedIn, PlatformFailureKind.Transient, "media[0] could not be downloaded.", inner: exception);
        }
    }

    private static (string Url, long First, long Last) Part(JsonElement instruction) =>
        (PlatformErrors.Text(instruction, "uploadUrl") ?? throw LinkedInHttp.Unexpected("an upload URL in the upload instructions"),
         instruction.TryGetProperty("firstByte", out var first) ? first.GetInt64() : 0,
         instruction.TryGetProperty("lastByte", out var last) ? last.GetInt64() : -1);

    private static HttpContent Bytes(HttpContent content, long length)
    {
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.ContentLength = length;
        return content;
    }
}

internal static partial class LinkedInLog
{
    [LoggerMessage(EventId = 8401, Level = LogLevel.Information, Message = "Published post {PostUrn} to LinkedIn as {Author} with {MediaCount} media")]
    public static partial void Published(ILogger logger, string postUrn, string author, int mediaCount);

    [LoggerMessage(EventId = 8402, Level = LogLevel.Information, Message = "Posted the first comment under LinkedIn post {PostUrn}")]
    public static partial void FirstCommentPosted(ILogger logger, string postUrn);

    [LoggerMessage(EventId = 8403, Level = LogLevel.Warning, Message = "The first comment under LinkedIn post {PostUrn} was not posted; the post itself is published")]
    public static partial void FirstCommentFailed(ILogger logger, Exception exception, string postUrn);

    [LoggerMessage(EventId = 8404, Level = LogLevel.Information, Message = "LinkedIn refused the organization lookup, so no organizations are offered: {Reason}")]
    public static partial void NoOrganizationAccess(ILogger logger, string reason);
}
