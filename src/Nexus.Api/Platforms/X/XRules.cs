using Microsoft.Extensions.Options;

namespace Nexus.Api.Platforms.X;

/// <summary>
/// X's publishing rules (PLATFORMS.md §3): 280 weighted characters (<see cref="XText"/>); 4 images, or 1 GIF, or
/// 1 video, never mixed; images JPG/PNG/GIF/WEBP ≤5 MB; GIFs ≤15 MB and ≤1280×1080; videos 0.5 s–20 min, ≤8 GB,
/// 32×32–1280×1024 and aspect 1:3–3:1 (the video limits are settings, for premium accounts). Measurements a
/// <see cref="MediaItem"/> does not carry are not checked.
/// </summary>
public sealed class XRules(IOptions<XOptions> options) : IPlatformRules
{
    public const int MaxImages = 4;
    public const long MaxImageBytes = 5L * 1024 * 1024;
    public const long MaxGifBytes = 15L * 1024 * 1024;

    private static readonly string[] ImageTypes = ["image/jpeg", "image/jpg", "image/png", "image/gif", "image/webp"];

    // ⚠ PLATFORMS.md names the codecs (H.264 High, AAC-LC) but not the container; X documents MP4 and MOV.
    private static readonly string[] VideoTypes = ["video/mp4", "video/quicktime"];

    public PlatformId Platform => PlatformId.X;

    /// <summary>Images: JPG/PNG/GIF/WEBP, ≤5 MB.</summary>
    public static readonly ImageSpec Image = new("X", ImageTypes, "JPG, PNG, GIF or WEBP", MaxImageBytes);

    /// <summary>Videos: MP4/MOV, H.264, ≤60 fps, 32×32–1280×1024, aspect 1:3–3:1, 0.5 s–20 min (the duration and size are settings).</summary>
    public static VideoSpec Video(XOptions settings) => new("X", "x_video", VideoTypes, "MP4 or MOV", ["h264"], "H.264", 0.5, settings.MaxVideoDuration.TotalSeconds,
        settings.MaxVideoBytes, MaxFrameRate: 60, MinSide: 32, MaxWidth: 1280, MaxHeight: 1024, MinAspect: new(1, 3), MaxAspect: new(3, 1));

    public IReadOnlyList<RuleViolation> Check(PublishRequest post)
    {
        ArgumentNullException.ThrowIfNull(post);
        var violations = new List<RuleViolation>();
        var settings = options.Value;

        if (string.IsNullOrWhiteSpace(post.Text) && post.Media.Count == 0)
        {
            violations.Add(new("text", "An X post needs text or media."));
        }
        else if (XText.WeightedLength(post.Text ?? "") is var length and > XText.MaxWeightedLength)
        {
            violations.Add(new("text", $"X allows {XText.MaxWeightedLength} characters (URLs count {XText.UrlWeight}, emoji and CJK count 2); this text counts {length}."));
        }

        CheckMediaMix(post.Media, violations);
        for (var i = 0; i < post.Media.Count; i++)
        {
            CheckMedia(post.Media[i], $"media[{i}]", settings, violations);
        }

        CheckOptions(post, violations);
        violations.AddRange(XPostOptions.Schema.Undeclared(post));
        return violations;
    }

    private static void CheckMediaMix(IReadOnlyList<MediaItem> media, List<RuleViolation> violations)
    {
        var images = media.Count(m => m.Kind == MediaKind.Image);
        var gifs = media.Count(m => m.Kind == MediaKind.Gif);
        var videos = media.Count(m => m.Kind == MediaKind.Video);
        if ((gifs > 0 || videos > 0) && media.Count > 1)
        {
            violations.Add(new("media", "An X post carries up to 4 images, or 1 GIF, or 1 video, not a mix."));
        }
        else if (images > MaxImages)
        {
            violations.Add(new("media", $"An X post carries at most {MaxImages} images; this one has {images}."));
        }
    }

