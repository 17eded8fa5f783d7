using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Nexus.Api.Platforms.TikTok;

/// <summary>
/// Publishes to TikTok through the Content Posting API.
/// <para>
/// Direct posts first read <c>creator_info/query</c>: the request must use one of the creator's
/// <c>privacy_level_options</c>, comments/duets/stitches the creator turned off stay off, and a video longer than
/// <c>max_video_post_duration_sec</c> is refused. A video is initialised with <c>video/init</c> (TikTok pulls it from
/// its URL, or Nexus uploads it in chunks), photos with <c>content/init</c>; then <c>status/fetch</c> is polled until
/// <c>PUBLISH_COMPLETE</c> (drafts: <c>SEND_TO_USER_INBOX</c>) or <c>FAILED</c>, a bounded number of times.
/// </para>
/// <para>
/// The result's id is the public post id (<c>publicaly_available_post_id</c>, TikTok's spelling) when TikTok already
/// reports it, else the <c>publish_id</c>: the public id only appears after moderation, which can take hours and never
/// happens for SELF_ONLY posts, and the <c>publish_id</c> is what TikTok's webhooks
/// (<c>post.publish.publicly_available</c>) carry, so it stays the key to reconcile later.
/// </para>
/// Options (<see cref="PublishRequest.Options"/>):
/// <list type="bullet">
/// <item><c>privacyLevel</c>: PUBLIC_TO_EVERYONE, MUTUAL_FOLLOW_FRIENDS, FOLLOWER_OF_CREATOR or SELF_ONLY; required for direct posts (TikTok forbids a default); must be one the creator is offered.</item>
/// <item><c>disableComment</c>, <c>disableDuet</c>, <c>disableStitch</c>: true/false (default false; forced true where the creator disabled them; duet/stitch apply to videos).</item>
/// <item><c>postMode</c>: DIRECT_POST (default) or MEDIA_UPLOAD (a draft in the creator's TikTok inbox; needs <c>video.upload</c>).</item>
/// <item><c>source</c> (videos): PULL_FROM_URL (default; the media URL's domain must be verified in the TikTok portal) or FILE_UPLOAD.</item>
/// <item><c>videoCoverTimestampMs</c> (videos): the frame used as cover.</item>
/// <item><c>title</c> (photos, ≤90): the photo post's title; the post text becomes its description.</item>
/// <item><c>photoCoverIndex</c> (photos): 0-based index of the cover photo (default 0); <c>autoAddMusic</c> (photos): true/false.</item>
/// </list>
/// </summary>
public sealed class TikTokPublisher(
    HttpClient http,
    TikTokMediaTransfer transfer,
    TikTokRules rules,
    IOptions<TikTokOptions> options,
    TimeProvider time,
    ILogger<TikTokPublisher> logger) : IPlatformPublisher
{
    public const string DirectPost = "DIRECT_POST";
    public const string MediaUpload = "MEDIA_UPLOAD";
    public const string PullFromUrl = "PULL_FROM_URL";
    public const string FileUpload = "FILE_UPLOAD";

    private readonly TikTokOptions _options = options.Value;

    public PlatformId Platform => PlatformId.TikTok;

    public async Task<PublishResult> PublishAsync(PlatformAccount account, string accessToken, PublishRequest request, CancellationToken cancellationToken)
    {
        if (rules.Check(request) is { Count: > 0 } violations)
        {
            throw new PlatformException(PlatformId.TikTok, PlatformFailureKind.Rejected,
                string.Join(" ", violations.Select(v => $"{v.Field}: {v.Message}")), "rule_violation");
        }

        var direct = TikTokPostOptions.PostMode.Get(request, DirectPost) == DirectPost;
        var creator = direct ? await GetCreatorInfoAsync(accessToken, cancellationToken) : null;
        var isVideo = request.Media[0].Kind == MediaKind.Video;
        if (creator is not null)
        {
            Constrain(creator, request, isVideo);
        }

        var publishId = isVideo
            ? await StartVideoAsync(accessToken, request, creator, cancellationToken)
            : await StartPhotosAsync(accessToken, request, creator, cancellationToken);
        logger.Started(isVideo ? "video" : "photo", publishId, account.ExternalId);

        var postId = await AwaitCompletionAsync(accessToken, publishId, direct, cancellationToken);
        if (postId is null)
        {
            return new PublishResult(publishId, null);
        }

        var url = account.Handle is { Length: > 0 } handle
            ? new Uri($"https://www.tiktok.com/@{Uri.EscapeDataString(handle.TrimStart('@'))}/{(isVideo ? "video" : "photo")}/{postId}")
            : null;
        return new PublishResult(postId, url);
    }

    /// <summary>
    /// The creator's posting settings (<c>creator_info/query</c>): the privacy levels they may post with, whether
    /// comments, duets and stitches are off on their account, and their longest video. The composer shows them; direct
    /// posts are checked against them.
    /// </summary>
    public async Task<TikTokCreatorInfo> GetCreatorInfoAsync(string accessToken, CancellationToken cancellationToken)
    {
        var body = await TikTokApi.SendAsync(http,
            TikTokApi.Json(HttpMethod.Post, _options.Api("/v2/post/publish/creator_info/query/"), accessToken, new JsonObject()),
            time, "Reading the TikTok creator's posting settings", mayHavePublished: false, cancellationToken);
        var data = body["data"];
        var privacy = data?["privacy_level_options"] is JsonArray levels
            ? levels.Select(PlatformErrors.Text).OfType<string>().ToList()
            : [];
        return new TikTokCreatorInfo(
            privacy,
            IsTrue(data?["comment_disabled"]),
            IsTrue(data?["duet_disabled"]),
            IsTrue(data?["stitch_disabled"]),
            int.TryParse(PlatformErrors.Text(data?["max_video_post_duration_sec"]), NumberStyles.Integer, CultureInfo.InvariantCulture, out var max) && max > 0 ? max : null);
    }

    private static void Constrain(TikTokCreatorInfo creator, PublishRequest request, bool isVideo)
    {
        var privacy = TikTokPostOptions.PrivacyLevel.Required(request);
        if (!creator.PrivacyLevels.Contains(privacy, StringComparer.Ordinal))
        {
            throw new PlatformException(PlatformId.TikTok, PlatformFailureKind.Rejected,
                $"This TikTok account cannot post as {privacy}; it offers {string.Join(", ", creator.PrivacyLevels)}.", "privacy_level_option_mismatch");
        }

        if (isVideo && creator.MaxVideoSeconds is { } max && request.Media[0].Duration is { } duration && duration.TotalSeconds > max)
        {
            throw new PlatformException(PlatformId.TikTok, PlatformFailureKind.Rejected,
                $"This TikTok account can post videos of at most {max} seconds; this one lasts {duration.TotalSeconds:0} seconds.", "duration_check_failed");
        }
    }

    private async Task<string> StartVideoAsync(string accessToken, PublishRequest request, TikTokCreatorInfo? creator, CancellationToken cancellationToken)
    {
        var media = request.Media[0];
        var upload = TikTokPostOptions.Source.Get(request, PullFromUrl) == FileUpload;
        using var file = upload ? await transfer.DownloadAsync(media, TikTokRules.MaxVideoBytes, cancellationToken) : null;
        var plan = file is null ? default : TikTokChunkPlan.For(file.Length, _options.ChunkSize);
        var source = file is null
            ? new JsonObject { ["source"] = PullFromUrl, ["video_url"] = media.Url.ToString() }
            : new JsonObject { ["source"] = FileUpload, ["video_size"] = plan.VideoSize, ["chunk_size"] = plan.ChunkSize, ["total_chunk_count"] = plan.TotalChunkCount };

        JsonObject body;
        string path;
        if (creator is null)
        {
            // Drafts go to the creator's inbox; TikTok's editor collects the caption and settings there.
            path = "/v2/post/publish/inbox/video/init/";
            body = new JsonObject { ["source_info"] = source };
        }
        else
        {
            var postInfo = new JsonObject
            {
                ["title"] = request.Text,
                ["privacy_level"] = TikTokPostOptions.PrivacyLevel.Required(request),
                ["disable_duet"] = creator.DuetDisabled || TikTokPostOptions.DisableDuet.IsTrue(request),
                ["disable_comment"] = creator.CommentDisabled || TikTokPostOptions.DisableComment.IsTrue(request),
                ["disable_stitch"] = creator.StitchDisabled || TikTokPostOptions.DisableStitch.IsTrue(request),
            };
            if (TikTokPostOptions.VideoCoverTimestampMs.TryGet(request, out var cover))
            {
                postInfo["video_cover_timestamp_ms"] = long.Parse(cover, CultureInfo.InvariantCulture);
            }

            path = "/v2/post/publish/video/init/";
            body = new JsonObject { ["post_info"] = postInfo, ["source_info"] = source };
        }

        // With PULL_FROM_URL the init alone starts the publication; with FILE_UPLOAD nothing happens until the bytes arrive.
        var answer = await TikTokApi.SendAsync(http, TikTokApi.Json(HttpMethod.Post, _options.Api(path), accessToken, body), time,
            "Starting the TikTok video post", mayHavePublished: file is null, cancellationToken);
        var publishId = PlatformErrors.Text(answer["data"]?["publish_id"])
            ?? throw new PlatformException(PlatformId.TikTok, PlatformFailureKind.Unknown, "TikTok accepted the video post without a publish_id.");
        if (file is not null)
        {
            var uploadUrl = PlatformErrors.Text(answer["data"]?["upload_url"]) is { } url && Uri.TryCreate(url, UriKind.Absolute, out var uri)
                ? uri
                : throw new PlatformException(PlatformId.TikTok, PlatformFailureKind.Transient, $"TikTok gave no upload_url for publish {publishId}.");
            await transfer.UploadAsync(uploadUrl, file, plan, cancellationToken);
        }

        return publishId;
    }

    private async Task<string> StartPhotosAsync(string accessToken, PublishRequest request, TikTokCreatorInfo? creator, CancellationToken cancellationToken)
    {
        var postInfo = new JsonObject { ["description"] = request.Text };
        if (TikTokPostOptions.Title.TryGet(request, out var title))
        {
            postInfo["title"] = title;
        }

        if (creator is not null)
        {
            postInfo["privacy_level"] = TikTokPostOptions.PrivacyLevel.Required(request);
            postInfo["disable_comment"] = creator.CommentDisabled || TikTokPostOptions.DisableComment.IsTrue(request);
            postInfo["auto_add_music"] = TikTokPostOptions.AutoAddMusic.IsTrue(request);
        }

        var body = new JsonObject
        {
            ["media_type"] = "PHOTO",
            ["post_mode"] = creator is null ? MediaUpload : DirectPost,
            ["post_info"] = postInfo,
            ["source_info"] = new JsonObject
            {
                // TikTok pulls photos from their URLs; there is no file upload for photos.
                ["source"] = PullFromUrl,
                ["photo_cover_index"] = int.Parse(TikTokPostOptions.PhotoCoverIndex.Get(request, "0"), CultureInfo.InvariantCulture),
                ["photo_images"] = new JsonArray([.. request.Media.Select(m => (JsonNode)JsonValue.Create(m.Url.ToString())!)]),
            },
        };
        var answer = await TikTokApi.SendAsync(http, TikTokApi.Json(HttpMethod.Post, _options.Api("/v2/post/publish/content/init/"), accessToken, body), time,
            "Starting the TikTok photo post", mayHavePublished: true, cancellationToken);
        return PlatformErrors.Text(answer["data"]?["publish_id"])
            ?? throw new PlatformException(PlatformId.TikTok, PlatformFailureKind.Unknown, "TikTok accepted the photo post without a publish_id.");
    }

    /// <summary>
    /// Polls <c>status/fetch</c> until the post is done or failed. Once TikTok holds the post, a failure to read its status
    /// (or running out of polls) leaves the outcome unknown: the post may still appear, so it must not be re-sent blindly.
    /// </summary>
    private async Task<string?> AwaitCompletionAsync(string accessToken, string publishId, bool direct, CancellationToken cancellationToken)
    {
        var lastStatus = "none";
        for (var poll = 1; poll <= _options.MaxStatusPolls; poll++)
        {
            if (poll > 1)
            {
                await Task.Delay(_options.StatusPollInterval, time, cancellationToken);
            }

            JsonNode body;
            try
            {
                body = await TikTokApi.SendAsync(http,
                    TikTokApi.Json(HttpMethod.Post, _options.Api("/v2/post/publish/status/fetch/"), accessToken, new JsonObject { ["publish_id"] = publishId }),
                    time, "Reading the TikTok publish status", mayHavePublished: false, cancellationToken);
            }
            catch (PlatformException e) when (e.Kind is PlatformFailureKind.Transient or PlatformFailureKind.RateLimited)
            {
                logger.PollFailed(publishId, poll, e.PlatformCode);
                lastStatus = "unreadable";
                continue;
            }
            catch (PlatformException e)
            {
                throw new PlatformException(PlatformId.TikTok, PlatformFailureKind.Unknown,
                    $"TikTok took the post (publish_id {publishId}) but its status could not be read: {e.Message}", e.PlatformCode, inner: e);
            }

            var data = body["data"];
            lastStatus = PlatformErrors.Text(data?["status"]) ?? "unknown";
            switch (lastStatus)
            {
                case "PUBLISH_COMPLETE":
                case "SEND_TO_USER_INBOX" when !direct:
                    var postId = data?["publicaly_available_post_id"] is JsonArray { Count: > 0 } ids ? PlatformErrors.Text(ids[0]) : null;
                    logger.Completed(publishId, lastStatus, postId);
                    return postId;
                case "FAILED":
                    var failReason = PlatformErrors.Text(data?["fail_reason"]);
                    logger.Failed(publishId, failReason);
                    throw TikTokErrors.FromFailReason(failReason, publishId);
            }
        }

        throw new PlatformException(PlatformId.TikTok, PlatformFailureKind.Unknown,
            $"TikTok had not finished publish {publishId} after {_options.MaxStatusPolls} status checks (last status {lastStatus}); " +
            "the post may still appear, so check the account before posting it again.", "publish_timeout");
    }

    private static bool IsTrue(JsonNode? node) => node is JsonValue value && value.TryGetValue<bool>(out var flag) && flag;
}

/// <summary>A TikTok creator's posting settings, as <c>creator_info/query</c> answers them.</summary>
public sealed record TikTokCreatorInfo(IReadOnlyList<string> PrivacyLevels, bool CommentDisabled, bool DuetDisabled, bool StitchDisabled, int? MaxVideoSeconds);
