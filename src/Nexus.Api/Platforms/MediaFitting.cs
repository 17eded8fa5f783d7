using System.Globalization;
using Nexus.Api.Features.Media.Processing;

namespace Nexus.Api.Platforms;

/// <summary>
/// What a platform takes as an image (PLATFORMS.md): types, size, aspect range, width range, pixel count. Checked in
/// full for library items, whose facts are known.
/// </summary>
public sealed record ImageSpec(
    string Platform,
    IReadOnlyList<string> Mimes,
    string MimeNames,
    long MaxBytes,
    AspectRatio? MinAspect = null,
    AspectRatio? MaxAspect = null,
    int? MinWidth = null,
    int? MaxWidth = null,
    long? MaxPixels = null);

/// <summary>
/// What a platform takes as a video (PLATFORMS.md): types, codecs, frame rates, frame size, aspect, duration and size,
/// and the <see cref="VideoPresets"/> preset a transcode for it uses.
/// </summary>
public sealed record VideoSpec(
    string Platform,
    string Preset,
    IReadOnlyList<string> Mimes,
    string MimeNames,
    IReadOnlyList<string> Codecs,
    string CodecNames,
    double MinSeconds,
    double MaxSeconds,
    long MaxBytes,
    double? MinFrameRate = null,
    double? MaxFrameRate = null,
    int? MinSide = null,
    int? MaxWidth = null,
    int? MaxHeight = null,
    AspectRatio? MinAspect = null,
    AspectRatio? MaxAspect = null);

/// <summary>
/// Checks a library item's facts against a platform's <see cref="ImageSpec"/> or <see cref="VideoSpec"/>, and plans
/// what makes it fit: every violation says the fix in words and carries the operations <c>fitMediaToTargets</c> runs
/// (the same plan for every violation of the item, since one job fixes them all). Pure: preflight, the fit planner and
/// the tests call it alike.
/// </summary>
public static class MediaFitting
{
    private const long MiB = 1024 * 1024;

    /// <summary>The violations of <paramref name="item"/> (a library item) as an image of <paramref name="spec"/>'s platform.</summary>
    public static IReadOnlyList<RuleViolation> CheckImage(ImageSpec spec, MediaItem item, string field)
    {
        var problems = new List<string>();
        var plan = PlanImage(spec, item);
        if (item.MimeType is { } mime && !Takes(spec.Mimes, mime))
        {
            problems.Add($"{spec.Platform} takes {spec.MimeNames} images, not {mime}: convert it to JPEG.");
        }

        if (item.SizeBytes > spec.MaxBytes)
        {
            problems.Add($"{spec.Platform} images are at most {Megabytes(spec.MaxBytes)}; this one has {Megabytes(item.SizeBytes!.Value)}: re-encode it smaller.");
        }

        if (item.Aspect is { } aspect && spec.MinAspect is { } min && aspect < min.Value - 0.0005)
        {
            problems.Add($"{spec.Platform} images are at least {min} (width:height); this one is {item.Width}×{item.Height}: crop to {min}.");
        }
        else if (item.Aspect is { } wide && spec.MaxAspect is { } max && wide > max.Value + 0.0005)
        {
            problems.Add($"{spec.Platform} images are at most {max} (width:height); this one is {item.Width}×{item.Height}: crop to {max}.");
        }

        if (item.Width is { } width && spec.MinWidth is { } minWidth && width < minWidth)
        {
            problems.Add($"{spec.Platform} images are at least {minWidth} px wide; this one is {width} px: use a larger image (Nexus never enlarges one).");
        }
        else if (item.Width is { } w && spec.MaxWidth is { } maxWidth && CroppedWidth(spec, item) > maxWidth)
        {
            problems.Add($"{spec.Platform} images are at most {maxWidth} px wide; this one is {w} px: resize to {maxWidth} px wide.");
        }

        if (item is { Width: { } pw, Height: { } ph } && spec.MaxPixels is { } maxPixels && (long)pw * ph >= maxPixels)
        {
            problems.Add($"{spec.Platform} images have fewer than {maxPixels.ToString("N0", CultureInfo.InvariantCulture)} pixels; this one is {pw}×{ph}: resize it smaller.");
        }

        return [.. problems.Select(p => new RuleViolation(field, p, plan))];
    }

