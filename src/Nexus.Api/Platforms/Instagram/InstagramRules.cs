using System.Globalization;
using System.Text.RegularExpressions;

namespace Nexus.Api.Platforms.Instagram;

/// <summary>What an Instagram publication is, which decides its container parameters and its limits.</summary>
public enum InstagramFormat
{
    /// <summary>A single image feed post.</summary>
    Image,

    /// <summary>A reel (every single video: since 2023-07-01 feed videos published through the API are reels).</summary>
    Reel,

    /// <summary>A story: one image or video, no caption.</summary>
    Story,

    /// <summary>A carousel of 2–10 images and videos.</summary>
    Carousel,
}

/// <summary>
/// Instagram's publishing limits from shared/PLATFORMS.md (ig-user/media reference). Measurements are checked only
/// when the media item carries them. Sizes are in MiB, as Meta's own error for images (2207004, "&gt;8 MiB") counts
/// them.
/// </summary>
public sealed partial class InstagramRules : IPlatformRules
{
    public const int MaxCaptionLength = 2200;
    public const int MaxHashtags = 30;
    public const int MaxMentions = 20;
    public const int MaxAltTextLength = 1000;
    public const int MaxCarouselItems = 10;
    private const long MiB = 1024 * 1024;

    /// <summary>Feed and carousel images: JPEG only, ≤8 MB, aspect 4:5–1.91:1, 320–1440 px wide.</summary>
    public static readonly ImageSpec FeedImage = new("Instagram", ["image/jpeg", "image/jpg"], "JPEG", 8 * MiB, new(4, 5), new(1.91, 1), 320, 1440);

    /// <summary>Story images: as feed images, without an aspect range (stories are 9:16 and none is documented).</summary>
    public static readonly ImageSpec StoryImage = FeedImage with { MinAspect = null, MaxAspect = null };

    /// <summary>Reels (and carousel videos): MP4/MOV, H.264 or HEVC, 23–60 fps, ≤1920 px wide, aspect 0.01:1–10:1, 3 s–15 min, ≤300 MB.</summary>
    public static readonly VideoSpec Reel = new("Instagram", "instagram_reel", ["video/mp4", "video/quicktime"], "MP4 or MOV", ["h264", "hevc"], "H.264 or HEVC",
        3, 15 * 60, 300 * MiB, 23, 60, MaxWidth: 1920, MinAspect: new(1, 100), MaxAspect: new(10, 1));

    /// <summary>Story videos: as reels, 3–60 s, ≤100 MB.</summary>
    public static readonly VideoSpec StoryVideo = Reel with { MaxSeconds = 60, MaxBytes = 100 * MiB };

    public PlatformId Platform => PlatformId.Instagram;

    public IReadOnlyList<RuleViolation> Check(PublishRequest post)
    {
        var violations = new List<RuleViolation>();
        CheckCaption(post.Text, "text", violations);

        var format = InstagramPostOptions.FormatOf(post);
        if (format is null)
        {
            violations.Add(new("options.format", "Instagram formats are feed, reel, story and carousel."));
        }

        if (post.Media.Count == 0)
        {
            violations.Add(new("media", "Instagram posts need an image or a video."));
            return violations;
        }

        switch (format)
        {
            case InstagramFormat.Image when post.Media.Count != 1:
                violations.Add(new("media", "An Instagram image post has exactly one image; several items make a carousel."));
                break;
            case InstagramFormat.Reel when post.Media is not [{ Kind: MediaKind.Video }]:
                violations.Add(new("media", "An Instagram reel is exactly one video."));
                break;
            case InstagramFormat.Story when post.Media.Count != 1:
                violations.Add(new("media", "An Instagram story is exactly one image or video."));
                break;
            case InstagramFormat.Carousel when post.Media.Count is < 2 or > MaxCarouselItems:
                violations.Add(new("media", $"An Instagram carousel has 2 to {MaxCarouselItems} images or videos."));
                break;
        }

        if (format == InstagramFormat.Story && !string.IsNullOrWhiteSpace(post.Text))
        {
            violations.Add(new("text", "Instagram stories published through the API carry no caption; leave the text empty for this target."));
        }

        for (var i = 0; i < post.Media.Count; i++)
        {
            CheckMedia(post.Media[i], $"media[{i}]", format, violations);
        }

        CheckOptions(post, format, violations);
        violations.AddRange(InstagramPostOptions.Schema.Undeclared(post));
        return violations;
    }

    private static void CheckCaption(string text, string field, List<RuleViolation> violations)
    {
        // UTF-16 units: never fewer than the characters Instagram counts, so nothing accepted here is refused there.
        if (text.Length > MaxCaptionLength)
        {
            violations.Add(new(field, $"Instagram captions are at most {MaxCaptionLength} characters; this one has {text.Length}."));
        }

        var hashtags = Hashtag().Count(text);
        if (hashtags > MaxHashtags)
        {
            violations.Add(new(field, $"Instagram allows at most {MaxHashtags} hashtags; this has {hashtags}."));
        }

        var mentions = Mention().Count(text);
        if (mentions > MaxMentions)
        {
            violations.Add(new(field, $"Instagram allows at most {MaxMentions} @mentions; this has {mentions}."));
        }
    }

