using System.Globalization;
using System.Text.Json;
using Nexus.Api.Features.Media.Probing;
using Nexus.Api.Features.Media.Storage;
using Nexus.Api.Platforms;

namespace Nexus.Api.Features.Media.Processing.Video;

/// <summary>
/// The video and audio operations, each one or two ffmpeg runs (<see cref="FfmpegProcess"/>) on local copies of library
/// items. Every output is re-encoded or remuxed into MP4 (M4A for audio) with the moov atom first and no metadata, and
/// every input is checked again against what probing accepts before ffmpeg opens it.
/// </summary>
public sealed class FfmpegOperations(FfmpegProcess ffmpeg) : IMediaOperationRunner
{
    /// <summary>
    /// x264's speed/quality trade-off for transcodes. veryfast: in the bench (README, "Media transcoding") it ran 1.3–1.4×
    /// as fast as medium on a 1080p clip with no larger files at the same CRF, and a transcode is a step a person waits for.
    /// </summary>
    public string X264Preset { get; init; } = "veryfast";

    /// <summary>Video codecs MP4 carries as they are, so operations that only touch the sound copy the picture.</summary>
    private static readonly HashSet<string> CopyableIntoMp4 = new HashSet<string>(StringComparer.Ordinal) { "h264", "hevc", "av1", "vp9", "mpeg4" };

    /// <summary>ffmpeg's output time can stop a few milliseconds short of a cut's length, and a probe's duration is rounded.</summary>
    private const double Tolerance = 0.05;

    public bool CanRun(MediaOperation operation) =>
        operation is TranscodeVideo or TrimMedia or MergeVideos or ExtractFrame or NormaliseAudio or ReplaceAudio;

    public async Task<ProcessedFile> RunAsync(MediaOperation operation, OperationInputs inputs, IProgress<double> progress, CancellationToken cancellationToken)
    {
        var whole = new MonotonicProgress(progress);
        var (extension, name, run) = operation switch
        {
            TranscodeVideo transcode => (".mp4", $"{transcode.Preset}.mp4", (Func<string, Task>)(output => TranscodeAsync(transcode, inputs.Source, output, whole, cancellationToken))),
            TrimMedia trim => Trim(trim, inputs.Source, whole, cancellationToken),
            MergeVideos merge => (".mp4", "merged.mp4", output => MergeAsync(merge, inputs, output, whole, cancellationToken)),
            ExtractFrame frame => Frame(frame, inputs.Source, whole, cancellationToken),
            NormaliseAudio normalise => Normalise(normalise, inputs.Source, whole, cancellationToken),
            ReplaceAudio replace => (".mp4", replace.Mix ? "mixed.mp4" : "new-sound.mp4", output => ReplaceAudioAsync(replace, inputs, output, whole, cancellationToken)),
            _ => throw new ArgumentException($"{operation.GetType().Name} is not a video or audio operation.", nameof(operation)),
        };

        var file = TempFile.New(extension);
        try
        {
            await run(file.Path);
            if (!File.Exists(file.Path) || new FileInfo(file.Path).Length == 0)
            {
                throw new MediaRejectedException(MediaRejectedException.Unsupported, "ffmpeg made no output from this file.");
            }
        }
        catch
        {
            // A failed or stopped run leaves nothing behind, whatever ffmpeg had written.
            file.Dispose();
            throw;
        }

        whole.Report(100);
        return new ProcessedFile(file, $"{Path.GetFileNameWithoutExtension(inputs.Source.Asset.Name)}-{name}");
    }