    /// <summary>The violations of <paramref name="item"/> (a library item) as a video of <paramref name="spec"/>'s platform.</summary>
    public static IReadOnlyList<RuleViolation> CheckVideo(VideoSpec spec, MediaItem item, string field)
    {
        var problems = new List<string>();
        var plan = PlanVideo(spec, item);
        var platform = spec.Platform;
        if (item.MimeType is { } mime && !Takes(spec.Mimes, mime))
        {
            problems.Add($"{platform} takes {spec.MimeNames} videos, not {mime}: transcode to MP4 (H.264).");
        }

        if (item.VideoCodec is { } codec && !Takes(spec.Codecs, codec))
        {
            problems.Add($"{platform} takes {spec.CodecNames} video, not {codec}: transcode to H.264.");
        }

        if (item.FrameRate is { } fps && (fps < spec.MinFrameRate - 0.01 || fps > spec.MaxFrameRate + 0.01))
        {
            problems.Add($"{platform} takes {Range(spec.MinFrameRate, spec.MaxFrameRate)} frames per second; this video has {fps.ToString("0.##", CultureInfo.InvariantCulture)}: transcode to 30 fps.");
        }

        if (item is { Width: { } width, Height: { } height })
        {
            if ((spec.MaxWidth is { } maxWidth && width > maxWidth) || (spec.MaxHeight is { } maxHeight && height > maxHeight))
            {
                problems.Add($"{platform} takes videos up to {Frame(spec.MaxWidth, spec.MaxHeight)}; this one is {width}×{height}: scale it down (transcode for {platform}).");
            }

            if (spec.MinSide is { } minSide && Math.Min(width, height) < minSide)
            {
                problems.Add($"{platform} takes videos at least {minSide} px on each side; this one is {width}×{height}: use a larger video.");
            }

            var aspect = (double)width / height;
            if ((spec.MinAspect is { } min && aspect < min.Value - 0.0005) || (spec.MaxAspect is { } max && aspect > max.Value + 0.0005))
            {
                problems.Add($"{platform} takes video aspect ratios from {spec.MinAspect} to {spec.MaxAspect}; this one is {width}×{height}: crop it in a video editor.");
            }
        }

        if (item.Duration is { } duration)
        {
            if (duration.TotalSeconds > spec.MaxSeconds + 0.001)
            {
                problems.Add($"{platform} takes videos up to {Seconds(spec.MaxSeconds)}; this one lasts {Seconds(duration.TotalSeconds)}: shorten to {Seconds(spec.MaxSeconds)}.");
            }
            else if (duration.TotalSeconds < spec.MinSeconds - 0.001)
            {
                problems.Add($"{platform} takes videos of at least {Seconds(spec.MinSeconds)}; this one lasts {Seconds(duration.TotalSeconds)}: use a longer clip.");
            }
        }

        if (item.SizeBytes > spec.MaxBytes)
        {
            problems.Add($"{platform} takes videos up to {Megabytes(spec.MaxBytes)}; this one has {Megabytes(item.SizeBytes!.Value)}: transcode for {platform} (a lower bitrate).");
        }

        // A violation only a person can fix carries no plan even when others of the item could be processed away: the
        // fit would not make it publishable.
        return [.. problems.Select(p => new RuleViolation(field, p, plan))];
    }

    /// <summary>
    /// What makes an image fit <paramref name="spec"/>, or null when it fits or processing cannot help (too small: an
    /// image is never enlarged). One <see cref="ResizeImage"/>: cropped to the nearest allowed aspect (clamped into the
    /// range), at most the largest allowed width, JPEG.
    /// </summary>
    public static IReadOnlyList<MediaOperation>? PlanImage(ImageSpec spec, MediaItem item)
    {
        if (item is not { Width: { } width, Height: { } height } || width <= 0 || height <= 0 || width < spec.MinWidth)
        {
            return null;
        }

        var aspect = (double)width / height;
        var tooNarrow = spec.MinAspect is { } min && aspect < min.Value - 0.0005;
        var tooWide = spec.MaxAspect is { } max && aspect > max.Value + 0.0005;
        var badType = item.MimeType is { } mime && !Takes(spec.Mimes, mime);
        var tooHeavy = item.SizeBytes > spec.MaxBytes;
        var croppedWidth = CroppedWidth(spec, item);
        var targetWidth = croppedWidth;
        if (spec.MaxWidth is { } maxWidth && targetWidth > maxWidth)
        {
            targetWidth = maxWidth;
        }

        var targetHeight = targetWidth / (tooNarrow ? spec.MinAspect!.Value : tooWide ? spec.MaxAspect!.Value : aspect);
        if (spec.MaxPixels is { } maxPixels && targetWidth * targetHeight >= maxPixels)
        {
            targetWidth = (int)Math.Floor(Math.Sqrt((maxPixels - 1) * (targetWidth / targetHeight)));
        }

        if (tooHeavy && targetWidth > 2048)
        {
            // A file over the size limit at a sane width is re-encoded at 2048 px: far under every limit here as JPEG.
            targetWidth = 2048;
        }

        if (!tooNarrow && !tooWide && !badType && !tooHeavy && targetWidth >= width)
        {
            return null;
        }

        if (spec.MinWidth is { } minWidth && targetWidth < minWidth)
        {
            return null;
        }

        var ratio = tooNarrow ? spec.MinAspect! : tooWide ? spec.MaxAspect! : Reduced(width, height);
        return [new ResizeImage(ratio, targetWidth, Format: ImageFormat.Jpeg)];
    }

    /// <summary>
    /// What makes a video fit <paramref name="spec"/>, or null when it fits or processing cannot help (too short, too
    /// small, an aspect outside the range: a transcode neither pads nor crops). A trim to the longest allowed duration
    /// when it is too long, then a transcode to the platform's preset when anything else is off.
    /// </summary>
    public static IReadOnlyList<MediaOperation>? PlanVideo(VideoSpec spec, MediaItem item)
    {
        var seconds = item.Duration?.TotalSeconds;
        if (seconds < spec.MinSeconds - 0.001)
        {
            return null;
        }

        if (item is { Width: { } width, Height: { } height })
        {
            var aspect = (double)width / height;
            if (Math.Min(width, height) < spec.MinSide
                || (spec.MinAspect is { } min && aspect < min.Value - 0.0005) || (spec.MaxAspect is { } max && aspect > max.Value + 0.0005))
            {
                return null;
            }
        }

        var steps = new List<MediaOperation>();
        if (seconds > spec.MaxSeconds + 0.001)
        {
            steps.Add(new TrimMedia(0, spec.MaxSeconds));
        }

        var transcode = (item.MimeType is { } mime && !Takes(spec.Mimes, mime))
            || (item.VideoCodec is { } codec && !Takes(spec.Codecs, codec))
            || (item.FrameRate is { } fps && (fps < spec.MinFrameRate - 0.01 || fps > spec.MaxFrameRate + 0.01))
            || item.Width > spec.MaxWidth || item.Height > spec.MaxHeight
            || item.SizeBytes > spec.MaxBytes;
        if (transcode)
        {
            steps.Add(new TranscodeVideo(spec.Preset));
        }

        return steps.Count == 0 ? null : steps;
    }

    /// <summary>An empty list is a limit PLATFORMS.md does not give: anything passes.</summary>
    private static bool Takes(IReadOnlyList<string> allowed, string value) => allowed.Count == 0 || allowed.Contains(value, StringComparer.OrdinalIgnoreCase);

    private static int CroppedWidth(ImageSpec spec, MediaItem item)
    {
        var (width, height) = (item.Width ?? 0, item.Height ?? 0);
        return height > 0 && spec.MaxAspect is { } max && (double)width / height > max.Value + 0.0005 ? (int)Math.Floor(height * max.Value) : width;
    }

    private static AspectRatio Reduced(int width, int height)
    {
        var gcd = (int)System.Numerics.BigInteger.GreatestCommonDivisor(width, height);
        return new AspectRatio(width / gcd, height / gcd);
    }

    private static string Megabytes(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)MiB:0.#} MB");

    private static string Seconds(double seconds) => seconds >= 60
        ? string.Create(CultureInfo.InvariantCulture, $"{seconds / 60:0.#} minutes")
        : string.Create(CultureInfo.InvariantCulture, $"{seconds:0.#} s");

    private static string Range(double? min, double? max) => (min, max) switch
    {
        ({ } a, { } b) => string.Create(CultureInfo.InvariantCulture, $"{a:0.##}–{b:0.##}"),
        (null, { } b) => string.Create(CultureInfo.InvariantCulture, $"at most {b:0.##}"),
        ({ } a, null) => string.Create(CultureInfo.InvariantCulture, $"at least {a:0.##}"),
        _ => "any number of",
    };

    private static string Frame(int? width, int? height) => (width, height) switch
    {
        ({ } w, { } h) => $"{w}×{h}",
        ({ } w, null) => $"{w} px wide",
        (null, { } h) => $"{h} px high",
        _ => "any size",
    };
}
