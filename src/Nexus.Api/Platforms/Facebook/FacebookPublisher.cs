using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Nexus.Api.Platforms.Meta;

namespace Nexus.Api.Platforms.Facebook;

/// <summary>
/// Publishes to a Facebook Page with the Page's token (<see cref="PlatformAccount.AccessToken"/>, else
/// <c>accessToken</c>), options as in <see cref="FacebookPostOptions"/>:
/// <list type="bullet">
/// <item>text / link: <c>POST /{page-id}/feed</c> with <c>message</c>, <c>link</c>;</item>
/// <item>one photo: <c>POST /{page-id}/photos</c> with <c>url</c>, <c>caption</c>;</item>
/// <item>several photos: each <c>POST /{page-id}/photos</c> with <c>published=false</c>, then <c>POST /{page-id}/feed</c>
/// with <c>attached_media</c> (Meta's Pages API pattern; shared/PLATFORMS.md does not document it: an assumption);</item>
/// <item>one video: the Resumable Upload API (see <see cref="FacebookVideoUploader"/>, opened with the user's token
/// <c>accessToken</c> as Meta's guide says), then <c>POST /{page-id}/videos</c> with <c>title</c>, <c>description</c>,
/// <c>fbuploader_video_file_chunk</c>;</item>
/// <item>reel: <c>POST /{page-id}/video_reels</c> <c>upload_phase=start</c>, the upload to rupload.facebook.com,
/// then <c>upload_phase=finish&amp;video_state=PUBLISHED&amp;description</c> (Meta caps API reels at 30 per Page per 24 h).</item>
/// </list>
/// The call that makes the post public is never repeated blindly: a lost answer is
/// <see cref="PlatformFailureKind.Unknown"/>.
/// </summary>
public sealed class FacebookPublisher(
    HttpClient http,
    FacebookVideoUploader uploader,
    IOptions<FacebookOptions> options,
    FacebookRules rules,
    TimeProvider clock) : IPlatformPublisher
{
    private const PlatformId Facebook = PlatformId.Facebook;
    private readonly HttpClient _http = http;
    private readonly TimeProvider _clock = clock;
    private readonly IOptions<FacebookOptions> _options = options;

    private FacebookOptions Options => _options.Value;

    public PlatformId Platform => Facebook;

    public async Task<PublishResult> PublishAsync(PlatformAccount account, string accessToken, PublishRequest request, CancellationToken cancellationToken)
    {
        if (rules.Check(request) is [var first, ..])
        {
            throw new PlatformException(Facebook, PlatformFailureKind.Rejected, $"{first.Field}: {first.Message}", "preflight");
        }

        var call = new Call(this, account, accessToken, cancellationToken);
        var message = string.IsNullOrWhiteSpace(request.Text) ? null : request.Text;
        if (FacebookPostOptions.FormatOf(request) == FacebookFormat.Reel)
        {
            return await PublishReelAsync(call, request.Media[0], message);
        }

        return request.Media switch
        {
            [] => Post(await call.PostAsync("feed", MetaCall.Publish, "id", ("message", message), ("link", FacebookPostOptions.Link.Text(request)))),
            [{ Kind: MediaKind.Video } video] => await PublishVideoAsync(call, video, message, FacebookPostOptions.Title.Text(request)),
            [var photo] => Post(await call.PostAsync("photos", MetaCall.Publish, "id", ("url", photo.Url.ToString()), ("caption", message))),
            _ => Post(await PublishPhotosAsync(call, request.Media, message)),
        };
    }

    private async Task<PublishResult> PublishVideoAsync(Call call, MediaItem video, string? message, string? title)
    {
        var handle = await uploader.UploadAsync(video, call.UserToken, call.CancellationToken);
        var videoId = await call.PostAsync("videos", MetaCall.Publish, "id", ("title", title), ("description", message), ("fbuploader_video_file_chunk", handle));
        return new PublishResult(videoId, Link(videoId));
    }

    private static async Task<string> PublishPhotosAsync(Call call, IReadOnlyList<MediaItem> photos, string? message)
    {
        // Unpublished photos stay invisible until the feed post attaches them; when a later step fails, a retry
        // uploads new ones and these are never shown.
        var fields = new List<(string Name, string? Value)> { ("message", message) };
        for (var i = 0; i < photos.Count; i++)
        {
            var photoId = await call.PostAsync("photos", MetaCall.Write, "id", ("url", photos[i].Url.ToString()), ("published", "false"));
            fields.Add(($"attached_media[{i.ToString(CultureInfo.InvariantCulture)}]", JsonSerializer.Serialize(new { media_fbid = photoId })));
        }

        return await call.PostAsync("feed", MetaCall.Publish, "id", [.. fields]);
    }

    private async Task<PublishResult> PublishReelAsync(Call call, MediaItem video, string? message)
    {
        var videoId = await call.PostAsync("video_reels", MetaCall.Write, "video_id", ("upload_phase", "start"));
        await uploader.UploadReelAsync(videoId, video.Url, call.PageToken, call.CancellationToken);
        await call.PostAsync("video_reels", MetaCall.Publish, null,
            ("upload_phase", "finish"), ("video_id", videoId), ("video_state", "PUBLISHED"), ("description", message));
        return new PublishResult(videoId, Link($"reel/{videoId}"));
    }

    // Page post ids are "{page-id}_{post-id}"; facebook.com/{that} opens the post.
    private PublishResult Post(string postId) => new(postId, Link(postId));

    private Uri Link(string path) => MetaGraph.Url(Options.WebBaseUrl, path);

    /// <summary>One publication's calls: the Page, its token, the user's token and the cancellation token.</summary>
    private sealed class Call(FacebookPublisher publisher, PlatformAccount account, string accessToken, CancellationToken cancellationToken)
    {
        public string PageToken { get; } = account.AccessToken ?? accessToken;

        public string UserToken { get; } = accessToken;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        /// <summary>
        /// <c>POST /{page-id}/{edge}</c> with the Page token; returns <paramref name="idProperty"/> of the answer (or
        /// checks a <c>{"success": true}</c> answer when it is null).
        /// </summary>
        public async Task<string> PostAsync(string edge, MetaCall call, string? idProperty, params (string Name, string? Value)[] fields)
        {
            var options = publisher.Options;
            var url = MetaGraph.Url(options.GraphBaseUrl, $"{options.ApiVersion}/{MetaGraph.Segment(account.ExternalId)}/{edge}");
            var answer = await MetaGraph.SendAsync(publisher._http, Facebook, MetaGraph.Request(HttpMethod.Post, url, PageToken, MetaGraph.Form(fields)), call,
                publisher._clock, [PageToken, UserToken], CancellationToken);
            if (idProperty is null)
            {
                return answer.TryGetProperty("success", out var success) && success.ValueKind == JsonValueKind.False
                    ? throw new PlatformException(Facebook, call == MetaCall.Publish ? PlatformFailureKind.Unknown : PlatformFailureKind.Transient,
                        $"Facebook did not confirm the {edge} call.", $"{edge}:success=false")
                    : "";
            }

            // A photo's answer carries the feed post it made ("post_id"), the id people open.
            return edge == "photos" && call == MetaCall.Publish && answer.Str("post_id") is { } postId
                ? postId
                : MetaGraph.Require(answer, idProperty, Facebook, call);
        }
    }
}