    // Transcode: the platform preset's frame, rate, bitrate and length; H.264 High + AAC-LC; rotation applied by
    // ffmpeg's autorotate (so the output has none). A source without sound stays without: every preset's platform
    // takes a silent video, and an invented silent track would only add bytes.
    private async Task TranscodeAsync(TranscodeVideo operation, OperationInput source, string output, MonotonicProgress progress, CancellationToken cancellationToken)
    {
        var preset = VideoPresets.Find(operation.Preset)
            ?? throw new MediaRejectedException(MediaRejectedException.Unsupported,
                $"There is no video preset '{operation.Preset}' (there are {string.Join(", ", VideoPresets.All.Select(p => p.Name))}).");
        var facts = Accept(source, "The video", MediaKind.Video);
        var duration = facts.DurationSeconds ?? 0;
        if (duration + Tolerance < preset.MinSeconds)
        {
            throw new MediaRejectedException(MediaRejectedException.Unsupported,
                string.Create(CultureInfo.InvariantCulture, $"The video lasts {duration:0.##} s; {preset.Name} needs at least {preset.MinSeconds:0.##} s."));
        }

        var seconds = Math.Min(duration, preset.MaxSeconds);
        var (width, height) = VideoFit.Inside(facts.Width!.Value, facts.Height!.Value, preset.MaxWidth, preset.MaxHeight);
        var rate = VideoFit.FrameRate(facts.FrameRate, preset.MinFrameRate, preset.MaxFrameRate);
        var filters = new List<string>();
        if (rate is { } r && r != facts.FrameRate)
        {
            filters.Add($"fps={VideoFit.Rate(r)}");
        }

        filters.Add($"scale={width}:{height}:flags=bicubic,setsar=1,format=yuv420p");
        var kbps = VideoFit.VideoKbps(preset, seconds);
        List<string> arguments =
        [
            .. FfmpegProcess.Input(source.Path),
            "-map", "0:v:0", "-map", "0:a:0?", "-t", FfmpegProcess.Seconds(seconds),
            "-vf", string.Join(',', filters),
            .. H264(X264Preset, crf: 21, VideoFit.KeyInterval(rate ?? 30)),
            "-maxrate", $"{kbps}k", "-bufsize", $"{kbps * 2}k",
            .. Aac(preset.AudioKbps, preset.AudioSampleRate),
            .. Mp4(output),
        ];
        await ffmpeg.RunAsync(arguments, seconds, progress, "error", cancellationToken);
    }

    // Trim: always re-encoded, so the cut is at the exact time asked for rather than at the key frame before it.
    private (string, string, Func<string, Task>) Trim(TrimMedia trim, OperationInput source, MonotonicProgress progress, CancellationToken cancellationToken)
    {
        var facts = Accept(source, "The item to trim", MediaKind.Video, MediaKind.Audio);
        var duration = facts.DurationSeconds ?? 0;
        if (trim.StartSeconds < 0 || trim.EndSeconds <= trim.StartSeconds)
        {
            throw new MediaRejectedException(MediaRejectedException.Unsupported, "A trim's start must be at least 0 and its end after its start.");
        }

        if (trim.StartSeconds >= duration || trim.EndSeconds > duration + Tolerance)
        {
            throw new MediaRejectedException(MediaRejectedException.Unsupported,
                string.Create(CultureInfo.InvariantCulture, $"The {(facts.Kind == MediaKind.Video ? "video" : "audio")} lasts {duration:0.###} s: a trim must end by then."));
        }

        var seconds = Math.Min(trim.EndSeconds, duration) - trim.StartSeconds;
        var video = facts.Kind == MediaKind.Video;
        string[] streams = video
            ? ["-map", "0:v:0", "-map", "0:a:0?", "-vf", "format=yuv420p", .. H264(X264Preset, crf: 18, VideoFit.KeyInterval(facts.FrameRate ?? 30))]
            : ["-map", "0:a:0"];
        var sampleRate = facts.AudioSampleRate is { } hz && hz <= 48_000 ? hz : 48_000;
        return (video ? ".mp4" : ".m4a", video ? "trim.mp4" : "trim.m4a", output => ffmpeg.RunAsync(
        [
            .. FfmpegProcess.Input(source.Path, trim.StartSeconds),
            "-t", FfmpegProcess.Seconds(seconds),
            .. streams,
            .. Aac(192, sampleRate),
            .. video ? Mp4(output) : M4a(output),
        ], seconds, progress, "error", cancellationToken));
    }

