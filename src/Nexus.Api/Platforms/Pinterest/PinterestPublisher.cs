using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Nexus.Api.Platforms.Pinterest;

/// <summary>A board a Pin can go to (the <c>boardId</c> option).</summary>
public sealed record PinterestBoard(string Id, string Name, string? Privacy);

/// <summary>
/// Creates Pins through Pinterest API v5.
/// <para>
/// Image Pin: <c>POST /v5/pins</c> with <c>media_source {source_type: image_url, url}</c>; Pinterest fetches the image.
/// Video Pin: <c>POST /v5/media {media_type: video}</c> registers an upload (<c>media_id</c>, <c>upload_url</c>,
/// <c>upload_parameters</c>); the downloaded video is posted there (see <see cref="PinterestMediaTransfer"/>);
/// <c>GET /v5/media/{id}</c> is polled until <c>succeeded</c> (a bounded number of times); then
/// <c>POST /v5/pins</c> with <c>media_source {source_type: video_id, media_id, cover_image_url}</c>. The result is the
/// Pin id and <c>https://www.pinterest.com/pin/{id}/</c>.
/// </para>
/// <para>
/// Access tiers: with Trial access an app has 1000 requests a day and the Pins it creates are visible only to their
/// creator; Standard access lifts both (100 requests per second per user). <see cref="PinterestOptions.UseSandbox"/>
/// sends content calls to the sandbox host.
/// </para>
/// Options (<see cref="PublishRequest.Options"/>); the post text is the Pin description (≤800):
/// <list type="bullet">
/// <item><c>boardId</c> (required): the board, from <see cref="GetBoardsAsync"/>; <c>boardSectionId</c>: a section of it.</item>
/// <item><c>title</c>: ≤100 characters.</item>
/// <item><c>link</c>: where the Pin leads, an http(s) URL ≤2048.</item>
/// <item><c>altText</c>: ≤500 characters; the media item's own alt text wins.</item>
/// <item><c>coverImageUrl</c> (videos): the cover image; or <c>coverImageKeyFrameTime</c>: seconds into the video. One is required.</item>
/// </list>
/// </summary>
public sealed class PinterestPublisher(
    HttpClient http,
    PinterestMediaTransfer transfer,
    PinterestRules rules,
    IOptions<PinterestOptions> options,
    TimeProvider time,
    ILogger<PinterestPublisher> logger) : IPlatformPublisher
{

    // Pinterest caps a user at 2000 boards; 250 is the largest page.
    private const int BoardPageSize = 250;
    private const int MaxBoardPages = 8;

    private readonly PinterestOptions _options = options.Value;

    public PlatformId Platform => PlatformId.Pinterest;

    public async Task<PublishResult> PublishAsync(PlatformAccount account, string accessToken, PublishRequest request, CancellationToken cancellationToken)
    {
        if (rules.Check(request) is { Count: > 0 } violations)
        {
            throw new PlatformException(PlatformId.Pinterest, PlatformFailureKind.Rejected,
                string.Join(" ", violations.Select(v => $"{v.Field}: {v.Message}")), "rule_violation");
        }

        var media = request.Media[0];
        var source = media.Kind == MediaKind.Video
            ? await UploadVideoAsync(accessToken, request, cancellationToken)
            : new JsonObject { ["source_type"] = "image_url", ["url"] = media.Url.ToString() };

        var board = PinterestPostOptions.BoardId.Required(request);
        var pin = new JsonObject { ["board_id"] = board, ["description"] = request.Text, ["media_source"] = source };
        Copy(request, PinterestPostOptions.BoardSectionId, pin, "board_section_id");
        Copy(request, PinterestPostOptions.Title, pin, "title");
        Copy(request, PinterestPostOptions.Link, pin, "link");
        if ((media.AltText ?? PinterestPostOptions.AltText.Get(request)) is { Length: > 0 } alt)
        {
            pin["alt_text"] = alt;
        }

        var created = await PinterestApi.SendAsync(http, PinterestApi.Json(HttpMethod.Post, _options.Api("/v5/pins"), accessToken, pin), time,
            "Creating the Pin", mayHavePublished: true, cancellationToken);
        var id = PlatformErrors.Text(created["id"])
            ?? throw new PlatformException(PlatformId.Pinterest, PlatformFailureKind.Unknown, "Pinterest created the Pin without returning its id.");
        logger.PinCreated(id, board, account.ExternalId);
        return new PublishResult(id, new Uri($"https://www.pinterest.com/pin/{Uri.EscapeDataString(id)}/"));
    }

    /// <summary>The user's boards, for choosing the <c>boardId</c> option.</summary>
    public async Task<IReadOnlyList<PinterestBoard>> GetBoardsAsync(string accessToken, CancellationToken cancellationToken)
    {
        var boards = new List<PinterestBoard>();
        string? bookmark = null;
        for (var page = 0; page < MaxBoardPages; page++)
        {
            var query = $"/v5/boards?page_size={BoardPageSize}" + (bookmark is null ? string.Empty : "&bookmark=" + Uri.EscapeDataString(bookmark));
            var body = await PinterestApi.SendAsync(http, PinterestApi.Json(HttpMethod.Get, _options.Api(query), accessToken), time,
                "Listing the Pinterest boards", mayHavePublished: false, cancellationToken);
            foreach (var item in (body["items"] as JsonArray ?? []).OfType<JsonObject>())
            {
                if (PlatformErrors.Text(item["id"]) is { Length: > 0 } id)
                {
                    boards.Add(new PinterestBoard(id, PlatformErrors.Text(item["name"]) ?? id, PlatformErrors.Text(item["privacy"])));
                }
            }

            bookmark = PlatformErrors.Text(body["bookmark"]);
            if (string.IsNullOrEmpty(bookmark))
            {
                break;
            }
        }

        return boards;
    }

    private async Task<JsonObject> UploadVideoAsync(string accessToken, PublishRequest request, CancellationToken cancellationToken)
    {
        using var file = await transfer.DownloadAsync(request.Media[0], PinterestRules.MaxVideoBytes, cancellationToken);
        var registered = await PinterestApi.SendAsync(http,
            PinterestApi.Json(HttpMethod.Post, _options.Api("/v5/media"), accessToken, new JsonObject { ["media_type"] = "video" }), time,
            "Registering the video upload", mayHavePublished: false, cancellationToken);
        var mediaId = PlatformErrors.Text(registered["media_id"]);
        if (string.IsNullOrEmpty(mediaId) || !Uri.TryCreate(PlatformErrors.Text(registered["upload_url"]), UriKind.Absolute, out var uploadUrl))
        {
            throw new PlatformException(PlatformId.Pinterest, PlatformFailureKind.Transient, "Pinterest registered the video upload without a media id or upload URL.");
        }

        var parameters = (registered["upload_parameters"] as JsonObject ?? [])
            .Where(p => PlatformErrors.Text(p.Value) is not null)
            .ToDictionary(p => p.Key, p => PlatformErrors.Text(p.Value)!);
        await transfer.UploadAsync(uploadUrl, parameters, file, cancellationToken);
        logger.VideoUploaded(mediaId, file.Length);
        await AwaitProcessingAsync(accessToken, mediaId, cancellationToken);

        var source = new JsonObject { ["source_type"] = "video_id", ["media_id"] = mediaId };
        if (PinterestPostOptions.CoverImageUrl.TryGet(request, out var cover))
        {
            source["cover_image_url"] = cover;
        }
        else
        {
            source["cover_image_key_frame_time"] = double.Parse(PinterestPostOptions.CoverImageKeyFrameTime.Required(request), CultureInfo.InvariantCulture);
        }

        return source;
    }

    /// <summary>
    /// Polls the media until Pinterest has processed it. Nothing is pinned yet, so running out of checks is transient:
    /// trying again uploads the video anew.
    /// </summary>
    private async Task AwaitProcessingAsync(string accessToken, string mediaId, CancellationToken cancellationToken)
    {
        var status = "unknown";
        for (var poll = 1; poll <= _options.MaxMediaPolls; poll++)
        {
            if (poll > 1)
            {
                await Task.Delay(_options.MediaPollInterval, time, cancellationToken);
            }

            JsonNode body;
            try
            {
                body = await PinterestApi.SendAsync(http,
                    PinterestApi.Json(HttpMethod.Get, _options.Api($"/v5/media/{Uri.EscapeDataString(mediaId)}"), accessToken), time,
                    "Checking the video's processing", mayHavePublished: false, cancellationToken);
            }
            catch (PlatformException e) when (e.Kind == PlatformFailureKind.Transient)
            {
                status = "unreadable";
                continue;
            }

            status = PlatformErrors.Text(body["status"]) ?? "unknown";
            logger.MediaStatus(mediaId, status, poll);
            switch (status)
            {
                case "succeeded":
                    return;
                case "failed":
                    throw new PlatformException(PlatformId.Pinterest, PlatformFailureKind.Rejected,
                        $"Pinterest could not process the video (media {mediaId}).", "media_failed");
            }
        }

        throw new PlatformException(PlatformId.Pinterest, PlatformFailureKind.Transient,
            $"Pinterest had not finished processing the video (media {mediaId}) after {_options.MaxMediaPolls} checks (last status {status}).",
            "media_processing_timeout");
    }

    private static void Copy(PublishRequest request, StringOption option, JsonObject target, string field)
    {
        if (option.TryGet(request, out var value) && value.Length > 0)
        {
            target[field] = value;
        }
    }
}
