using Microsoft.Extensions.Options;
using Nexus.Api.Features.Media;
using Nexus.Api.Features.Media.Probing;
using Nexus.Api.Platforms;
using SkiaSharp;

namespace Nexus.Api.Tests.Features.Media;

/// <summary>Probing real files: facts from the bytes (not names), and refusals before anything large is decoded.</summary>
public sealed class MediaProbeTests
{
    private static MediaProbe Probe(Action<MediaOptions>? configure = null)
    {
        var options = new MediaOptions();
        configure?.Invoke(options);
        return new MediaProbe(Options.Create(options));
    }

    [Fact]
    public async Task a_jpeg_is_an_image_with_its_size_whatever_its_name()
    {
        using var file = new TestFile(Path.Combine(Path.GetTempPath(), $"{Guid.NewGuid():N}.mp4"));
        await File.WriteAllBytesAsync(file.Path, TestMedia.Image(640, 480));

        var facts = await Probe().ProbeAsync(file.Path, CancellationToken.None);

        Assert.Equal((MediaKind.Image, "image/jpeg", 640, 480, 1), (facts.Kind, facts.Mime, facts.Width, facts.Height, facts.Orientation));
        Assert.Equal(new FileInfo(file.Path).Length, facts.SizeBytes);
    }

    [Fact]
    public async Task a_jpeg_turned_by_its_exif_orientation_is_measured_as_shown()
    {
        using var file = new TestFile(Path.Combine(Path.GetTempPath(), $"{Guid.NewGuid():N}.jpg"));
        await File.WriteAllBytesAsync(file.Path, TestMedia.Image(640, 480, orientation: 6));

        var facts = await Probe().ProbeAsync(file.Path, CancellationToken.None);

        Assert.Equal((480, 640, 6), (facts.Width, facts.Height, facts.Orientation));
    }

    [Fact]
    public async Task a_video_has_its_codecs_frame_rate_and_duration()
    {
        using var video = await TestMedia.VideoAsync(2, 320, 240, frameRate: 25);

        var facts = await Probe().ProbeAsync(video.Path, CancellationToken.None);

        Assert.Equal((MediaKind.Video, "video/mp4", 320, 240, 25.0, "h264", "aac"), (facts.Kind, facts.Mime, facts.Width, facts.Height, facts.FrameRate, facts.VideoCodec, facts.AudioCodec));
        Assert.InRange(facts.DurationSeconds!.Value, 1.9, 2.2);
        Assert.True(facts.BitRate > 0);
    }

    [Fact]
    public async Task audio_in_an_mp4_box_is_audio()
    {
        using var audio = await TestMedia.AudioAsync(1);

        var facts = await Probe().ProbeAsync(audio.Path, CancellationToken.None);

        Assert.Equal((MediaKind.Audio, "audio/mp4", "aac", (int?)null), (facts.Kind, facts.Mime, facts.AudioCodec, facts.Width));
    }

    [Fact]
    public async Task an_image_with_more_pixels_than_allowed_is_refused_before_it_is_decoded()
    {
        using var file = new TestFile(Path.Combine(Path.GetTempPath(), $"{Guid.NewGuid():N}.png"));
        await File.WriteAllBytesAsync(file.Path, TestMedia.Image(400, 300, SKEncodedImageFormat.Png));

        var refused = await Assert.ThrowsAsync<MediaRejectedException>(() => Probe(o => o.MaxPixels = 100_000).ProbeAsync(file.Path, CancellationToken.None));

        Assert.Equal(MediaRejectedException.TooLarge, refused.Code);
    }

    [Fact]
    public async Task text_named_like_a_picture_is_refused()
    {
        using var file = new TestFile(Path.Combine(Path.GetTempPath(), $"{Guid.NewGuid():N}.jpg"));
        await File.WriteAllTextAsync(file.Path, "<html>not a picture</html>");

        var refused = await Assert.ThrowsAsync<MediaRejectedException>(() => Probe().ProbeAsync(file.Path, CancellationToken.None));

        Assert.Equal(MediaRejectedException.Unsupported, refused.Code);
    }

    [Fact]
    public async Task a_video_longer_than_allowed_is_refused()
    {
        using var video = await TestMedia.VideoAsync(3, 160, 120, audio: false);

        var refused = await Assert.ThrowsAsync<MediaRejectedException>(() => Probe(o => o.MaxDuration = TimeSpan.FromSeconds(2)).ProbeAsync(video.Path, CancellationToken.None));

        Assert.Equal(MediaRejectedException.TooLarge, refused.Code);
    }
}