    // Merge: every clip fitted (letterboxed) into the first clip's frame, at most 1080p, at the first clip's rate, each with
    // a stereo 48 kHz track (silence for a clip without sound), then joined by the concat filter.
    private async Task MergeAsync(MergeVideos merge, OperationInputs inputs, string output, MonotonicProgress progress, CancellationToken cancellationToken)
    {
        if (merge.Then.Count == 0)
        {
            throw new MediaRejectedException(MediaRejectedException.Unsupported, "A merge needs at least one more clip.");
        }

        var clips = new List<(OperationInput Input, MediaFacts Facts)> { (inputs.Source, Accept(inputs.Source, "The first clip", MediaKind.Video)) };
        foreach (var id in merge.Then)
        {
            var input = Other(inputs, id);
            clips.Add((input, Accept(input, $"Clip {clips.Count + 1}", MediaKind.Video)));
        }

        var first = clips[0].Facts;
        var (boxWidth, boxHeight) = first.Width >= first.Height ? (1920, 1080) : (1080, 1920);
        var (width, height) = VideoFit.Inside(first.Width!.Value, first.Height!.Value, boxWidth, boxHeight);
        var rate = VideoFit.FrameRate(first.FrameRate, 1, 60) ?? 30;
        var graph = new List<string>();
        var joined = "";
        for (var i = 0; i < clips.Count; i++)
        {
            var (_, facts) = clips[i];
            var length = FfmpegProcess.Seconds(facts.DurationSeconds ?? 0);
            graph.Add($"[{i}:v:0]scale={width}:{height}:force_original_aspect_ratio=decrease:force_divisible_by=2,pad={width}:{height}:(ow-iw)/2:(oh-ih)/2,"
                + $"setsar=1,fps={VideoFit.Rate(rate)},format=yuv420p[v{i}]");
            graph.Add(facts.AudioCodec is null
                ? $"anullsrc=r=48000:cl=stereo,atrim=duration={length}[a{i}]"
                : $"[{i}:a:0]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,apad,atrim=duration={length}[a{i}]");
            joined += $"[v{i}][a{i}]";
        }

        graph.Add($"{joined}concat=n={clips.Count}:v=1:a=1[v][a]");
        List<string> arguments =
        [
            .. clips.SelectMany(c => FfmpegProcess.Input(c.Input.Path)),
            "-filter_complex", string.Join(';', graph),
            "-map", "[v]", "-map", "[a]",
            .. H264(X264Preset, crf: 20, VideoFit.KeyInterval(rate)),
            .. Aac(192, 48_000),
            .. Mp4(output),
        ];
        await ffmpeg.RunAsync(arguments, clips.Sum(c => c.Facts.DurationSeconds ?? 0), progress, "error", cancellationToken);
    }

    // A frame: seeked to (input seeking decodes from the key frame before, so the frame is exact), rotation applied,
    // no metadata. A time at the very end is moved just before it, where a frame still is.
    private (string, string, Func<string, Task>) Frame(ExtractFrame frame, OperationInput source, MonotonicProgress progress, CancellationToken cancellationToken)
    {
        var facts = Accept(source, "The video", MediaKind.Video);
        var duration = facts.DurationSeconds ?? 0;
        if (frame.AtSeconds < 0 || frame.AtSeconds > duration + Tolerance)
        {
            throw new MediaRejectedException(MediaRejectedException.Unsupported,
                string.Create(CultureInfo.InvariantCulture, $"The video lasts {duration:0.###} s: a frame must be taken between 0 and then."));
        }

        var at = Math.Max(0, Math.Min(frame.AtSeconds, duration - 2 / (facts.FrameRate is > 0 ? facts.FrameRate.Value : 30)));
        var (extension, codec) = frame.Format switch
        {
            ImageFormat.Png => (".png", (string[])["-c:v", "png", "-f", "image2"]),
            ImageFormat.Webp => (".webp", ["-c:v", "libwebp", "-quality", "88", "-f", "webp"]),
            _ => (".jpg", ["-c:v", "mjpeg", "-q:v", "2", "-f", "image2"]),
        };
        return (extension, $"frame{extension}", output => ffmpeg.RunAsync(
        [
            .. FfmpegProcess.Input(source.Path, at),
            "-map", "0:v:0", "-frames:v", "1", "-an", "-map_metadata", "-1", .. codec, FfmpegProcess.Output(output),
        ], 0, progress, "error", cancellationToken));
    }

