namespace Nexus.Api.Platforms.LinkedIn;

/// <summary>
/// LinkedIn's publishing rules (PLATFORMS.md §4): commentary ≤3000 characters; one image, or 2–20 images
/// (multiImage), or one video, never images and video together; images JPG/PNG/GIF under 36,152,320 pixels; video
/// MP4, 3 s–30 min, ≤500 MB. Measurements a <see cref="MediaItem"/> does not carry are not checked.
/// </summary>
public sealed class LinkedInRules : IPlatformRules
{
    /// <summary>Longest commentary, counted in UTF-16 code units before little-text escaping (⚠ LinkedIn does not
    /// say how it counts; code units are the stricter reading for emoji).</summary>
    public const int MaxCommentaryLength = 3000;

    public const int MaxImages = 20;
    public const long MaxImagePixels = 36_152_320;
    public const long MaxVideoBytes = 500L * 1024 * 1024;

    public static readonly TimeSpan MinVideoDuration = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan MaxVideoDuration = TimeSpan.FromMinutes(30);

    private static readonly string[] ImageTypes = ["image/jpeg", "image/jpg", "image/png", "image/gif"];

    public PlatformId Platform => PlatformId.LinkedIn;

    /// <summary>Images: JPG/PNG/GIF under 36,152,320 pixels (no size limit is documented).</summary>
    public static readonly ImageSpec Image = new("LinkedIn", ImageTypes, "JPG, PNG or GIF", long.MaxValue, MaxPixels: MaxImagePixels);

    /// <summary>Videos: MP4, 3 s–30 min, ≤500 MB (PLATFORMS.md names no codec or frame rate).</summary>
    public static readonly VideoSpec Video = new("LinkedIn", "linkedin_video", ["video/mp4"], "MP4", [], "", MinVideoDuration.TotalSeconds, MaxVideoDuration.TotalSeconds, MaxVideoBytes);

    public IReadOnlyList<RuleViolation> Check(PublishRequest post)
    {
        ArgumentNullException.ThrowIfNull(post);
        var violations = new List<RuleViolation>();
        var text = post.Text ?? "";
        if (string.IsNullOrWhiteSpace(text) && post.Media.Count == 0)
        {
            violations.Add(new("text", "A LinkedIn post needs commentary or media."));
        }
        else if (text.Length > MaxCommentaryLength)
        {
            violations.Add(new("text", $"LinkedIn allows {MaxCommentaryLength} characters of commentary; this text has {text.Length}."));
        }

        var videos = post.Media.Count(m => m.Kind == MediaKind.Video);
        var images = post.Media.Count - videos;
        if (videos > 0 && post.Media.Count > 1)
        {
            violations.Add(new("media", "A LinkedIn post carries one video, or 1 to 20 images, not several videos or a mix."));
        }
        else if (images > MaxImages)
        {
            violations.Add(new("media", $"A LinkedIn multi-image post carries 2 to {MaxImages} images; this one has {images}."));
        }

        for (var i = 0; i < post.Media.Count; i++)
        {
            CheckMedia(post.Media[i], $"media[{i}]", violations);
        }

        if (LinkedInPostOptions.Visibility.TryGet(post, out var visibility) && !string.IsNullOrEmpty(visibility) &&
            !LinkedInPublisher.Visibilities.Contains(visibility, StringComparer.Ordinal))
        {
            violations.Add(new($"options.{LinkedInPostOptions.Visibility}", $"Visibility must be one of {string.Join(", ", LinkedInPublisher.Visibilities)}."));
        }

        if (LinkedInPostOptions.DisableReshare.TryGet(post, out var disableReshare) && !bool.TryParse(disableReshare, out _))
        {
            violations.Add(new($"options.{LinkedInPostOptions.DisableReshare}", "Must be true or false."));
        }

        violations.AddRange(LinkedInPostOptions.Schema.Undeclared(post));
        return violations;
    }

    private static void CheckMedia(MediaItem item, string field, List<RuleViolation> violations)
    {
        if (item.LibraryId is not null && item.Kind is MediaKind.Video or MediaKind.Image)
        {
            violations.AddRange(item.Kind == MediaKind.Video ? MediaFitting.CheckVideo(Video, item, field) : MediaFitting.CheckImage(Image, item, field));
            return;
        }

        if (item.Kind == MediaKind.Video)
        {
            if (item.MimeType is { } type && !string.Equals(type, "video/mp4", StringComparison.OrdinalIgnoreCase))
            {
                violations.Add(new(field, $"LinkedIn accepts MP4 video, not {type}."));
            }

            if (item.SizeBytes > MaxVideoBytes)
            {
                violations.Add(new(field, $"LinkedIn accepts videos up to 500 MB; this one has {item.SizeBytes} bytes."));
            }

            if (item.Duration is { } duration && (duration < MinVideoDuration || duration > MaxVideoDuration))
            {
                violations.Add(new(field, $"LinkedIn accepts videos from 3 s to 30 min; this one lasts {duration.TotalSeconds:0.#} s."));
            }

            return;
        }

        if (item.MimeType is { } imageType && !ImageTypes.Contains(imageType, StringComparer.OrdinalIgnoreCase))
        {
            violations.Add(new(field, $"LinkedIn accepts JPG, PNG or GIF images, not {imageType}."));
        }

        if (item is { Width: { } width, Height: { } height } && (long)width * height >= MaxImagePixels)
        {
            violations.Add(new(field, $"LinkedIn accepts images under {MaxImagePixels:N0} pixels; this one is {width}×{height}."));
        }
    }
}