    private static void CheckMedia(MediaItem item, string field, XOptions settings, List<RuleViolation> violations)
    {
        switch (item.Kind)
        {
            case MediaKind.Image when item.LibraryId is not null:
                violations.AddRange(MediaFitting.CheckImage(Image, item, field));
                break;
            case MediaKind.Video when item.LibraryId is not null:
                violations.AddRange(MediaFitting.CheckVideo(Video(settings), item, field));
                break;
            case MediaKind.Image:
                CheckType(item, field, ImageTypes, "JPG, PNG, GIF or WEBP", violations);
                CheckSize(item, field, MaxImageBytes, "5 MB", violations);
                break;
            case MediaKind.Gif:
                CheckType(item, field, ["image/gif"], "GIF", violations);
                CheckSize(item, field, MaxGifBytes, "15 MB", violations);
                if (item.Width > 1280 || item.Height > 1080)
                {
                    violations.Add(new(field, $"X accepts GIFs up to 1280×1080; this one is {item.Width}×{item.Height}."));
                }

                break;
            case MediaKind.Video:
                CheckType(item, field, VideoTypes, "MP4 or MOV", violations);
                CheckSize(item, field, settings.MaxVideoBytes, $"{settings.MaxVideoBytes / (1024 * 1024)} MB", violations);
                if (item.Duration is { } duration && (duration < TimeSpan.FromSeconds(0.5) || duration > settings.MaxVideoDuration))
                {
                    violations.Add(new(field, $"X accepts videos from 0.5 s to {settings.MaxVideoDuration.TotalMinutes:0.#} min; this one lasts {duration.TotalSeconds:0.#} s."));
                }

                if (item is { Width: { } width, Height: { } height })
                {
                    if (width < 32 || height < 32 || width > 1280 || height > 1024)
                    {
                        violations.Add(new(field, $"X accepts videos from 32×32 to 1280×1024; this one is {width}×{height}."));
                    }

                    if (width * 3L < height || height * 3L < width)
                    {
                        violations.Add(new(field, $"X accepts video aspect ratios from 1:3 to 3:1; this one is {width}×{height}."));
                    }
                }

                break;
        }
    }

    private static void CheckType(MediaItem item, string field, string[] allowed, string names, List<RuleViolation> violations)
    {
        if (item.MimeType is { } type && !allowed.Contains(type, StringComparer.OrdinalIgnoreCase))
        {
            violations.Add(new(field, $"X accepts {names} here, not {type}."));
        }
    }

    private static void CheckSize(MediaItem item, string field, long max, string maxText, List<RuleViolation> violations)
    {
        if (item.SizeBytes > max)
        {
            violations.Add(new(field, $"X accepts at most {maxText} here; this file has {item.SizeBytes} bytes."));
        }
    }

    private static void CheckOptions(PublishRequest post, List<RuleViolation> violations)
    {
        if (XPostOptions.ReplySettings.TryGet(post, out var replySettings) && !string.IsNullOrEmpty(replySettings) &&
            !XPublisher.ReplySettings.Contains(replySettings, StringComparer.Ordinal))
        {
            violations.Add(new($"options.{XPostOptions.ReplySettings}", $"Who may reply must be one of {string.Join(", ", XPublisher.ReplySettings)}."));
        }

        if (XPostOptions.ReplyTo.TryGet(post, out var replyTo) && !string.IsNullOrEmpty(replyTo) && !replyTo.All(char.IsAsciiDigit))
        {
            violations.Add(new($"options.{XPostOptions.ReplyTo}", "The post to reply to must be an X post id (digits)."));
        }

        if (XPostOptions.FirstComment.TryGet(post, out var firstComment) && XText.WeightedLength(firstComment) > XText.MaxWeightedLength)
        {
            violations.Add(new($"options.{XPostOptions.FirstComment}", $"The first comment is a post too: at most {XText.MaxWeightedLength} characters."));
        }
    }
}