    // Loudness: EBU R128 in two passes (measure, then a linear gain to the target, so the dynamics are kept).
    // A video's picture is copied untouched when MP4 can carry it.
    private (string, string, Func<string, Task>) Normalise(NormaliseAudio normalise, OperationInput source, MonotonicProgress progress, CancellationToken cancellationToken)
    {
        if (normalise.TargetLufs is < -70 or > -5 || double.IsNaN(normalise.TargetLufs))
        {
            throw new MediaRejectedException(MediaRejectedException.Unsupported, "The loudness target must be between -70 and -5 LUFS (platforms use about -14).");
        }

        var facts = Accept(source, "The item to normalise", MediaKind.Video, MediaKind.Audio);
        if (facts.AudioCodec is null)
        {
            throw new MediaRejectedException(MediaRejectedException.Unsupported, "The video has no sound to normalise.");
        }

        var video = facts.Kind == MediaKind.Video;
        var target = FfmpegProcess.Seconds(normalise.TargetLufs);
        return (video ? ".mp4" : ".m4a", video ? "normalised.mp4" : "normalised.m4a", output => NormaliseAsync(source.Path, facts, target, output, progress, cancellationToken));
    }

    private async Task NormaliseAsync(string source, MediaFacts facts, string target, string output, MonotonicProgress progress, CancellationToken cancellationToken)
    {
        var video = facts.Kind == MediaKind.Video;
        var duration = facts.DurationSeconds ?? 0;
        var measuring = await ffmpeg.RunAsync(
        [
            .. FfmpegProcess.Input(source), "-map", "0:a:0", "-af", $"loudnorm=I={target}:TP=-1.5:LRA=11:print_format=json", "-f", "null", "-",
        ], duration, progress.Span(0, 50), "info", cancellationToken);
        var measured = Loudness.Parse(measuring);
        if (measured is null)
        {
            throw new MediaRejectedException(MediaRejectedException.Unsupported, "The sound is silent: there is no loudness to normalise.");
        }

        await ffmpeg.RunAsync(
        [
            .. FfmpegProcess.Input(source),
            .. video ? ["-map", "0:v:0", .. VideoCopy(facts)] : (string[])["-vn"],
            "-map", "0:a:0",
            "-af", $"loudnorm=I={target}:TP=-1.5:LRA=11:measured_I={measured.I}:measured_TP={measured.TruePeak}:measured_LRA={measured.Range}"
                + $":measured_thresh={measured.Threshold}:offset={measured.Offset}:linear=true:print_format=none",
            .. Aac(192, 48_000),
            .. video ? Mp4(output) : M4a(output),
        ], duration, progress.Span(50, 100), "error", cancellationToken);
    }

    // Sound replaced (or mixed with the original): the new track is padded with silence or cut so the output lasts
    // exactly as long as the video; the picture is copied when MP4 can carry it.
    private async Task ReplaceAudioAsync(ReplaceAudio replace, OperationInputs inputs, string output, MonotonicProgress progress, CancellationToken cancellationToken)
    {
        var facts = Accept(inputs.Source, "The video", MediaKind.Video);
        var audioInput = Other(inputs, replace.AudioId);
        var audio = Accept(audioInput, "The new sound", MediaKind.Audio, MediaKind.Video);
        if (audio.AudioCodec is null)
        {
            throw new MediaRejectedException(MediaRejectedException.Unsupported, "The item given as the new sound has no sound.");
        }

        var duration = facts.DurationSeconds ?? 0;
        var graph = replace.Mix && facts.AudioCodec is not null
            ? "[0:a:0]aresample=48000,apad[original];[1:a:0]aresample=48000,apad[added];[original][added]amix=inputs=2:duration=longest:dropout_transition=0[a]"
            : "[1:a:0]aresample=48000,apad[a]";
        await ffmpeg.RunAsync(
        [
            .. FfmpegProcess.Input(inputs.Source.Path),
            .. FfmpegProcess.Input(audioInput.Path),
            "-filter_complex", graph,
            "-map", "0:v:0", .. VideoCopy(facts), "-map", "[a]",
            "-t", FfmpegProcess.Seconds(duration),
            .. Aac(192, 48_000),
            .. Mp4(output),
        ], duration, progress, "error", cancellationToken);
    }