    private static void CheckMedia(MediaItem item, string field, InstagramFormat? format, List<RuleViolation> violations)
    {
        switch (item.Kind)
        {
            case MediaKind.Image when item.LibraryId is not null:
                violations.AddRange(MediaFitting.CheckImage(format == InstagramFormat.Story ? StoryImage : FeedImage, item, field));
                break;
            case MediaKind.Video when item.LibraryId is not null:
                violations.AddRange(MediaFitting.CheckVideo(format == InstagramFormat.Story ? StoryVideo : Reel, item, field));
                break;
            case MediaKind.Image:
                CheckImage(item, field, format != InstagramFormat.Story, violations);
                break;
            case MediaKind.Video when format == InstagramFormat.Story:
                CheckVideo(item, field, TimeSpan.FromSeconds(60), 100 * MiB, checkAspect: false, violations);
                break;
            case MediaKind.Video:
                // Carousel videos: PLATFORMS.md gives no limits of their own, so the reel limits apply.
                CheckVideo(item, field, TimeSpan.FromMinutes(15), 300 * MiB, checkAspect: true, violations);
                break;
            default:
                violations.Add(new(field, "Instagram takes images and videos only (no GIFs)."));
                break;
        }

        if (item.AltText is { Length: > MaxAltTextLength })
        {
            violations.Add(new(field, $"Instagram alt text is at most {MaxAltTextLength} characters."));
        }
    }

    private static void CheckImage(MediaItem item, string field, bool feedAspect, List<RuleViolation> violations)
    {
        if (item.MimeType is { } mime && !mime.Equals("image/jpeg", StringComparison.OrdinalIgnoreCase) && !mime.Equals("image/jpg", StringComparison.OrdinalIgnoreCase))
        {
            violations.Add(new(field, $"Instagram images must be JPEG, not {mime}."));
        }

        if (item.SizeBytes > 8 * MiB)
        {
            violations.Add(new(field, "Instagram images are at most 8 MB."));
        }

        if (item.Width is { } width && item.Height is { } height && width > 0 && height > 0)
        {
            // 4:5 (portrait) to 1.91:1 (landscape). Stories are 9:16 and have no documented image ratio.
            if (feedAspect && ((long)width * 5 < (long)height * 4 || (long)width * 100 > (long)height * 191))
            {
                violations.Add(new(field, $"Instagram images must have an aspect ratio between 4:5 and 1.91:1; this one is {width}x{height}."));
            }
        }

        if (item.Width is { } w && w is < 320 or > 1440)
        {
            violations.Add(new(field, $"Instagram images are 320 to 1440 pixels wide; this one is {w}."));
        }
    }

    private static void CheckVideo(MediaItem item, string field, TimeSpan maxDuration, long maxBytes, bool checkAspect, List<RuleViolation> violations)
    {
        if (item.MimeType is { } mime && !mime.Equals("video/mp4", StringComparison.OrdinalIgnoreCase) && !mime.Equals("video/quicktime", StringComparison.OrdinalIgnoreCase))
        {
            violations.Add(new(field, $"Instagram videos must be MP4 or MOV, not {mime}."));
        }

        if (item.Duration is { } duration && (duration < TimeSpan.FromSeconds(3) || duration > maxDuration))
        {
            violations.Add(new(field, $"This Instagram video must last 3 seconds to {Describe(maxDuration)}; it lasts {duration.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s."));
        }

        if (item.SizeBytes > maxBytes)
        {
            violations.Add(new(field, $"This Instagram video must be at most {maxBytes / MiB} MB."));
        }

        if (checkAspect && item.Width is { } width && item.Height is { } height && width > 0 && height > 0 &&
            ((long)width * 100 < height || width > (long)height * 10))
        {
            violations.Add(new(field, $"Instagram reels must have an aspect ratio between 0.01:1 and 10:1; this one is {width}x{height}."));
        }

        if (checkAspect && item.Width > 1920)
        {
            violations.Add(new(field, "Instagram reels are at most 1920 pixels wide."));
        }
    }

    private static void CheckOptions(PublishRequest post, InstagramFormat? format, List<RuleViolation> violations)
    {
        if (InstagramPostOptions.ShareToFeed.TryGet(post, out var share) && !bool.TryParse(share, out _))
        {
            violations.Add(new("options.shareToFeed", "shareToFeed is true or false."));
        }

        if (InstagramPostOptions.ThumbOffset.TryGet(post, out var offset) &&
            !(long.TryParse(offset, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            violations.Add(new("options.thumbOffset", "thumbOffset is a whole number of milliseconds."));
        }

        if (InstagramPostOptions.CoverUrl.TryGet(post, out var cover) &&
            !(Uri.TryCreate(cover, UriKind.Absolute, out var coverUrl) && coverUrl.Scheme is "https" or "http"))
        {
            violations.Add(new("options.coverUrl", "coverUrl is a public http(s) URL of a JPEG."));
        }

        if (InstagramPostOptions.FirstComment.TryGet(post, out var comment) && !string.IsNullOrWhiteSpace(comment))
        {
            if (format == InstagramFormat.Story)
            {
                violations.Add(new("options.firstComment", "Instagram stories cannot be commented on through the API."));
            }

            CheckCaption(comment, "options.firstComment", violations);
        }
    }

    private static string Describe(TimeSpan duration) => duration.TotalMinutes >= 1 ? $"{duration.TotalMinutes:0} minutes" : $"{duration.TotalSeconds:0} seconds";

    [GeneratedRegex(@"(?<![\w#])#[\p{L}\p{M}\p{N}_]+")]
    private static partial Regex Hashtag();

    // Instagram usernames: letters, digits, periods and underscores. An @ inside a word (an email address) is no mention.
    [GeneratedRegex(@"(?<![\w@.])@[A-Za-z0-9_.]+")]
    private static partial Regex Mention();
}
