using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Nexus.Api.Platforms.Meta;

namespace Nexus.Api.Platforms.Instagram;

/// <summary>
/// Publishes to an Instagram professional account (Instagram Login, graph.instagram.com), options as in
/// <see cref="InstagramPostOptions"/>:
/// <list type="number">
/// <item>reads the live publishing cap, <c>GET /{ig-user-id}/content_publishing_limit</c> (Meta's pages say 100 or 50
/// posts per 24 h), and stops early when it is used up;</item>
/// <item>creates the media container(s), <c>POST /{ig-user-id}/media</c>; Meta fetches the media from its public
/// URL;</item>
/// <item>checks <c>GET /{container-id}?fields=status_code,status</c> until <c>FINISHED</c>, a bounded number of
/// times;</item>
/// <item>publishes, <c>POST /{ig-user-id}/media_publish</c> with <c>creation_id</c> (never retried blindly);</item>
/// <item>then, best effort, reads the permalink and posts the first comment.</item>
/// </list>
/// The account's token is sent as a bearer token, never in the URL.
/// </summary>
public sealed class InstagramPublisher(
    HttpClient http,
    IOptions<InstagramOptions> options,
    InstagramRules rules,
    TimeProvider clock,
    ILogger<InstagramPublisher> logger) : IPlatformPublisher
{
    private const PlatformId Instagram = PlatformId.Instagram;
    private readonly HttpClient _http = http;
    private readonly TimeProvider _clock = clock;
    private readonly IOptions<InstagramOptions> _options = options;

    private InstagramOptions Options => _options.Value;

    public PlatformId Platform => Instagram;

    public async Task<PublishResult> PublishAsync(PlatformAccount account, string accessToken, PublishRequest request, CancellationToken cancellationToken)
    {
        if (rules.Check(request) is [var first, ..])
        {
            throw new PlatformException(Instagram, PlatformFailureKind.Rejected, $"{first.Field}: {first.Message}", "preflight");
        }

        var token = account.AccessToken ?? accessToken;
        var call = new Call(this, account.ExternalId, token, cancellationToken);
        var format = InstagramPostOptions.FormatOf(request)!.Value;
        var caption = string.IsNullOrWhiteSpace(request.Text) ? null : request.Text;

        await call.EnsurePublishingQuotaAsync();

        var containerId = format switch
        {
            InstagramFormat.Image => await call.CreateContainerAsync(
                ("image_url", request.Media[0].Url.ToString()),
                ("caption", caption),
                ("alt_text", request.Media[0].AltText)),
            InstagramFormat.Reel => await call.CreateContainerAsync(
                ("media_type", "REELS"),
                ("video_url", request.Media[0].Url.ToString()),
                ("caption", caption),
                ("share_to_feed", ShareToFeed(request)),
                ("cover_url", InstagramPostOptions.CoverUrl.Text(request)),
                ("thumb_offset", InstagramPostOptions.ThumbOffset.Text(request))),
            InstagramFormat.Story => await call.CreateContainerAsync(
                ("media_type", "STORIES"),
                (request.Media[0].Kind == MediaKind.Video ? "video_url" : "image_url", request.Media[0].Url.ToString())),
            _ => await CreateCarouselAsync(call, request.Media, caption),
        };

        await call.WaitUntilFinishedAsync(containerId);

        var published = await call.SendAsync(HttpMethod.Post, $"{MetaGraph.Segment(account.ExternalId)}/media_publish", MetaCall.Publish,
            MetaGraph.Form(("creation_id", containerId)));
        var mediaId = MetaGraph.Require(published, "id", Instagram, MetaCall.Publish);

        // Past this point the post is live: nothing below may fail the publication, or it would be retried and
        // published twice.
        var url = await TryGetPermalinkAsync(call, mediaId);
        if (InstagramPostOptions.FirstComment.Text(request) is { } comment && format != InstagramFormat.Story)
        {
            await TryCommentAsync(call, mediaId, comment);
        }

        return new PublishResult(mediaId, url);
    }

    private static async Task<string> CreateCarouselAsync(Call call, IReadOnlyList<MediaItem> media, string? caption)
    {
        var children = new List<string>();
        foreach (var item in media)
        {
            // Children: images, or videos as media_type=VIDEO (reels cannot be carousel items); their captions are
            // ignored, so none is sent.
            var child = item.Kind == MediaKind.Video
                ? await call.CreateContainerAsync(("media_type", "VIDEO"), ("video_url", item.Url.ToString()), ("is_carousel_item", "true"))
                : await call.CreateContainerAsync(("image_url", item.Url.ToString()), ("is_carousel_item", "true"), ("alt_text", item.AltText));
            if (item.Kind == MediaKind.Video)
            {
                // A parent made from unfinished video children fails; images are ready at once.
                await call.WaitUntilFinishedAsync(child);
            }

            children.Add(child);
        }

        return await call.CreateContainerAsync(("media_type", "CAROUSEL"), ("children", string.Join(',', children)), ("caption", caption));
    }

    private async Task<Uri?> TryGetPermalinkAsync(Call call, string mediaId)
    {
        try
        {
            var media = await call.SendAsync(HttpMethod.Get, $"{MetaGraph.Segment(mediaId)}?fields=permalink", MetaCall.Read);
            return Uri.TryCreate(media.Str("permalink"), UriKind.Absolute, out var permalink) ? permalink : null;
        }
        catch (PlatformException e)
        {
            logger.LogWarning("Instagram published media {MediaId} but its permalink could not be read ({Kind}: {Reason}).", mediaId, e.Kind, e.Message);
            return null;
        }
    }

    private async Task TryCommentAsync(Call call, string mediaId, string comment)
    {
        try
        {
            await call.SendAsync(HttpMethod.Post, $"{MetaGraph.Segment(mediaId)}/comments", MetaCall.Write, MetaGraph.Form(("message", comment)));
        }
        catch (PlatformException e)
        {
            logger.LogWarning("Instagram published media {MediaId} but its first comment failed ({Kind}: {Reason}).", mediaId, e.Kind, e.Message);
        }
    }

    // shareToFeed when given; a video posted as "feed" is a reel that must show in the feed; an explicit reel without
    // the option gets Meta's default.
    private static string? ShareToFeed(PublishRequest request)
    {
        if (InstagramPostOptions.ShareToFeed.Text(request) is { } share)
        {
            return bool.Parse(share) ? "true" : "false";
        }

        var format = InstagramPostOptions.Format.Text(request);
        return format is null || format.Equals("feed", StringComparison.OrdinalIgnoreCase) ? "true" : null;
    }

    /// <summary>One publication's calls: the account, its token and the cancellation token.</summary>
    private sealed class Call(InstagramPublisher publisher, string igUserId, string token, CancellationToken cancellationToken)
    {
        private InstagramOptions Options => publisher.Options;

        public async Task<JsonElement> SendAsync(HttpMethod method, string pathAndQuery, MetaCall call, HttpContent? content = null)
        {
            var url = new Uri(MetaGraph.Url(Options.GraphBaseUrl, Options.ApiVersion) + "/" + pathAndQuery);
            return await MetaGraph.SendAsync(publisher._http, Instagram, MetaGraph.Request(method, url, token, content), call, publisher._clock, [token], cancellationToken);
        }

        /// <summary>
        /// Fails early, as rate limited, when the account has used its publishing cap. The cap counts publications
        /// over a rolling window of <c>quota_duration</c> seconds (24 h) and Meta does not say when the oldest one
        /// ages out: the only time by which a slot is sure to be free is a whole window from now, so that is when
        /// to retry.
        /// </summary>
        public async Task EnsurePublishingQuotaAsync()
        {
            var limit = await SendAsync(HttpMethod.Get, $"{MetaGraph.Segment(igUserId)}/content_publishing_limit?fields=quota_usage,config", MetaCall.Read);
            if (limit.Obj("data") is not { ValueKind: JsonValueKind.Array } data || data.GetArrayLength() == 0)
            {
                return;
            }

            var entry = data[0];
            var usage = entry.Long("quota_usage");
            var config = entry.Obj("config");
            var total = config?.Long("quota_total");
            if (usage is { } used && total is { } cap && used >= cap)
            {
                var window = TimeSpan.FromSeconds(config?.Long("quota_duration") ?? 86400);
                throw new PlatformException(Instagram, PlatformFailureKind.RateLimited,
                    $"This Instagram account has used its publishing cap ({used} of {cap} posts in {window.TotalHours.ToString("0.#", CultureInfo.InvariantCulture)} hours).",
                    "content_publishing_limit", publisher._clock.GetUtcNow() + window);
            }
        }

        public async Task<string> CreateContainerAsync(params (string Name, string? Value)[] fields)
        {
            var container = await SendAsync(HttpMethod.Post, $"{MetaGraph.Segment(igUserId)}/media", MetaCall.Write, MetaGraph.Form(fields));
            return MetaGraph.Require(container, "id", Instagram, MetaCall.Write);
        }

        /// <summary>Checks the container until it is <c>FINISHED</c>, at most <see cref="InstagramOptions.MaxStatusChecks"/> times.</summary>
        public async Task WaitUntilFinishedAsync(string containerId)
        {
            var checks = Math.Max(1, Options.MaxStatusChecks);
            for (var check = 1; ; check++)
            {
                var container = await SendAsync(HttpMethod.Get, $"{MetaGraph.Segment(containerId)}?fields=status_code,status", MetaCall.Read);
                var status = container.Str("status");
                switch (container.Str("status_code"))
                {
                    case "FINISHED" or "PUBLISHED":
                        return;
                    case "ERROR":
                        throw new PlatformException(Instagram, PlatformFailureKind.Rejected,
                            $"Instagram could not process the media{(status is null ? "." : $": {status}")}", "container:ERROR");
                    case "EXPIRED":
                        // Containers live 24 h; a retry builds a new one.
                        throw new PlatformException(Instagram, PlatformFailureKind.Transient, "The Instagram media container expired before it was published.", "container:EXPIRED");
                }

                if (check >= checks)
                {
                    throw new PlatformException(Instagram, PlatformFailureKind.Transient,
                        $"Instagram was still processing the media after {checks} status checks; it was not published and can be tried again.",
                        "container:IN_PROGRESS");
                }

                await Task.Delay(Options.StatusPollInterval, publisher._clock, cancellationToken);
            }
        }
    }
}
