using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Media;
using Nexus.Api.Features.Media.Probing;
using Nexus.Api.Features.Media.Processing;
using Nexus.Api.Features.Media.Processing.Video;
using Nexus.Api.Platforms;
using Nexus.Api.Tests.Infrastructure.Email;

namespace Nexus.Api.Tests.Features.Media.Processing;

/// <summary>
/// The ffmpeg runner called directly on files the tests make: every output's facts are probed as the library would
/// probe them, and the safety limits (refused inputs, timeout, memory) are run for real.
/// </summary>
public sealed class FfmpegOperationsTests
{
    private static readonly MediaProbe Probe = new(Options.Create(new MediaOptions()));

    [Fact]
    public async Task a_15_fps_landscape_clip_transcoded_for_reels_fits_the_preset_with_the_moov_atom_first()
    {
        using var source = await TestMedia.VideoAsync(3.5, 1280, 720, frameRate: 15, extraArgs: "-metadata title=secret");
        var progress = new Recorded();

        using var output = await Runner().RunAsync(new TranscodeVideo("instagram_reel"), await InputsAsync(source), progress, CancellationToken.None);
        var facts = await Probe.ProbeAsync(output.File.Path, CancellationToken.None);

        // Fitted inside 1080×1920, never enlarged, even sides; raised to the preset's 23 fps minimum.
        Assert.Equal((MediaKind.Video, "video/mp4", 1080, 606, 23.0, "h264", "aac", "yuv420p", 48_000),
            (facts.Kind, facts.Mime, facts.Width, facts.Height, facts.FrameRate, facts.VideoCodec, facts.AudioCodec, facts.PixelFormat, facts.AudioSampleRate));
        Assert.InRange(facts.DurationSeconds!.Value, 3.4, 3.7);
        Assert.True(MoovBeforeMdat(output.File.Path), "the moov atom precedes mdat (faststart)");
        var streams = await FfprobeAsync(output.File.Path);
        Assert.Equal("High", streams.Video.GetProperty("profile").GetString());
        Assert.Equal("LC", streams.Audio!.Value.GetProperty("profile").GetString());
        Assert.DoesNotContain("secret", streams.Format.ToString(), StringComparison.Ordinal);
        Assert.Equal("video-instagram_reel.mp4", output.Name);
        progress.AssertMonotonicTo100(between: true);
    }

    [Fact]
    public async Task a_60_fps_clip_without_sound_is_capped_at_30_fps_kept_at_its_size_and_stays_silent()
    {
        using var source = await TestMedia.VideoAsync(1, 640, 360, frameRate: 60, audio: false);

        using var output = await Runner().RunAsync(new TranscodeVideo("x_video"), await InputsAsync(source), new Recorded(), CancellationToken.None);
        var facts = await Probe.ProbeAsync(output.File.Path, CancellationToken.None);

        Assert.Equal((640, 360, 30.0, "h264", (string?)null), (facts.Width, facts.Height, facts.FrameRate, facts.VideoCodec, facts.AudioCodec));
    }

    [Fact]
    public async Task a_rotated_phone_video_is_turned_upright_and_carries_no_rotation()
    {
        using var source = await TestMedia.VideoAsync(1, 320, 240, audio: false);
        TurnQuarter(source.Path);
        var inputs = await InputsAsync(source);
        Assert.Equal((240, 320), (inputs.Source.Asset.Facts.Width, inputs.Source.Asset.Facts.Height));
        Assert.NotEqual(1, inputs.Source.Asset.Facts.Orientation);

        using var output = await Runner().RunAsync(new TranscodeVideo("h264_1080p"), inputs, new Recorded(), CancellationToken.None);
        var facts = await Probe.ProbeAsync(output.File.Path, CancellationToken.None);

        Assert.Equal((240, 320, 1), (facts.Width, facts.Height, facts.Orientation));
    }

