using System.Globalization;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Media.Storage;
using SkiaSharp;

namespace Nexus.Api.Features.Media.Processing.Images;

/// <summary>
/// <see cref="ResizeImage"/> through SkiaSharp: the picture as shown (its EXIF orientation applied), cropped to the
/// aspect around the focal point, scaled down to the width asked for and encoded afresh, which drops every metadata
/// block of the source (Skia's encoders write none: no EXIF, no GPS).
/// </summary>
public sealed class ImageOperations(IOptions<MediaOptions> options) : IMediaOperationRunner
{
    private readonly MediaOptions _options = options.Value;

    public bool CanRun(MediaOperation operation) => operation is ResizeImage;

    public Task<ProcessedFile> RunAsync(MediaOperation operation, OperationInputs inputs, IProgress<double> progress, CancellationToken cancellationToken)
    {
        var resize = (ResizeImage)operation;
        var format = resize.Format;
        var file = TempFile.New(Extension(format));
        try
        {
            using (var output = File.Create(file.Path))
            {
                Resize(inputs.Source.Path, resize, output, progress, cancellationToken);
            }

            return Task.FromResult(new ProcessedFile(file, NameFor(inputs.Source.Asset.Name, resize)));
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Crops and scales the image at <paramref name="path"/> and writes the encoded result to <paramref name="output"/>.</summary>
    public void Resize(string path, ResizeImage resize, Stream output, IProgress<double>? progress, CancellationToken cancellationToken)
    {
        using var codec = SKCodec.Create(path)
            ?? throw new MediaRejectedException(MediaRejectedException.Unsupported, "The image could not be read: it is damaged or not an image.");
        var (storedWidth, storedHeight) = (codec.Info.Width, codec.Info.Height);
        // Probing checked the pixels when the item was added; the limit may have been lowered since, and a decode is
        // where a bomb goes off, so it is checked again right before it.
        if (storedWidth <= 0 || storedHeight <= 0 || (long)storedWidth * storedHeight > _options.MaxPixels)
        {
            throw new MediaRejectedException(MediaRejectedException.TooLarge,
                string.Create(CultureInfo.InvariantCulture, $"The image is {storedWidth}×{storedHeight}; the most accepted is {_options.MaxPixels / 1_000_000.0:0.#} megapixels."));
        }

        var origin = codec.EncodedOrigin;
        var turned = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        var (shownWidth, shownHeight) = turned ? (storedHeight, storedWidth) : (storedWidth, storedHeight);
        var plan = Plan(shownWidth, shownHeight, resize);

        // JPEG and WebP decode straight to a fraction of their size (libjpeg's DCT scaling): a 12 MP photo made 1080 px
        // wide needs a fraction of the pixels decoded. Only a fraction that still leaves at least the output's pixels.
        var wanted = (float)plan.Scale;
        var scaled = codec.GetScaledDimensions(wanted);
        if (scaled.Width <= 0 || scaled.Height <= 0 || (double)scaled.Width / storedWidth < plan.Scale || (double)scaled.Height / storedHeight < plan.Scale)
        {
            scaled = new SKSizeI(storedWidth, storedHeight);
        }

        cancellationToken.ThrowIfCancellationRequested();
        using var bitmap = new SKBitmap(new SKImageInfo(scaled.Width, scaled.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var result = codec.GetPixels(bitmap.Info, bitmap.GetPixels());
        if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
        {
            throw new MediaRejectedException(MediaRejectedException.Unsupported, $"The image could not be decoded ({result}).");
        }

        progress?.Report(40);
        cancellationToken.ThrowIfCancellationRequested();

        using var surface = SKSurface.Create(new SKImageInfo(plan.Width, plan.Height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException($"No {plan.Width}×{plan.Height} surface could be made.");
        var canvas = surface.Canvas;
        // JPEG has no transparency: what was transparent becomes white, not black.
        canvas.Clear(resize.Format == ImageFormat.Jpeg ? SKColors.White : SKColors.Transparent);
        // Output ← the crop of the shown picture ← the stored picture turned by its origin ← the decoded (scaled) bitmap.
        canvas.Scale((float)(plan.Width / plan.CropWidth), (float)(plan.Height / plan.CropHeight));
        canvas.Translate((float)-plan.CropLeft, (float)-plan.CropTop);
        canvas.Concat(Orient(origin, storedWidth, storedHeight));
        canvas.Scale((float)storedWidth / scaled.Width, (float)storedHeight / scaled.Height);
        using var image = SKImage.FromBitmap(bitmap);
        var remaining = plan.Scale * storedWidth / scaled.Width;
        // Cubic resampling is sharp but aliases below half size; mipmaps take over there.
        var sampling = remaining < 0.5 ? new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear) : new SKSamplingOptions(SKCubicResampler.Mitchell);
        canvas.DrawImage(image, 0, 0, sampling);
        canvas.Flush();
        progress?.Report(75);
        cancellationToken.ThrowIfCancellationRequested();

        using var snapshot = surface.Snapshot();
        using var data = snapshot.Encode(Encoded(resize.Format), Math.Clamp(resize.Quality, 1, 100))
            ?? throw new InvalidOperationException($"SkiaSharp could not encode {resize.Format}.");
        data.SaveTo(output);
        progress?.Report(95);
    }

    /// <summary>The crop window (in the shown picture's pixels), the output size and the scale between them.</summary>
    public sealed record CropPlan(double CropLeft, double CropTop, double CropWidth, double CropHeight, int Width, int Height)
    {
        public double Scale => Width / CropWidth;
    }

    /// <summary>
    /// The largest window of the aspect inside the picture, centred on the focal point and moved inside the edges; the
    /// output is that window scaled to the width asked for, never enlarged, its height from the aspect.
    /// </summary>
    public static CropPlan Plan(int shownWidth, int shownHeight, ResizeImage resize)
    {
        var aspect = resize.Aspect.Value;
        var (cropWidth, cropHeight) = (double)shownWidth / shownHeight > aspect
            ? (shownHeight * aspect, (double)shownHeight)
            : (shownWidth, shownWidth / aspect);
        var left = Math.Clamp((resize.FocalX * shownWidth) - (cropWidth / 2), 0, shownWidth - cropWidth);
        var top = Math.Clamp((resize.FocalY * shownHeight) - (cropHeight / 2), 0, shownHeight - cropHeight);
        var width = Math.Max(1, (int)Math.Min(resize.Width ?? int.MaxValue, Math.Floor(cropWidth + 1e-6)));
        var height = Math.Max(1, (int)Math.Round(width / aspect));
        return new CropPlan(left, top, cropWidth, cropHeight, width, height);
    }

    /// <summary>Maps the stored picture's pixels to where they are shown, for each EXIF orientation.</summary>
    private static SKMatrix Orient(SKEncodedOrigin origin, int w, int h) => origin switch
    {
        SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, w, 0, 1, 0, 0, 0, 1),
        SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, w, 0, -1, h, 0, 0, 1),
        SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, h, 0, 0, 1),
        SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightTop => new SKMatrix(0, -1, h, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, h, -1, 0, w, 0, 0, 1),
        SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, w, 0, 0, 1),
        _ => SKMatrix.Identity,
    };

    private static SKEncodedImageFormat Encoded(ImageFormat format) => format switch
    {
        ImageFormat.Png => SKEncodedImageFormat.Png,
        ImageFormat.Webp => SKEncodedImageFormat.Webp,
        _ => SKEncodedImageFormat.Jpeg,
    };

    private static string Extension(ImageFormat format) => format switch
    {
        ImageFormat.Png => ".png",
        ImageFormat.Webp => ".webp",
        _ => ".jpg",
    };

    /// <summary>"beach.jpg" cropped to 4:5 at 1080 px as WebP: "beach 4x5 1080w.webp".</summary>
    private static string NameFor(string source, ResizeImage resize)
    {
        var stem = Path.GetFileNameWithoutExtension(source);
        var aspect = resize.Aspect.ToString().Replace(':', 'x');
        var width = resize.Width is { } w ? string.Create(CultureInfo.InvariantCulture, $" {w}w") : "";
        return $"{(stem.Length == 0 ? "image" : stem)} {aspect}{width}{Extension(resize.Format)}";
    }
}
