using System.Globalization;
using System.Text.Json.Serialization;
using Nexus.Api.Platforms;

namespace Nexus.Api.Features.Media.Processing;

/// <summary>
/// What a processing job does to a library item. Each output is a new item linked to its source (the source is never
/// changed). Stored in job events and carried in durable messages, so the JSON shape is a contract: the discriminator
/// names below never change.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "op")]
[JsonDerivedType(typeof(ResizeImage), "resizeImage")]
[JsonDerivedType(typeof(TranscodeVideo), "transcodeVideo")]
[JsonDerivedType(typeof(TrimMedia), "trim")]
[JsonDerivedType(typeof(MergeVideos), "mergeVideos")]
[JsonDerivedType(typeof(ExtractFrame), "extractFrame")]
[JsonDerivedType(typeof(NormaliseAudio), "normaliseAudio")]
[JsonDerivedType(typeof(ReplaceAudio), "replaceAudio")]
public abstract record MediaOperation
{
    /// <summary>A short description for the library ("resize to 4:5", "transcode for instagram_reel").</summary>
    public abstract string Describe();

    /// <summary>Library items the operation reads besides its source (clips to merge, an audio track).</summary>
    public virtual IReadOnlyList<Guid> OtherInputs => [];
}

/// <summary>An output image format.</summary>
public enum ImageFormat
{
    Jpeg,
    Png,
    Webp,
}

/// <summary>
/// An image cropped to <paramref name="Aspect"/> around the focal point (0–1 from the left and the top), scaled to
/// <paramref name="Width"/> (never enlarged), its orientation applied and its metadata (EXIF, GPS) dropped.
/// </summary>
public sealed record ResizeImage(AspectRatio Aspect, int? Width, double FocalX = 0.5, double FocalY = 0.5, ImageFormat Format = ImageFormat.Jpeg, int Quality = 88)
    : MediaOperation
{
    public override string Describe() => Width is { } w ? $"crop to {Aspect} at {w} px wide, {Format}" : $"crop to {Aspect}, {Format}";
}

/// <summary>A video re-encoded to H.264/AAC MP4 (moov atom first) within <paramref name="Preset"/>'s limits.</summary>
public sealed record TranscodeVideo(string Preset) : MediaOperation
{
    public override string Describe() => $"transcode for {Preset}";
}

/// <summary>A video or audio item cut to [<paramref name="StartSeconds"/>, <paramref name="EndSeconds"/>).</summary>
public sealed record TrimMedia(double StartSeconds, double EndSeconds) : MediaOperation
{
    public override string Describe() => string.Create(CultureInfo.InvariantCulture, $"trim {StartSeconds:0.###}–{EndSeconds:0.###} s");
}

/// <summary>The source video followed by each of <paramref name="Then"/>, in order, as one H.264/AAC MP4.</summary>
public sealed record MergeVideos(IReadOnlyList<Guid> Then) : MediaOperation
{
    public override string Describe() => $"merge with {Then.Count} more clip{(Then.Count == 1 ? "" : "s")}";

    public override IReadOnlyList<Guid> OtherInputs => Then;
}

/// <summary>One frame of a video as an image: a cover or a thumbnail.</summary>
public sealed record ExtractFrame(double AtSeconds, ImageFormat Format = ImageFormat.Jpeg) : MediaOperation
{
    public override string Describe() => string.Create(CultureInfo.InvariantCulture, $"frame at {AtSeconds:0.###} s");
}

/// <summary>The audio (of a video or an audio item) brought to <paramref name="TargetLufs"/> integrated loudness (EBU R128).</summary>
public sealed record NormaliseAudio(double TargetLufs = -14) : MediaOperation
{
    public override string Describe() => string.Create(CultureInfo.InvariantCulture, $"normalise loudness to {TargetLufs:0.#} LUFS");
}

/// <summary>A video's sound replaced by (or, with <paramref name="Mix"/>, mixed with) the audio library item <paramref name="AudioId"/>.</summary>
public sealed record ReplaceAudio(Guid AudioId, bool Mix = false) : MediaOperation
{
    public override string Describe() => Mix ? "mix in an audio track" : "replace the audio track";

