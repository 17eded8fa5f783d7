using System.Globalization;
using FFMpegCore;
using Microsoft.Extensions.Options;
using Nexus.Api.Platforms;
using SkiaSharp;

namespace Nexus.Api.Features.Media.Probing;

/// <summary>
/// Finds a file's facts from its bytes: the type from its magic numbers (<see cref="MediaTypes.Sniff"/>), then images
/// through SkiaSharp's codec (the header only: dimensions are checked against the pixel limit before anything is
/// decoded) and videos and audio through ffprobe, bounded by a timeout. Anything outside the accepted containers and
/// codecs, too large, too many pixels or too long is refused with <see cref="MediaRejectedException"/>.
/// </summary>
public sealed class MediaProbe(IOptions<MediaOptions> options)
{
    /// <summary>ffprobe's format names Nexus accepts: the ISO family (MP4, MOV, M4A), Matroska/WebM, and plain audio.</summary>
    public static readonly IReadOnlySet<string> Containers = new HashSet<string>(StringComparer.Ordinal)
    {
        "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "mp3", "aac", "wav", "ogg",
    };

    public static readonly IReadOnlySet<string> VideoCodecs = new HashSet<string>(StringComparer.Ordinal) { "h264", "hevc", "vp8", "vp9", "av1", "mpeg4" };

    public static readonly IReadOnlySet<string> AudioCodecs = new HashSet<string>(StringComparer.Ordinal)
    {
        "aac", "mp3", "opus", "vorbis", "flac", "alac", "pcm_s16le", "pcm_s24le", "pcm_f32le",
    };

    private readonly MediaOptions _options = options.Value;

    public async Task<MediaFacts> ProbeAsync(string path, CancellationToken cancellationToken)
    {
        var size = new FileInfo(path).Length;
        var head = new byte[MediaTypes.SniffLength];
        int read;
        await using (var file = File.OpenRead(path))
        {
            read = await file.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        }

        var (mime, kind) = MediaTypes.Sniff(head.AsSpan(0, read))
            ?? throw new MediaRejectedException(MediaRejectedException.Unsupported,
                "The file is not a kind of media Nexus accepts (JPEG, PNG, GIF, WebP images; MP4, MOV, WebM videos; M4A, MP3, AAC, WAV, OGG audio).");
        var limit = kind switch
        {
            MediaKind.Video => _options.MaxVideoBytes,
            MediaKind.Audio => _options.MaxAudioBytes,
            _ => _options.MaxImageBytes,
        };
        if (size > limit)
        {
            throw new MediaRejectedException(MediaRejectedException.TooLarge,
                $"The {KindName(kind)} is {Megabytes(size)}; the largest accepted is {Megabytes(limit)}.");
        }

        return kind is MediaKind.Image or MediaKind.Gif
            ? ProbeImage(path, mime, kind, size)
            : await ProbeAudioVisualAsync(path, mime, kind, size, cancellationToken);
    }

    private MediaFacts ProbeImage(string path, string mime, MediaKind kind, long size)
    {
        using var codec = SKCodec.Create(path)
            ?? throw new MediaRejectedException(MediaRejectedException.Unsupported, "The image could not be read: it is damaged or not what its first bytes say.");
        var (width, height) = (codec.Info.Width, codec.Info.Height);
        CheckPixels(width, height, "image");
        var orientation = (int)codec.EncodedOrigin;
        var frames = Math.Max(1, codec.FrameCount);
        var duration = frames > 1 ? codec.FrameInfo.Sum(f => (double)f.Duration) / 1000 : (double?)null;
        // Orientations 5–8 turn the picture a quarter: it is shown with its sides swapped.
        var turned = orientation is >= 5 and <= 8;
        return new MediaFacts(kind, mime, size, turned ? height : width, turned ? width : height, DurationSeconds: duration, Orientation: orientation is >= 1 and <= 8 ? orientation : 1,
            Frames: frames);
    }

