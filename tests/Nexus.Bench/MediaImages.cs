using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Media;
using Nexus.Api.Features.Media.Processing;
using Nexus.Api.Features.Media.Processing.Images;
using SkiaSharp;

namespace Nexus.Bench;

/// <summary>
/// Image resize speed (issue 15): a 4000×3000 (12 MP) JPEG, drawn once with shapes, gradients and pixel noise so the
/// codec works as on a photo, cropped to 4:5 around a focal point and scaled to 1080×1350 JPEG by the API's own
/// <see cref="ImageOperations"/> — the runner a media job calls, the operation <c>fitMediaToTargets</c> asks for
/// Instagram (quality 88) — one image at a time, then on every core at once. No API process.
/// </summary>
public static class MediaImages
{
    private const int SourceWidth = 4000;
    private const int SourceHeight = 3000;
    private const int SourceQuality = 90;
    private static readonly TimeSpan PhaseLength = TimeSpan.FromSeconds(20);

    public static async Task<JsonObject> RunAsync(BenchRun run)
    {
        var directory = Path.Combine(run.Api.WorkDirectory, "media");
        Directory.CreateDirectory(directory);
        var source = Path.Combine(directory, "source-4000x3000.jpg");
        Console.Error.WriteLine("bench: images: drawing a 4000×3000 JPEG (quality 90)");
        await File.WriteAllBytesAsync(source, Draw());

        var options = Options.Create(new MediaOptions());
        var facts = await new Nexus.Api.Features.Media.Probing.MediaProbe(options).ProbeAsync(source, CancellationToken.None);
        var asset = new MediaAsset(Guid.NewGuid(), Guid.NewGuid(), "source-4000x3000.jpg", facts, "bench", MediaOrigin.Upload, null, null, [], Guid.Empty,
            DateTimeOffset.UtcNow, false, 1);
        var inputs = new OperationInputs(new OperationInput(asset, source), new Dictionary<Guid, OperationInput>());
        var runner = new ImageOperations(options);
        // What MediaFitting asks for an Instagram feed photo, with the subject off centre.
        var resize = new ResizeImage(new AspectRatio(4, 5), 1080, FocalX: 0.62, FocalY: 0.45, Format: ImageFormat.Jpeg);

        // The first call loads Skia's codecs and JITs the path; it is not measured.
        string made;
        using (var first = await runner.RunAsync(resize, inputs, new Progress<double>(), CancellationToken.None))
        {
            using var codec = SKCodec.Create(first.File.Path);
            made = string.Create(CultureInfo.InvariantCulture, $"{codec.Info.Width}x{codec.Info.Height} {codec.EncodedFormat}, {new FileInfo(first.File.Path).Length / 1024.0:0} KiB");
        }

        var workers = Environment.ProcessorCount;
        Console.Error.WriteLine($"bench: images: one worker, {PhaseLength.TotalSeconds} s");
        var single = await MeasureAsync(1, runner, resize, inputs);
        Console.Error.WriteLine($"bench: images: {workers} workers, {PhaseLength.TotalSeconds} s");
        var parallel = await MeasureAsync(workers, runner, resize, inputs);

        return new JsonObject
        {
            ["source"] = string.Create(CultureInfo.InvariantCulture, $"{facts.Width}x{facts.Height} JPEG q{SourceQuality}, {facts.SizeBytes / 1024.0 / 1024.0:0.00} MiB"),
            ["operation"] = resize.Describe() + string.Create(CultureInfo.InvariantCulture, $", quality {resize.Quality}, focal ({resize.FocalX}, {resize.FocalY})"),
            ["output"] = made,
            ["processor_count"] = Environment.ProcessorCount,
            ["single"] = single,
            ["parallel"] = parallel,
            ["peak_working_set_mib_process"] = Math.Round(Machine.Status(Environment.ProcessId).GetValueOrDefault("VmHWM") / 1024.0, 1),
        };
    }

    /// <summary>
    /// <paramref name="workers"/> threads resizing back to back for <see cref="PhaseLength"/>. CPU per image is the
    /// bench process's own CPU time; the machine's other load is what /proc/stat counts beyond it.
    /// </summary>
    private static async Task<JsonObject> MeasureAsync(int workers, ImageOperations runner, ResizeImage resize, OperationInputs inputs)
    {
        GC.Collect();
        var self = Environment.ProcessId;
        var load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        var machine = Machine.MachineTimes();
        var cpu = Machine.Times(self);
        var peak = 0L;
        var images = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, Machine.Status(self).GetValueOrDefault("VmRSS"));
                try
                {
                    await Task.Delay(20, sampling.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        });

