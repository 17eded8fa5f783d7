using System.Globalization;

namespace Nexus.Api.Platforms.Pinterest;

/// <summary>
/// Pinterest's Pin rules (PLATFORMS.md §7): one image (JPEG/PNG/WEBP/BMP/TIFF/GIF, ≤20 MB) or one video (MP4/MOV/M4V,
/// 4 s–15 min, ≤2 GB, with a cover); a board (option <c>boardId</c>); title ≤100, description (the post text) ≤800,
/// link ≤2048 (http or https), alt text ≤500 characters.
/// </summary>
public sealed class PinterestRules : IPlatformRules
{
    public const int MaxTitleLength = 100;
    public const int MaxDescriptionLength = 800;
    public const int MaxLinkLength = 2048;
    public const int MaxAltTextLength = 500;
    public const long MaxImageBytes = 20L * 1024 * 1024;
    public const long MaxVideoBytes = 2L * 1024 * 1024 * 1024;
    public static readonly TimeSpan MinVideoDuration = TimeSpan.FromSeconds(4);
    public static readonly TimeSpan MaxVideoDuration = TimeSpan.FromMinutes(15);

    private static readonly string[] ImageTypes = ["image/jpeg", "image/jpg", "image/png", "image/webp", "image/bmp", "image/tiff", "image/gif"];
    private static readonly string[] VideoTypes = ["video/mp4", "video/quicktime", "video/x-m4v", "video/m4v"];

    public PlatformId Platform => PlatformId.Pinterest;

    /// <summary>Images: JPEG/PNG/WEBP/BMP/TIFF/GIF, ≤20 MB.</summary>
    public static readonly ImageSpec Image = new("Pinterest", ImageTypes, "JPEG, PNG, WEBP, BMP, TIFF or GIF", MaxImageBytes);

    /// <summary>Videos: MP4/MOV/M4V, 4 s–15 min, ≤2 GB.</summary>
    public static readonly VideoSpec Video = new("Pinterest", "pinterest_video", VideoTypes, "MP4, MOV or M4V", [], "", MinVideoDuration.TotalSeconds, MaxVideoDuration.TotalSeconds, MaxVideoBytes);

    public IReadOnlyList<RuleViolation> Check(PublishRequest post)
    {
        var violations = new List<RuleViolation>();
        if (post.Text.Length > MaxDescriptionLength)
        {
            violations.Add(new("text", $"A Pin description is at most {MaxDescriptionLength} characters; this one has {post.Text.Length}."));
        }

        if (post.Media.Count != 1)
        {
            violations.Add(new("media", "A Pin is exactly one image or one video."));
        }

        for (var i = 0; i < post.Media.Count; i++)
        {
            CheckMedia(post.Media[i], $"media[{i}]", violations);
        }

        if (!PinterestPostOptions.BoardId.TryGet(post, out var board) || string.IsNullOrWhiteSpace(board))
        {
            violations.Add(new($"options.{PinterestPostOptions.BoardId}", "Choose the board the Pin goes to."));
        }

        if (PinterestPostOptions.Title.TryGet(post, out var title) && title.Length > MaxTitleLength)
        {
            violations.Add(new($"options.{PinterestPostOptions.Title}", $"A Pin title is at most {MaxTitleLength} characters."));
        }

        if (PinterestPostOptions.Link.TryGet(post, out var link))
        {
            if (link.Length > MaxLinkLength)
            {
                violations.Add(new($"options.{PinterestPostOptions.Link}", $"A Pin link is at most {MaxLinkLength} characters."));
            }
            else if (!Uri.TryCreate(link, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                violations.Add(new($"options.{PinterestPostOptions.Link}", "A Pin link is an http or https URL."));
            }
        }

        if (PinterestPostOptions.AltText.TryGet(post, out var alt) && alt.Length > MaxAltTextLength)
        {
            violations.Add(new($"options.{PinterestPostOptions.AltText}", $"Alt text is at most {MaxAltTextLength} characters."));
        }

        if (post.Media is [{ Kind: MediaKind.Video }] &&
            !PinterestPostOptions.CoverImageUrl.IsSet(post) && !PinterestPostOptions.CoverImageKeyFrameTime.IsSet(post))
        {
            violations.Add(new($"options.{PinterestPostOptions.CoverImageUrl}", "A video Pin needs a cover: an image URL, or coverImageKeyFrameTime (seconds into the video)."));
        }

        if (PinterestPostOptions.CoverImageUrl.TryGet(post, out var cover) && !Uri.TryCreate(cover, UriKind.Absolute, out _))
        {
            violations.Add(new($"options.{PinterestPostOptions.CoverImageUrl}", "Use an absolute URL."));
        }

        if (PinterestPostOptions.CoverImageKeyFrameTime.TryGet(post, out var frame) &&
            !(double.TryParse(frame, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0))
        {
            violations.Add(new($"options.{PinterestPostOptions.CoverImageKeyFrameTime}", "Use the number of seconds into the video."));
        }

        violations.AddRange(PinterestPostOptions.Schema.Undeclared(post));
        return violations;
    }

    private static void CheckMedia(MediaItem item, string field, List<RuleViolation> violations)
    {
        if (item.AltText is { Length: > MaxAltTextLength })
        {
            violations.Add(new(field, $"Alt text is at most {MaxAltTextLength} characters."));
        }

        if (item.LibraryId is not null && item.Kind is MediaKind.Video or MediaKind.Image)
        {
            violations.AddRange(item.Kind == MediaKind.Video ? MediaFitting.CheckVideo(Video, item, field) : MediaFitting.CheckImage(Image, item, field));
            return;
        }

        if (item.Kind == MediaKind.Video)
        {
            if (item.MimeType is { } type && !VideoTypes.Contains(type, StringComparer.OrdinalIgnoreCase))
            {
                violations.Add(new(field, $"Pinterest takes MP4, MOV or M4V videos, not {type}."));
            }

            if (item.SizeBytes > MaxVideoBytes)
            {
                violations.Add(new(field, "Pinterest videos are at most 2 GB."));
            }

            if (item.Duration < MinVideoDuration || item.Duration > MaxVideoDuration)
            {
                violations.Add(new(field, "Pinterest videos last 4 seconds to 15 minutes."));
            }

            return;
        }

        if (item.MimeType is { } imageType && !ImageTypes.Contains(imageType, StringComparer.OrdinalIgnoreCase))
        {
            violations.Add(new(field, $"Pinterest takes JPEG, PNG, WEBP, BMP, TIFF or GIF images, not {imageType}."));
        }

        if (item.SizeBytes > MaxImageBytes)
        {
            violations.Add(new(field, "Pinterest images are at most 20 MB."));
        }
    }
}
