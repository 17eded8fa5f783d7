using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Media;
using Nexus.Api.Features.Media.Probing;
using Nexus.Api.Features.Media.Processing;
using Nexus.Api.Features.Media.Processing.Video;

namespace Nexus.Bench;

/// <summary>
/// Transcode speed (issue 15): a 30 s 1080p30 H.264/AAC clip (ffmpeg testsrc2 + sine) transcoded by the API's own
/// <see cref="FfmpegOperations"/> (same arguments, prlimit and thread bound as a job) to instagram_reel and x_video,
/// with x264's veryfast and medium presets. Speed is clip seconds per wall second (× real time), on all the machine's cores.
/// No API process: the runner is called in the bench process.
/// </summary>
public static class MediaTranscode
{
    private const double ClipSeconds = 30;

    public static async Task<JsonObject> RunAsync(BenchRun run)
    {
        var directory = Path.Combine(run.Api.WorkDirectory, "media");
        Directory.CreateDirectory(directory);
        var source = Path.Combine(directory, "source-1080p30.mp4");
        Console.Error.WriteLine("bench: transcode: making a 30 s 1080p30 clip (testsrc2 + sine, H.264/AAC)");
        var d = ClipSeconds.ToString(CultureInfo.InvariantCulture);
        await FfmpegAsync($"-f lavfi -i testsrc2=size=1920x1080:rate=30:duration={d} -f lavfi -i sine=frequency=440:duration={d} "
            + $"-c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac -b:a 128k -shortest \"{source}\"");

        var options = Options.Create(new MediaOptions());
        var facts = await new MediaProbe(options).ProbeAsync(source, CancellationToken.None);
        var asset = new MediaAsset(Guid.NewGuid(), Guid.NewGuid(), "source-1080p30.mp4", facts, "bench", MediaOrigin.Upload, null, null, [], Guid.Empty,
            DateTimeOffset.UtcNow, false, 1);
        var inputs = new OperationInputs(new OperationInput(asset, source), new Dictionary<Guid, OperationInput>());
        var process = new FfmpegProcess(options, NullLogger<FfmpegProcess>.Instance);

        var runs = new JsonArray();
        foreach (var x264 in (string[])["veryfast", "medium"])
        {
            var runner = new FfmpegOperations(process) { X264Preset = x264 };
            foreach (var preset in (string[])["instagram_reel", "x_video"])
            {
                Console.Error.WriteLine($"bench: transcode: {preset} with x264 {x264}");
                var clock = Stopwatch.StartNew();
                using var output = await runner.RunAsync(new TranscodeVideo(preset), inputs, new Progress<double>(), CancellationToken.None);
                var elapsed = clock.Elapsed.TotalSeconds;
                var made = await new MediaProbe(options).ProbeAsync(output.File.Path, CancellationToken.None);
                runs.Add(new JsonObject
                {
                    ["preset"] = preset,
                    ["x264_preset"] = x264,
                    ["wall_s"] = Math.Round(elapsed, 2),
                    ["speed_x_realtime"] = Math.Round(ClipSeconds / elapsed, 2),
                    ["output_mib"] = Math.Round(made.SizeBytes / 1024.0 / 1024.0, 2),
                    ["output_kbps"] = Math.Round(made.SizeBytes * 8 / 1000.0 / (made.DurationSeconds ?? ClipSeconds)),
                    ["output"] = $"{made.Width}x{made.Height} {made.FrameRate} fps {made.VideoCodec}/{made.AudioCodec}",
                });
            }
        }

        return new JsonObject
        {
            ["source"] = $"{facts.Width}x{facts.Height} {facts.FrameRate} fps {facts.VideoCodec}/{facts.AudioCodec}, {facts.DurationSeconds:0.##} s",
            ["processor_count"] = Environment.ProcessorCount,
            ["ffmpeg_threads"] = FfmpegProcess.Threads,
            ["runs"] = runs,
        };
    }

    private static async Task FfmpegAsync(string arguments)
    {
        var start = new ProcessStartInfo("ffmpeg", "-hide_banner -loglevel error -y " + arguments) { RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start) ?? throw new BenchException("ffmpeg could not be started");
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new BenchException($"ffmpeg failed: {errors}");
        }
    }
}
