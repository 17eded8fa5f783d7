namespace Nexus.Api.Platforms.Facebook;

/// <summary>What a Facebook Page publication is.</summary>
public enum FacebookFormat
{
    /// <summary>A feed post: text and/or link, one photo, several photos, or one video.</summary>
    Feed,

    /// <summary>A reel: one video.</summary>
    Reel,
}

/// <summary>
/// Facebook Page posts as Nexus publishes them: text/link posts, one photo, up to 10 photos, one video, or a reel.
/// shared/PLATFORMS.md gives no Page post limits; the message limit is Facebook's documented 63,206 characters (the
/// catalogue's number). Library media is checked from its facts where Meta documents a limit: photo formats (Graph API
/// "Photo uploads": JPEG, BMP, PNG, GIF, TIFF; its 4 MB is a recommendation, not a limit) and reels (Reels Publishing
/// API). Meta documents no limits for feed videos, so they are not checked.
/// </summary>
public sealed class FacebookRules : IPlatformRules
{
    public const int MaxMessageLength = 63206;
    public const int MaxPhotos = 10;

    /// <summary>Photos: the formats Facebook takes; no documented size or dimension limit.</summary>
    public static readonly ImageSpec Photo = new("Facebook", ["image/jpeg", "image/jpg", "image/png", "image/gif", "image/bmp", "image/tiff"], "JPEG, PNG, GIF, BMP or TIFF", long.MaxValue);

    /// <summary>Reels: MP4, H.264/H.265/VP9/AV1, 9:16, at least 540×960, 24–60 fps, 3–90 s.</summary>
    public static readonly VideoSpec Reel = new("Facebook", "facebook_reel", ["video/mp4"], "MP4", ["h264", "hevc", "vp9", "av1"], "H.264, H.265, VP9 or AV1",
        3, 90, 10L * 1024 * 1024 * 1024, 24, 60, MinSide: 540, MinAspect: new(9, 16), MaxAspect: new(9, 16));

    public PlatformId Platform => PlatformId.Facebook;

    public IReadOnlyList<RuleViolation> Check(PublishRequest post)
    {
        var violations = new List<RuleViolation>();
        if (post.Text.Length > MaxMessageLength)
        {
            violations.Add(new("text", $"Facebook posts are at most {MaxMessageLength} characters; this one has {post.Text.Length}."));
        }

        var format = FacebookPostOptions.FormatOf(post);
        if (format is null)
        {
            violations.Add(new("options.format", "Facebook formats are feed and reel."));
        }

        for (var i = 0; i < post.Media.Count; i++)
        {
            var item = post.Media[i];
            if (item.Kind is not (MediaKind.Image or MediaKind.Video))
            {
                violations.Add(new($"media[{i}]", "Facebook Page posts take images and videos only (no GIFs)."));
            }
            else if (item.LibraryId is not null && item.Kind == MediaKind.Image)
            {
                violations.AddRange(MediaFitting.CheckImage(Photo, item, $"media[{i}]"));
            }
            else if (item.LibraryId is not null && format == FacebookFormat.Reel)
            {
                violations.AddRange(MediaFitting.CheckVideo(Reel, item, $"media[{i}]"));
            }
        }

        var videos = post.Media.Count(m => m.Kind == MediaKind.Video);
        if (format == FacebookFormat.Reel && post.Media is not [{ Kind: MediaKind.Video }])
        {
            violations.Add(new("media", "A Facebook reel is exactly one video."));
        }
        else if (videos > 0 && post.Media.Count > 1)
        {
            violations.Add(new("media", "A Facebook post has either photos or one video, not both or several videos."));
        }
        else if (post.Media.Count > MaxPhotos)
        {
            violations.Add(new("media", $"A Facebook post has at most {MaxPhotos} photos."));
        }

        var link = FacebookPostOptions.Link.TryGet(post, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
        if (link is not null)
        {
            if (!(Uri.TryCreate(link, UriKind.Absolute, out var url) && url.Scheme is "https" or "http"))
            {
                violations.Add(new("options.link", "link is an http(s) URL."));
            }
            else if (post.Media.Count > 0)
            {
                violations.Add(new("options.link", "A Facebook link post carries no media; put the link in the text instead."));
            }
        }

        if (post.Media.Count == 0 && link is null && string.IsNullOrWhiteSpace(post.Text))
        {
            violations.Add(new("text", "A Facebook post without media needs text or a link."));
        }

        // Nexus posts no first comments on Facebook, so firstComment is no Facebook option: refused like any other.
        violations.AddRange(FacebookPostOptions.Schema.Undeclared(post));

        return violations;
    }
}
