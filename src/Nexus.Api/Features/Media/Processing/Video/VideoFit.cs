using System.Globalization;

namespace Nexus.Api.Features.Media.Processing.Video;

/// <summary>The arithmetic of fitting a video to a preset: frame size, frame rate, key-frame interval and bitrate ceiling.</summary>
public static class VideoFit
{
    /// <summary>
    /// <paramref name="width"/>×<paramref name="height"/> scaled to fit inside the box keeping its aspect, never enlarged,
    /// both sides even (yuv420p halves the chroma planes, so H.264 encoders want even sides).
    /// </summary>
    public static (int Width, int Height) Inside(int width, int height, int maxWidth, int maxHeight)
    {
        var scale = Math.Min(1.0, Math.Min((double)maxWidth / width, (double)maxHeight / height));
        return (Even(width * scale), Even(height * scale));
    }

    /// <summary>The source's rate when within the range, else the nearest bound; null when the source's is unknown and left as is.</summary>
    public static double? FrameRate(double? source, int min, int max) => source switch
    {
        null or <= 0 => null,
        > 0 when source > max => max,
        > 0 when source < min => min,
        _ => source,
    };

    /// <summary>Frames between key frames: about two seconds, what the platforms' ingest guidance asks for.</summary>
    public static int KeyInterval(double frameRate) => Math.Max(1, (int)Math.Round(frameRate * 2));

    /// <summary>
    /// The video bitrate ceiling (kbit/s): the preset's, lowered when <paramref name="seconds"/> at that rate plus the audio
    /// would pass the preset's file-size limit (Reels: 300 MB in at most 15 min is under 3 Mbit/s on average).
    /// </summary>
    public static int VideoKbps(VideoPreset preset, double seconds)
    {
        if (preset.MaxBytes == long.MaxValue || seconds <= 0)
        {
            return preset.VideoKbps;
        }

        // 8 % for the container and the encoder's overshoot of its average.
        var budget = preset.MaxBytes * 8 / 1000.0 / seconds * 0.92 - preset.AudioKbps;
        return (int)Math.Clamp(budget, 300, preset.VideoKbps);
    }

    public static string Rate(double frameRate) => frameRate.ToString("0.###", CultureInfo.InvariantCulture);

    private static int Even(double side) => Math.Max(2, (int)Math.Floor(side / 2) * 2);
}