        var clock = Stopwatch.StartNew();
        var threads = Enumerable.Range(0, workers).Select(_ => Task.Factory.StartNew(() =>
        {
            while (clock.Elapsed < PhaseLength)
            {
                // The job's call: decode, crop, scale, encode to a temporary file, which the job then stores.
                using var output = runner.RunAsync(resize, inputs, new Progress<double>(), CancellationToken.None).GetAwaiter().GetResult();
                Interlocked.Increment(ref images);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToList();
        await Task.WhenAll(threads);
        var wall = clock.Elapsed.TotalSeconds;
        var cpuAfter = Machine.Times(self);
        var machineAfter = Machine.MachineTimes();
        await sampling.CancelAsync();
        await sampler;

        var ownTicks = (cpuAfter?.Ticks ?? 0) - (cpu?.Ticks ?? 0);
        var ms = 1000.0 / Machine.ClockTicksPerSecond;
        var result = new JsonObject
        {
            ["workers"] = workers,
            ["images"] = images,
            ["wall_s"] = Math.Round(wall, 2),
            ["images_per_s"] = Math.Round(images / wall, 2),
            ["cpu_ms_per_image"] = Math.Round(ownTicks * ms / images, 1),
            ["peak_working_set_mib"] = Math.Round(peak / 1024.0, 1),
            ["load_average_1m_before"] = double.Parse(load, CultureInfo.InvariantCulture),
            ["load_average_1m_after"] = double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture),
        };
        if (machine is not null && machineAfter is not null && machineAfter.TotalTicks > machine.TotalTicks)
        {
            var total = (double)(machineAfter.TotalTicks - machine.TotalTicks);
            result["machine_busy_percent"] = Math.Round(100 * (machineAfter.BusyTicks - machine.BusyTicks) / total, 1);
            result["others_percent_of_machine"] = Math.Round(100 * Math.Max(0, machineAfter.BusyTicks - machine.BusyTicks - ownTicks) / total, 1);
        }

        return result;
    }

    /// <summary>A 12 MP picture with edges, gradients, text and sensor-like noise: a flat test card would encode and decode far faster than a photo.</summary>
    private static byte[] Draw()
    {
        var random = new Random(15);
        using var bitmap = new SKBitmap(new SKImageInfo(SourceWidth, SourceHeight, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(bitmap))
        {
            using var sky = new SKPaint();
            sky.Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(SourceWidth, SourceHeight),
                [new SKColor(40, 90, 160), new SKColor(230, 180, 120), new SKColor(30, 110, 60)], SKShaderTileMode.Clamp);
            canvas.DrawRect(0, 0, SourceWidth, SourceHeight, sky);
            using var paint = new SKPaint { IsAntialias = true };
            for (var i = 0; i < 3000; i++)
            {
                paint.Color = new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(60, 220));
                var (x, y, r) = (random.Next(SourceWidth), random.Next(SourceHeight), random.Next(4, 120));
                if (i % 3 == 0)
                {
                    canvas.DrawCircle(x, y, r, paint);
                }
                else
                {
                    paint.StrokeWidth = random.Next(1, 8);
                    canvas.DrawLine(x, y, x + random.Next(-400, 400), y + random.Next(-400, 400), paint);
                }
            }

            using var font = new SKFont(SKTypeface.Default, 140);
            paint.Color = SKColors.White;
            canvas.DrawText("Nexus 12 MP bench", 300, 2600, font, paint);
        }

        // Noise of ±12 on every channel, as a sensor adds: it is most of what makes a photo's JPEG large and slow.
        var pixels = new byte[SourceWidth * SourceHeight * 4];
        Marshal.Copy(bitmap.GetPixels(), pixels, 0, pixels.Length);
        var state = 0x9E3779B9u;
        for (var i = 0; i < pixels.Length; i++)
        {
            if ((i & 3) == 3)
            {
                continue;
            }

            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            pixels[i] = (byte)Math.Clamp(pixels[i] + (int)(state % 25) - 12, 0, 255);
        }

        Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);

        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Jpeg, SourceQuality);
        return data.ToArray();
    }
}