    private async Task<MediaFacts> ProbeAudioVisualAsync(string path, string mime, MediaKind kind, long size, CancellationToken cancellationToken)
    {
        IMediaAnalysis analysis;
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            deadline.CancelAfter(_options.ProbeTimeout);
            try
            {
                analysis = await FFProbe.AnalyseAsync(path, cancellationToken: deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new MediaRejectedException(MediaRejectedException.Unsupported, $"The {KindName(kind)} could not be read within {_options.ProbeTimeout.TotalSeconds:0} s.");
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                throw new MediaRejectedException(MediaRejectedException.Unsupported, $"The {KindName(kind)} could not be read: it is damaged or not what its first bytes say.", exception);
            }
        }

        if (!Containers.Contains(analysis.Format.FormatName))
        {
            throw new MediaRejectedException(MediaRejectedException.Unsupported, $"The container '{analysis.Format.FormatName}' is not accepted (MP4, MOV, WebM, M4A, MP3, AAC, WAV, OGG are).");
        }

        var video = analysis.PrimaryVideoStream;
        var audio = analysis.PrimaryAudioStream;
        // An MP4 with no picture is audio, whatever its brand says; one with a picture is a video.
        kind = video is null ? MediaKind.Audio : MediaKind.Video;
        if (kind == MediaKind.Audio && audio is null)
        {
            throw new MediaRejectedException(MediaRejectedException.Unsupported, "The file has neither a video nor an audio track.");
        }

        if (video is not null && !VideoCodecs.Contains(video.CodecName ?? ""))
        {
            throw new MediaRejectedException(MediaRejectedException.Unsupported, $"The video codec '{video.CodecName}' is not accepted (H.264, HEVC, VP8, VP9, AV1, MPEG-4 are).");
        }

        if (audio is not null && !AudioCodecs.Contains(audio.CodecName ?? ""))
        {
            throw new MediaRejectedException(MediaRejectedException.Unsupported, $"The audio codec '{audio.CodecName}' is not accepted (AAC, MP3, Opus, Vorbis, FLAC, ALAC, PCM are).");
        }

        var duration = analysis.Duration;
        if (duration > _options.MaxDuration)
        {
            throw new MediaRejectedException(MediaRejectedException.TooLarge,
                $"The {KindName(kind)} lasts {duration:hh\\:mm\\:ss}; the longest accepted is {_options.MaxDuration:hh\\:mm\\:ss}.");
        }

        int? width = null, height = null;
        var orientation = 1;
        if (video is not null)
        {
            CheckPixels(video.Width ?? 0, video.Height ?? 0, "video frame");
            var rotation = ((video.Rotation % 360) + 360) % 360;
            orientation = rotation switch { 90 => 6, 180 => 3, 270 => 8, _ => 1 };
            (width, height) = rotation is 90 or 270 ? (video.Height, video.Width) : (video.Width, video.Height);
        }

        if (kind == MediaKind.Audio && mime.StartsWith("video/", StringComparison.Ordinal))
        {
            mime = "audio/mp4";
        }

        return new MediaFacts(kind, mime, size, width, height, duration.TotalSeconds, video is null ? null : Math.Round(video.AverageFrameRate, 3), video?.CodecName, audio?.CodecName,
            analysis.Format.BitRate is > 0 ? analysis.Format.BitRate : null, orientation, analysis.Format.FormatName, video?.PixelFormat, audio?.SampleRateHz);
    }

    private void CheckPixels(int width, int height, string what)
    {
        if (width <= 0 || height <= 0)
        {
            throw new MediaRejectedException(MediaRejectedException.Unsupported, $"The {what} has no size.");
        }

        if ((long)width * height > _options.MaxPixels)
        {
            throw new MediaRejectedException(MediaRejectedException.TooLarge,
                $"The {what} is {width}×{height} ({(long)width * height / 1_000_000.0:0.#} megapixels); the most accepted is {_options.MaxPixels / 1_000_000.0:0.#} megapixels.");
        }
    }

    private static string KindName(MediaKind kind) => kind.ToString().ToLowerInvariant();

    private static string Megabytes(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0 / 1024.0:0.#} MB");
}
