using System.Diagnostics;
using System.Globalization;
using SkiaSharp;

namespace Nexus.Api.Tests.Features.Media;

/// <summary>
/// Small media files the tests make themselves: pictures drawn with SkiaSharp, videos and sounds from ffmpeg's test
/// sources (<c>testsrc2</c>, <c>sine</c>). Each file is written to a temporary path the caller disposes.
/// </summary>
public static class TestMedia
{
    /// <summary>A picture: a gradient with a grid, so crops and scales are visible. <paramref name="orientation"/> writes an EXIF Orientation tag (JPEG only).</summary>
    public static byte[] Image(int width, int height, SKEncodedImageFormat format = SKEncodedImageFormat.Jpeg, int orientation = 1)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            using var paint = new SKPaint();
            paint.Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(width, height), [SKColors.OrangeRed, SKColors.SteelBlue], SKShaderTileMode.Clamp);
            canvas.DrawRect(0, 0, width, height, paint);
            using var line = new SKPaint { Color = SKColors.White, StrokeWidth = Math.Max(1, width / 200f) };
            for (var x = 0; x < width; x += Math.Max(1, width / 8))
            {
                canvas.DrawLine(x, 0, x, height, line);
            }
        }

        using var data = bitmap.Encode(format, 90);
        var bytes = data.ToArray();
        return orientation == 1 || format != SKEncodedImageFormat.Jpeg ? bytes : WithExifOrientation(bytes, orientation);
    }

    /// <summary>A video from ffmpeg's test pattern with a 440 Hz tone (unless <paramref name="audio"/> is false).</summary>
    public static Task<TestFile> VideoAsync(double seconds, int width, int height, int frameRate = 30, string codec = "libx264", string container = "mp4", bool audio = true,
        string? extraArgs = null)
    {
        var d = seconds.ToString(CultureInfo.InvariantCulture);
        var input = $"-f lavfi -i testsrc2=size={width}x{height}:rate={frameRate}:duration={d}" + (audio ? $" -f lavfi -i sine=frequency=440:duration={d}" : "");
        var audioCodec = audio ? container == "webm" ? " -c:a libopus" : " -c:a aac" : " -an";
        return FfmpegAsync($"{input} -c:v {codec} -pix_fmt yuv420p{audioCodec} {extraArgs} -shortest", "." + container);
    }

    /// <summary>A tone of <paramref name="frequency"/> Hz (volume: ffmpeg's volume filter, e.g. "0.05" for a quiet one).</summary>
    public static Task<TestFile> AudioAsync(double seconds, string extension = ".m4a", int frequency = 440, string volume = "1")
    {
        var d = seconds.ToString(CultureInfo.InvariantCulture);
        var codec = extension switch { ".mp3" => "libmp3lame", ".wav" => "pcm_s16le", ".ogg" => "libvorbis", _ => "aac" };
        return FfmpegAsync($"-f lavfi -i sine=frequency={frequency}:duration={d} -af volume={volume} -c:a {codec}", extension);
    }

    /// <summary>Runs ffmpeg with <paramref name="args"/> writing a new temporary file with <paramref name="extension"/>.</summary>
    public static async Task<TestFile> FfmpegAsync(string args, string extension)
    {
        var file = new TestFile(Path.Combine(Path.GetTempPath(), $"nexus-test-{Guid.NewGuid():N}{extension}"));
        var start = new ProcessStartInfo("ffmpeg", $"-hide_banner -loglevel error -y {args} \"{file.Path}\"") { RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ffmpeg {args} failed: {errors}");
        }

        return file;
    }

    /// <summary>
    /// Inserts an APP1 Exif segment holding only an Orientation tag right after the JPEG's SOI marker: SkiaSharp writes
    /// no EXIF, and cameras' rotated pictures are exactly this.
    /// </summary>
    private static byte[] WithExifOrientation(byte[] jpeg, int orientation)
    {
        byte[] tiff =
        [
            (byte)'M', (byte)'M', 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08, // big-endian TIFF header, IFD0 at 8
            0x00, 0x01, // one entry
            0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, (byte)orientation, 0x00, 0x00, // Orientation, SHORT, 1, value
            0x00, 0x00, 0x00, 0x00, // no next IFD
        ];
        byte[] exif = [(byte)'E', (byte)'x', (byte)'i', (byte)'f', 0, 0, .. tiff];
        var length = exif.Length + 2;
        return [jpeg[0], jpeg[1], 0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. exif, .. jpeg[2..]];
    }
}

/// <summary>A test's temporary file, deleted on dispose.</summary>
public sealed class TestFile(string path) : IDisposable
{
    public string Path { get; } = path;

    public byte[] Bytes() => File.ReadAllBytes(Path);

    public void Dispose() => File.Delete(Path);
}