    public override IReadOnlyList<Guid> OtherInputs => [AudioId];
}

/// <summary>Width:height, such as 4:5 or 1.91:1.</summary>
public sealed record AspectRatio(double Width, double Height)
{
    public double Value => Width / Height;

    public static bool TryParse(string? text, out AspectRatio aspect)
    {
        aspect = new(1, 1);
        var parts = text?.Split(':');
        if (parts is not [var w, var h]
            || !double.TryParse(w, NumberStyles.Float, CultureInfo.InvariantCulture, out var width)
            || !double.TryParse(h, NumberStyles.Float, CultureInfo.InvariantCulture, out var height)
            || width is <= 0 or > 100 || height is <= 0 or > 100)
        {
            return false;
        }

        aspect = new(width, height);
        return true;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Width:0.##}:{Height:0.##}");
}

/// <summary>
/// A platform's video target (from PLATFORMS.md): the largest frame (fitted inside, never enlarged, even sides), the frame
/// rate range, bitrates and the longest duration. Transcoding to a preset gives H.264 High / AAC-LC in MP4 with the moov atom
/// first, yuv420p, closed GOPs: what every platform here takes.
/// </summary>
public sealed record VideoPreset(string Name, PlatformId? Platform, int MaxWidth, int MaxHeight, int MaxFrameRate, int MinFrameRate, int VideoKbps, int AudioKbps,
    int AudioSampleRate, double MinSeconds, double MaxSeconds, long MaxBytes);

public static class VideoPresets
{
    public static IReadOnlyList<VideoPreset> All { get; } =
    [
        // Reels: ≤1920 px wide, 23–60 fps, ≤25 Mbps, AAC ≤48 kHz 128 kbps, 3 s–15 min, ≤300 MB.
        new("instagram_reel", PlatformId.Instagram, 1080, 1920, 30, 23, 8_000, 128, 48_000, 3, 15 * 60, 300L * 1024 * 1024),
        new("facebook_video", PlatformId.Facebook, 1920, 1080, 30, 23, 8_000, 128, 48_000, 1, 240 * 60, 10L * 1024 * 1024 * 1024),
        // Facebook reels (Meta's Reels Publishing API page): 9:16, 1080×1920 recommended (≥540×960), 24–60 fps, 3–90 s.
        new("facebook_reel", PlatformId.Facebook, 1080, 1920, 30, 24, 8_000, 128, 48_000, 3, 90, 10L * 1024 * 1024 * 1024),
        // X: ≤1280×1024 (fitted inside, so 1280×720 for 16:9), ≤60 fps, 0.5 s–20 min.
        new("x_video", PlatformId.X, 1280, 1024, 30, 1, 5_000, 128, 48_000, 0.5, 20 * 60, 512L * 1024 * 1024),
        new("linkedin_video", PlatformId.LinkedIn, 1920, 1080, 30, 10, 5_000, 128, 48_000, 3, 30 * 60, 500L * 1024 * 1024),
        // TikTok: 360–4096 px per side, 23–60 fps, ≤10 min.
        new("tiktok_video", PlatformId.TikTok, 1080, 1920, 30, 23, 8_000, 128, 48_000, 3, 10 * 60, 4L * 1024 * 1024 * 1024),
        new("youtube_video", PlatformId.YouTube, 1920, 1080, 60, 1, 12_000, 192, 48_000, 1, 12 * 60 * 60, 256L * 1024 * 1024 * 1024),
        new("pinterest_video", PlatformId.Pinterest, 1080, 1920, 30, 23, 8_000, 128, 48_000, 4, 15 * 60, 2L * 1024 * 1024 * 1024),
        new("h264_1080p", null, 1920, 1080, 30, 1, 8_000, 128, 48_000, 0.1, 3 * 60 * 60, long.MaxValue),
    ];

    public static VideoPreset? Find(string name) => All.FirstOrDefault(p => p.Name == name);

    public static VideoPreset? For(PlatformId platform) => All.FirstOrDefault(p => p.Platform == platform);
}
