using Nexus.Api.Features.Media;
using Nexus.Api.Features.Media.Processing;
using Nexus.Api.Platforms;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;
using SkiaSharp;

namespace Nexus.Api.Tests.Features.Media.Processing;

/// <summary>The job runner end to end: inputs from the store, the image runner, the new item and the job's outcome.</summary>
[Collection(ApiCollection.Name)]
public sealed class RunMediaJobTests(ApiFixture api)
{
    [Fact]
    public async Task a_photo_turned_by_exif_is_cropped_square_as_shown_into_a_new_item_linked_to_its_source()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var source = await api.Host.AddMediaAsync(workspace, TestMedia.Image(640, 480, orientation: 6), "beach.jpg");

        var job = await api.Host.RunJobAsync(workspace, source, new ResizeImage(new AspectRatio(1, 1), null));

        Assert.Equal((MediaJobStatus.Succeeded, null), (job.Status, job.ErrorCode));
        var output = (await api.Host.MediaAsync(job.OutputId!.Value))!;
        Assert.Equal((MediaKind.Image, "image/jpeg", 480, 480, 1), (output.Facts.Kind, output.Facts.Mime, output.Facts.Width, output.Facts.Height, output.Facts.Orientation));
        Assert.Equal((MediaOrigin.Processed, source, "crop to 1:1, Jpeg", "beach 1x1.jpg"), (output.Origin, output.SourceId, output.Operation, output.Name));
        Assert.StartsWith($"{ProcessingScenarios.WorkspaceGuid(workspace):N}/{output.Id:N}", output.StorageKey);

        var bytes = await api.Host.StoredBytesAsync(output);
        using var codec = SKCodec.Create(new SKMemoryStream(bytes));
        Assert.Equal(SKEncodedOrigin.TopLeft, codec.EncodedOrigin);
        Assert.False(bytes.AsSpan().IndexOf("Exif"u8) >= 0, "the output carries an EXIF block");
        using var pixels = SKBitmap.Decode(bytes);
        // The drawing's orange corner is stored top left; turned a quarter clockwise (EXIF 6) it is shown top right.
        var topRight = pixels.GetPixel(470, 10);
        var bottomLeft = pixels.GetPixel(10, 470);
        Assert.True(topRight.Red > topRight.Blue, $"top right is {topRight}");
        Assert.True(bottomLeft.Blue > bottomLeft.Red, $"bottom left is {bottomLeft}");

        var unchanged = (await api.Host.MediaAsync(source))!;
        Assert.Equal((1, MediaOrigin.Upload), (unchanged.Version, unchanged.Origin));
    }

    [Fact]
    public async Task a_12_megapixel_photo_is_made_exactly_1080_by_1350_for_a_4_to_5_post()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var source = await api.Host.AddMediaAsync(workspace, TestMedia.Image(4000, 3000), "wide.jpg");

        var job = await api.Host.RunJobAsync(workspace, source, new ResizeImage(new AspectRatio(4, 5), 1080, FocalX: 0.9, Format: ImageFormat.Webp, Quality: 80));

        var output = (await api.Host.MediaAsync(job.OutputId!.Value))!;
        Assert.Equal(("image/webp", 1080, 1350), (output.Facts.Mime, output.Facts.Width, output.Facts.Height));
        Assert.Equal("wide 4x5 1080w.webp", output.Name);
    }

    [Fact]
    public async Task a_job_whose_source_cannot_be_decoded_fails_with_a_clear_error_and_leaves_the_source_untouched()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var source = await api.Host.AddMediaAsync(workspace, TestMedia.Image(64, 48), "ok.jpg");
        var asset = (await api.Host.MediaAsync(source))!;
        // The stored file damaged after it was probed (a disk fault, a bad copy): still a JPEG by its first bytes.
        byte[] damaged = [0xFF, 0xD8, 0xFF, .. new byte[200]];
        await File.WriteAllBytesAsync(Path.Combine(api.MediaRoot, asset.StorageKey), damaged);

        var job = await api.Host.RunJobAsync(workspace, source, new ResizeImage(new AspectRatio(1, 1), 100));

        Assert.Equal((MediaJobStatus.Failed, MediaRejectedException.Unsupported), (job.Status, job.ErrorCode));
        Assert.Contains("could not be read", job.ErrorMessage);
        Assert.DoesNotContain(" at ", job.ErrorMessage);
        Assert.Null(job.OutputId);
        var after = (await api.Host.MediaAsync(source))!;
        Assert.Equal((asset.Version, asset.Facts, asset.StorageKey, false), (after.Version, after.Facts, after.StorageKey, after.Deleted));
        Assert.Equal(damaged, await api.Host.StoredBytesAsync(asset));
    }

    [Fact]
    public async Task running_a_finished_job_again_does_nothing()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var source = await api.Host.AddMediaAsync(workspace, TestMedia.Image(300, 200), "again.jpg");
        var job = await api.Host.RunJobAsync(workspace, source, new ResizeImage(new AspectRatio(1, 1), null));
        var files = Directory.GetFiles(api.MediaRoot, "*", SearchOption.AllDirectories).Length;

        await api.Host.RunJobAsync(new RunMediaJob(job.Id));

        Assert.Equal(job, await api.Host.JobAsync(job.Id));
        Assert.Equal(files, Directory.GetFiles(api.MediaRoot, "*", SearchOption.AllDirectories).Length);
    }
}