    [Fact]
    public async Task a_video_shorter_than_the_preset_allows_and_an_unknown_preset_are_refused()
    {
        using var source = await TestMedia.VideoAsync(1, 320, 240);
        var inputs = await InputsAsync(source);

        var tooShort = await Assert.ThrowsAsync<MediaRejectedException>(() => Runner().RunAsync(new TranscodeVideo("instagram_reel"), inputs, new Recorded(), CancellationToken.None));
        var unknown = await Assert.ThrowsAsync<MediaRejectedException>(() => Runner().RunAsync(new TranscodeVideo("vhs"), inputs, new Recorded(), CancellationToken.None));

        Assert.Contains("at least 3 s", tooShort.Message, StringComparison.Ordinal);
        Assert.Contains("instagram_reel", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task inputs_outside_what_probing_accepts_are_refused_before_ffmpeg_runs()
    {
        using var source = await TestMedia.VideoAsync(1, 320, 240);
        var inputs = await InputsAsync(source);
        var asImage = inputs with { Source = inputs.Source with { Asset = inputs.Source.Asset with { Facts = inputs.Source.Asset.Facts with { Kind = MediaKind.Image } } } };
        var asProRes = inputs with { Source = inputs.Source with { Asset = inputs.Source.Asset with { Facts = inputs.Source.Asset.Facts with { VideoCodec = "prores" } } } };
        var asHls = inputs with { Source = inputs.Source with { Asset = inputs.Source.Asset with { Facts = inputs.Source.Asset.Facts with { Container = "hls" } } } };

        foreach (var refused in (OperationInputs[])[asImage, asProRes, asHls])
        {
            var error = await Assert.ThrowsAsync<MediaRejectedException>(() => Runner().RunAsync(new TranscodeVideo("x_video"), refused, new Recorded(), CancellationToken.None));
            Assert.Equal(MediaRejectedException.Unsupported, error.Code);
        }

        var audioOnly = await Assert.ThrowsAsync<MediaRejectedException>(() => Runner().RunAsync(new ExtractFrame(0.5), asImage, new Recorded(), CancellationToken.None));
        Assert.Contains("takes a video", audioOnly.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_video_trimmed_is_cut_where_asked_and_re_encoded()
    {
        using var source = await TestMedia.VideoAsync(4, 320, 240, frameRate: 25);
        var progress = new Recorded();

        using var output = await Runner().RunAsync(new TrimMedia(1, 2.5), await InputsAsync(source), progress, CancellationToken.None);
        var facts = await Probe.ProbeAsync(output.File.Path, CancellationToken.None);

        Assert.Equal((MediaKind.Video, 320, 240, "h264", "aac"), (facts.Kind, facts.Width, facts.Height, facts.VideoCodec, facts.AudioCodec));
        Assert.InRange(facts.DurationSeconds!.Value, 1.45, 1.6);
        Assert.True(MoovBeforeMdat(output.File.Path));
        progress.AssertMonotonicTo100();
    }

    [Fact]
    public async Task audio_trimmed_stays_audio_and_a_trim_past_the_end_is_refused()
    {
        using var source = await TestMedia.AudioAsync(3, ".mp3");
        var inputs = await InputsAsync(source);

        using var output = await Runner().RunAsync(new TrimMedia(0.5, 1.5), inputs, new Recorded(), CancellationToken.None);
        var facts = await Probe.ProbeAsync(output.File.Path, CancellationToken.None);
        var pastTheEnd = await Assert.ThrowsAsync<MediaRejectedException>(() => Runner().RunAsync(new TrimMedia(1, 9), inputs, new Recorded(), CancellationToken.None));

        Assert.Equal((MediaKind.Audio, "audio/mp4", "aac"), (facts.Kind, facts.Mime, facts.AudioCodec));
        Assert.InRange(facts.DurationSeconds!.Value, 0.95, 1.1);
        Assert.Contains("must end by then", pastTheEnd.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task clips_of_different_sizes_rates_and_with_or_without_sound_merge_into_the_first_clips_frame()
    {
        using var first = await TestMedia.VideoAsync(1, 640, 360, frameRate: 30);
        using var silent = await TestMedia.VideoAsync(1, 320, 240, frameRate: 25, audio: false);
        using var portrait = await TestMedia.VideoAsync(1, 240, 320, frameRate: 24, container: "webm", codec: "libvpx-vp9", extraArgs: "-deadline realtime -cpu-used 8");
        var inputs = await InputsAsync(first, silent, portrait);
        var progress = new Recorded();

        using var output = await Runner().RunAsync(new MergeVideos([.. inputs.Others.Keys]), inputs, progress, CancellationToken.None);
        var facts = await Probe.ProbeAsync(output.File.Path, CancellationToken.None);

        Assert.Equal((640, 360, 30.0, "h264", "aac"), (facts.Width, facts.Height, facts.FrameRate, facts.VideoCodec, facts.AudioCodec));
        Assert.InRange(facts.DurationSeconds!.Value, 2.9, 3.2);
        progress.AssertMonotonicTo100();
    }

    [Theory]
    [InlineData(ImageFormat.Jpeg, "image/jpeg")]
    [InlineData(ImageFormat.Png, "image/png")]
    [InlineData(ImageFormat.Webp, "image/webp")]
    public async Task a_frame_is_an_image_the_size_of_the_video(ImageFormat format, string mime)
    {
        using var source = await TestMedia.VideoAsync(2, 320, 240);
        var inputs = await InputsAsync(source);

        using var output = await Runner().RunAsync(new ExtractFrame(2, format), inputs, new Recorded(), CancellationToken.None);
        var facts = await Probe.ProbeAsync(output.File.Path, CancellationToken.None);
        var late = await Assert.ThrowsAsync<MediaRejectedException>(() => Runner().RunAsync(new ExtractFrame(3, format), inputs, new Recorded(), CancellationToken.None));

        Assert.Equal((MediaKind.Image, mime, 320, 240), (facts.Kind, facts.Mime, facts.Width, facts.Height));
        Assert.Contains("between 0 and then", late.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_quiet_videos_loudness_is_brought_to_the_target_and_its_picture_copied()
    {
        using var source = await TestMedia.FfmpegAsync(
            "-f lavfi -i testsrc2=size=320x240:rate=25:duration=3 -f lavfi -i sine=frequency=440:duration=3 -af volume=0.03 -c:v libx264 -pix_fmt yuv420p -c:a aac -shortest", ".mp4");
        var progress = new Recorded();
        var before = await LoudnessAsync(source.Path);

        using var output = await Runner().RunAsync(new NormaliseAudio(-16), await InputsAsync(source), progress, CancellationToken.None);
        var facts = await Probe.ProbeAsync(output.File.Path, CancellationToken.None);

        Assert.Equal((MediaKind.Video, 320, 240, "h264", "aac"), (facts.Kind, facts.Width, facts.Height, facts.VideoCodec, facts.AudioCodec));
        Assert.True(before < -30, $"the source is quiet ({before} LUFS)");
        Assert.InRange(await LoudnessAsync(output.File.Path), -17.5, -14.5);
        progress.AssertMonotonicTo100();
    }

    [Fact]
    public async Task an_audio_items_loudness_is_normalised_into_audio()
    {
        using var source = await TestMedia.AudioAsync(2, ".wav", volume: "0.05");

        using var output = await Runner().RunAsync(new NormaliseAudio(), await InputsAsync(source), new Recorded(), CancellationToken.None);
        var facts = await Probe.ProbeAsync(output.File.Path, CancellationToken.None);

        Assert.Equal((MediaKind.Audio, "audio/mp4", "aac"), (facts.Kind, facts.Mime, facts.AudioCodec));
        Assert.InRange(await LoudnessAsync(output.File.Path), -15.5, -12.5);
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, true)]
    [InlineData(true, false)]
    public async Task a_videos_sound_replaced_or_mixed_lasts_as_long_as_the_video(bool mix, bool videoHasSound)
    {
        using var video = await TestMedia.VideoAsync(2, 320, 240, audio: videoHasSound);
        using var music = await TestMedia.AudioAsync(1, ".mp3", frequency: 880);
        var inputs = await InputsAsync(video, music);

        using var output = await Runner().RunAsync(new ReplaceAudio(inputs.Others.Keys.Single(), mix), inputs, new Recorded(), CancellationToken.None);
        var facts = await Probe.ProbeAsync(output.File.Path, CancellationToken.None);

        Assert.Equal((MediaKind.Video, 320, 240, "h264", "aac"), (facts.Kind, facts.Width, facts.Height, facts.VideoCodec, facts.AudioCodec));
        Assert.InRange(facts.DurationSeconds!.Value, 1.95, 2.1);
    }

    [Fact]
    public async Task a_run_past_the_process_timeout_is_killed_with_a_clear_error_and_leaves_no_output()
    {
        using var clip = await TestMedia.VideoAsync(3, 640, 360);
        var inputs = await InputsAsync(clip, clip, clip, clip);
        var logs = new CapturedLogs();
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<MediaRejectedException>(() =>
            Runner(o => o.ProcessTimeout = TimeSpan.FromMilliseconds(300), logs).RunAsync(new MergeVideos([.. inputs.Others.Keys]), inputs, new Recorded(), CancellationToken.None));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"stopped in {clock.Elapsed}");
        Assert.Equal(MediaRejectedException.TooLarge, error.Code);
        Assert.Contains("stopped after", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ffmpeg version", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(OutputOf(logs)));
    }

    [Fact]
    public async Task a_cancelled_run_is_killed_and_leaves_no_output()
    {
        using var clip = await TestMedia.VideoAsync(3, 640, 360);
        var inputs = await InputsAsync(clip, clip, clip, clip);
        var logs = new CapturedLogs();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Runner(configure: null, logs).RunAsync(new MergeVideos([.. inputs.Others.Keys]), inputs, new Recorded(), cancel.Token));

        Assert.False(File.Exists(OutputOf(logs)));
    }

    [Fact]
    public async Task an_absurdly_low_memory_limit_fails_the_run_cleanly_instead_of_hanging()
    {
        Assert.True(File.Exists("/usr/bin/prlimit") || File.Exists("/bin/prlimit"), "prlimit (util-linux) is installed");
        using var source = await TestMedia.VideoAsync(1, 320, 240);
        var inputs = await InputsAsync(source);
        var logs = new CapturedLogs();
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<MediaRejectedException>(() =>
            Runner(o => o.ProcessMemoryBytes = 16 * 1024 * 1024, logs).RunAsync(new TranscodeVideo("x_video"), inputs, new Recorded(), CancellationToken.None));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Contains("could not be processed", error.Message, StringComparison.Ordinal);
        Assert.Contains("--as=16777216", logs.Text, StringComparison.Ordinal);
        // ffmpeg's own words stay in the log, at Debug.
        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Debug && e.Message.Contains("ffmpeg's last messages", StringComparison.Ordinal));
        Assert.False(File.Exists(OutputOf(logs)));
    }

    [Fact]
    public void fitting_never_enlarges_keeps_sides_even_and_bounds_the_rate_and_bitrate()
    {
        Assert.Equal((1080, 606), VideoFit.Inside(1920, 1080, 1080, 1920));
        Assert.Equal((1280, 720), VideoFit.Inside(1920, 1080, 1280, 1024));
        Assert.Equal((640, 360), VideoFit.Inside(640, 360, 1920, 1080));
        Assert.Equal((320, 240), VideoFit.Inside(321, 241, 1920, 1080));
        Assert.Equal(30, VideoFit.FrameRate(60, 23, 30));
        Assert.Equal(23, VideoFit.FrameRate(15, 23, 30));
        Assert.Equal(29.97, VideoFit.FrameRate(29.97, 23, 30));
        Assert.Equal(60, VideoFit.KeyInterval(30));
        var reel = VideoPresets.Find("instagram_reel")!;
        Assert.Equal(8_000, VideoFit.VideoKbps(reel, 60));
        // 15 min in 300 MB: the ceiling drops so the file fits.
        var fifteenMinutes = VideoFit.VideoKbps(reel, 15 * 60);
        Assert.True((fifteenMinutes + reel.AudioKbps) * 1000.0 / 8 * 15 * 60 < reel.MaxBytes, $"{fifteenMinutes} kbit/s");
    }

    private static FfmpegOperations Runner(Action<MediaOptions>? configure = null, CapturedLogs? logs = null)
    {
        var options = new MediaOptions();
        configure?.Invoke(options);
        var loggers = new LoggerFactory(logs is null ? [] : [logs], new LoggerFilterOptions { MinLevel = LogLevel.Trace });
        return new FfmpegOperations(new FfmpegProcess(Options.Create(options), loggers.CreateLogger<FfmpegProcess>()));
    }

    /// <summary>The source is the first file; the others are named by new ids, in order.</summary>
    private static async Task<OperationInputs> InputsAsync(TestFile source, params TestFile[] others)
    {
        async Task<OperationInput> Input(TestFile file)
        {
            var facts = await Probe.ProbeAsync(file.Path, CancellationToken.None);
            var name = (facts.Kind == MediaKind.Audio ? "sound" : "video") + facts.Extension;
            var asset = new MediaAsset(Guid.NewGuid(), Guid.NewGuid(), name, facts, "key", MediaOrigin.Upload, null, null, [], Guid.NewGuid(), DateTimeOffset.UtcNow, false, 1);
            return new OperationInput(asset, file.Path);
        }

        var rest = new Dictionary<Guid, OperationInput>();
        foreach (var other in others)
        {
            var input = await Input(other);
            rest[input.Asset.Id] = input;
        }

        return new OperationInputs(await Input(source), rest);
    }

    /// <summary>The output file the (last) ffmpeg run was given, from its Debug log line.</summary>
    private static string OutputOf(CapturedLogs logs)
    {
        var line = logs.Entries.Last(e => e.Message.StartsWith("Running ", StringComparison.Ordinal)).Message;
        var output = line[(line.LastIndexOf(" file:", StringComparison.Ordinal) + " file:".Length)..];
        Assert.Contains("nexus-media-", output, StringComparison.Ordinal);
        return output;
    }

    /// <summary>
    /// Writes a quarter-turn display matrix into the (only) track header, as a phone held upright does: ffmpeg 5.1 no
    /// longer turns a <c>rotate</c> tag into one when it writes MP4.
    /// </summary>
    private static void TurnQuarter(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var tkhd = bytes.AsSpan().IndexOf("tkhd"u8);
        Assert.True(tkhd > 0 && bytes[tkhd + 4] == 0, "a version 0 track header");
        // The matrix follows the box type by 4 (version, flags) + 36 bytes of times, ids, layer and volume: a b u c d v x y w.
        var matrix = bytes.AsSpan(tkhd + 4 + 4 + 36, 36);
        int[] quarter = [0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000];
        for (var i = 0; i < quarter.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(matrix[(i * 4)..], quarter[i]);
        }

        File.WriteAllBytes(path, bytes);
    }

    /// <summary>Top-level ISO boxes in order: faststart puts moov before mdat, so a player can start before the end arrives.</summary>
    private static bool MoovBeforeMdat(string path)
    {
        using var file = File.OpenRead(path);
        var header = new byte[16];
        var boxes = new List<string>();
        while (file.Position + 8 <= file.Length)
        {
            var start = file.Position;
            file.ReadExactly(header, 0, 8);
            long size = BinaryPrimitives.ReadUInt32BigEndian(header);
            var type = System.Text.Encoding.ASCII.GetString(header, 4, 4);
            if (size == 1)
            {
                file.ReadExactly(header, 8, 8);
                size = (long)BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(8));
            }
            else if (size == 0)
            {
                size = file.Length - start;
            }

            boxes.Add(type);
            file.Position = start + size;
        }

        return boxes.IndexOf("moov") is >= 0 and var moov && boxes.IndexOf("mdat") is >= 0 and var mdat && moov < mdat;
    }

    private static async Task<(JsonElement Video, JsonElement? Audio, JsonElement Format)> FfprobeAsync(string path)
    {
        var start = new ProcessStartInfo("ffprobe", $"-v error -show_streams -show_format -of json \"{path}\"") { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var json = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var root = JsonDocument.Parse(json).RootElement;
        var streams = root.GetProperty("streams").EnumerateArray().ToList();
        var audio = streams.FirstOrDefault(s => s.GetProperty("codec_type").GetString() == "audio");
        return (streams.First(s => s.GetProperty("codec_type").GetString() == "video"), audio.ValueKind == JsonValueKind.Undefined ? null : audio, root.GetProperty("format"));
    }

    /// <summary>Integrated loudness (LUFS) as ffmpeg's ebur128 filter measures it.</summary>
    private static async Task<double> LoudnessAsync(string path)
    {
        var start = new ProcessStartInfo("ffmpeg", $"-hide_banner -nostats -i \"{path}\" -map 0:a:0 -af ebur128 -f null -") { RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var summary = errors[errors.LastIndexOf("Integrated loudness:", StringComparison.Ordinal)..];
        var i = summary.IndexOf("I:", StringComparison.Ordinal) + 2;
        var value = summary[i..summary.IndexOf("LUFS", i, StringComparison.Ordinal)].Trim();
        return double.Parse(value, CultureInfo.InvariantCulture);
    }

    /// <summary>Progress as reported, in order (reported synchronously, unlike <see cref="Progress{T}"/>).</summary>
    private sealed class Recorded : IProgress<double>
    {
        private readonly List<double> _values = [];

        public void Report(double value)
        {
            lock (_values)
            {
                _values.Add(value);
            }
        }

        /// <summary>Never back, ending at 100; <paramref name="between"/>: with a report between (a run long enough for ffmpeg's 0.25 s report period).</summary>
        public void AssertMonotonicTo100(bool between = false)
        {
            lock (_values)
            {
                Assert.NotEmpty(_values);
                Assert.Equal(100, _values[^1]);
                Assert.True(_values.Zip(_values.Skip(1)).All(p => p.Second >= p.First), string.Join(", ", _values));
                Assert.True(!between || _values.Any(v => v is > 0 and < 100), string.Join(", ", _values));
            }
        }
    }
}