    /// <summary>
    /// The facts the input was accepted with, checked again before ffmpeg sees the file: its kind, and a container and
    /// codecs probing accepts (an item's facts come from its own probe, but a job may outlive a change of those sets).
    /// </summary>
    private static MediaFacts Accept(OperationInput input, string what, params MediaKind[] kinds)
    {
        var facts = input.Asset.Facts;
        if (!kinds.Contains(facts.Kind))
        {
            throw new MediaRejectedException(MediaRejectedException.Unsupported,
                $"{what} is {Article(facts.Kind)}; this operation takes {string.Join(" or ", kinds.Select(Article))}.");
        }

        if (facts.Container is null || !MediaProbe.Containers.Contains(facts.Container)
            || (facts.VideoCodec is { } v && !MediaProbe.VideoCodecs.Contains(v))
            || (facts.AudioCodec is { } a && !MediaProbe.AudioCodecs.Contains(a))
            || (facts.Kind == MediaKind.Video && (facts.VideoCodec is null || facts.Width is not > 0 || facts.Height is not > 0)))
        {
            throw new MediaRejectedException(MediaRejectedException.Unsupported, $"{what} is in a container or codec Nexus does not process.");
        }

        return facts;
    }

    private static OperationInput Other(OperationInputs inputs, Guid id) =>
        inputs.Others.TryGetValue(id, out var input) ? input
            : throw new MediaRejectedException(MediaRejectedException.Unsupported, $"The media item {id} the operation names is not among its inputs.");

    private static string Article(MediaKind kind) => kind switch
    {
        MediaKind.Image => "an image",
        MediaKind.Audio => "an audio item",
        _ => $"a {kind.ToString().ToLowerInvariant()}",
    };

    private static string[] H264(string preset, int crf, int keyInterval) =>
    [
        "-c:v", "libx264", "-preset", preset, "-profile:v", "high", "-pix_fmt", "yuv420p", "-crf", crf.ToString(CultureInfo.InvariantCulture),
        "-g", keyInterval.ToString(CultureInfo.InvariantCulture), "-flags", "+cgop", "-threads", FfmpegProcess.Threads.ToString(CultureInfo.InvariantCulture),
    ];

    private static string[] VideoCopy(MediaFacts facts) => facts.VideoCodec switch
    {
        // Apple's players want HEVC in MP4 tagged hvc1, not ffmpeg's default hev1.
        "hevc" => ["-c:v", "copy", "-tag:v", "hvc1"],
        { } codec when CopyableIntoMp4.Contains(codec) => ["-c:v", "copy"],
        _ => H264("veryfast", crf: 18, VideoFit.KeyInterval(facts.FrameRate ?? 30)),
    };

    private static string[] Aac(int kbps, int sampleRate) =>
        ["-c:a", "aac", "-b:a", $"{kbps}k", "-ar", sampleRate.ToString(CultureInfo.InvariantCulture), "-ac", "2"];

    private static string[] Mp4(string output) =>
        ["-map_metadata", "-1", "-map_chapters", "-1", "-movflags", "+faststart", "-f", "mp4", FfmpegProcess.Output(output)];

    // The ipod muxer is MP4 with the M4A brand, so the file is told to be audio from its first bytes.
    private static string[] M4a(string output) =>
        ["-vn", "-map_metadata", "-1", "-map_chapters", "-1", "-movflags", "+faststart", "-f", "ipod", FfmpegProcess.Output(output)];

    /// <summary>loudnorm's first-pass measurements, as it prints them (strings, passed back to its second pass as they are).</summary>
    private sealed record Loudness(string I, string TruePeak, string Range, string Threshold, string Offset)
    {
        public static Loudness? Parse(string stderr)
        {
            var start = stderr.LastIndexOf('{');
            var end = stderr.LastIndexOf('}');
            if (start < 0 || end < start)
            {
                throw new InvalidOperationException("loudnorm printed no measurements.");
            }

            using var json = JsonDocument.Parse(stderr[start..(end + 1)]);
            string Get(string name) => json.RootElement.GetProperty(name).GetString() ?? "";
            var loudness = new Loudness(Get("input_i"), Get("input_tp"), Get("input_lra"), Get("input_thresh"), Get("target_offset"));
            return double.TryParse(loudness.I, NumberStyles.Float, CultureInfo.InvariantCulture, out var i) && double.IsFinite(i)
                && double.TryParse(loudness.TruePeak, NumberStyles.Float, CultureInfo.InvariantCulture, out var tp) && double.IsFinite(tp)
                ? loudness
                : null;
        }
    }
}
