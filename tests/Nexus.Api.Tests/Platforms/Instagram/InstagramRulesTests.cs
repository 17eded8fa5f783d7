using Nexus.Api.Platforms;
using Nexus.Api.Platforms.Instagram;
using static Nexus.Api.Tests.Platforms.Instagram.InstagramFake;

namespace Nexus.Api.Tests.Platforms.Instagram;

public sealed class InstagramRulesTests
{
    private readonly InstagramRules _rules = new();

    private static MediaItem Jpeg(int? width = null, int? height = null, long? size = null, string mime = "image/jpeg") =>
        new(new Uri("https://cdn.example.com/p.jpg"), MediaKind.Image, size, width, height, null, mime);

    private static MediaItem Mp4(double? seconds = null, long? size = null, int? width = null, int? height = null, string mime = "video/mp4") =>
        new(new Uri("https://cdn.example.com/v.mp4"), MediaKind.Video, size, width, height, seconds is { } s ? TimeSpan.FromSeconds(s) : null, mime);

    private IReadOnlyList<RuleViolation> Check(string text, IReadOnlyList<MediaItem> media, params (string, string)[] options) =>
        _rules.Check(Publication(text, media, options));

    [Fact]
    public void a_post_with_one_image_and_no_measurements_passes()
    {
        Assert.Empty(Check("Hello #world @friend", [new MediaItem(new Uri("https://cdn.example.com/p.jpg"), MediaKind.Image)]));
    }

    [Fact]
    public void the_registered_rules_are_instagrams()
    {
        using var fake = new InstagramFake();
        Assert.IsType<InstagramRules>(fake.Rules);
    }

    [Fact]
    public void media_is_required() =>
        Assert.Equal("media", Assert.Single(Check("Just text", [])).Field);

    [Fact]
    public void captions_are_at_most_2200_characters()
    {
        Assert.Empty(Check(new string('a', 2200), [Jpeg()]));
        Assert.Equal("text", Assert.Single(Check(new string('a', 2201), [Jpeg()])).Field);
    }

    [Fact]
    public void captions_carry_at_most_30_hashtags_and_20_mentions()
    {
        var hashtags = string.Join(' ', Enumerable.Range(1, 31).Select(i => $"#tag{i}"));
        var mentions = string.Join(' ', Enumerable.Range(1, 21).Select(i => $"@user.{i}"));

        Assert.Empty(Check(string.Join(' ', Enumerable.Range(1, 30).Select(i => $"#tag{i}")), [Jpeg()]));
        Assert.Contains("hashtags", Assert.Single(Check(hashtags, [Jpeg()])).Message, StringComparison.Ordinal);
        Assert.Contains("@mentions", Assert.Single(Check(mentions, [Jpeg()])).Message, StringComparison.Ordinal);
        // An email address is no mention.
        Assert.Empty(Check(string.Join(' ', Enumerable.Range(1, 25).Select(i => $"me{i}@example.com")), [Jpeg()]));
    }

    [Fact]
    public void images_are_jpeg_up_to_8_mb_within_4_5_and_1_91_and_320_to_1440_wide()
    {
        Assert.Empty(Check("", [Jpeg(1080, 1350, 8 * 1024 * 1024)]));
        Assert.Empty(Check("", [Jpeg(1440, 754)]));
        Assert.Equal("media[0]", Assert.Single(Check("", [Jpeg(mime: "image/png")])).Field);
        Assert.Single(Check("", [Jpeg(size: (8 * 1024 * 1024) + 1)]));
        Assert.Single(Check("", [Jpeg(1080, 1351)]));
        Assert.Single(Check("", [Jpeg(1440, 750)]));
        Assert.Single(Check("", [Jpeg(width: 300)]));
        Assert.Single(Check("", [Jpeg(width: 1500)]));
    }

    [Fact]
    public void reels_are_mp4_or_mov_of_3_seconds_to_15_minutes_up_to_300_mb()
    {
        Assert.Empty(Check("", [Mp4(3, 300L * 1024 * 1024, 1080, 1920)], ("format", "reel")));
        Assert.Empty(Check("", [Mp4(900, mime: "video/quicktime")], ("format", "reel")));
        Assert.Single(Check("", [Mp4(2.5)], ("format", "reel")));
        Assert.Single(Check("", [Mp4(901)], ("format", "reel")));
        Assert.Single(Check("", [Mp4(size: (300L * 1024 * 1024) + 1)], ("format", "reel")));
        Assert.Single(Check("", [Mp4(mime: "video/webm")], ("format", "reel")));
        Assert.Single(Check("", [Mp4(width: 1, height: 101)], ("format", "reel")));
        Assert.Single(Check("", [Mp4(width: 1001, height: 100)], ("format", "reel")));
        Assert.Equal("media", Assert.Single(Check("", [Jpeg()], ("format", "reel"))).Field);
    }

    [Fact]
    public void story_videos_last_3_to_60_seconds_up_to_100_mb_and_stories_have_no_caption()
    {
        Assert.Empty(Check("", [Mp4(60, 100L * 1024 * 1024)], ("format", "story")));
        Assert.Single(Check("", [Mp4(61)], ("format", "story")));
        Assert.Single(Check("", [Mp4(size: (100L * 1024 * 1024) + 1)], ("format", "story")));
        // 9:16 story images are fine: the 4:5–1.91:1 range is the feed's.
        Assert.Empty(Check("", [Jpeg(1080, 1920)], ("format", "story")));
        Assert.Equal("text", Assert.Single(Check("Caption", [Jpeg()], ("format", "story"))).Field);
        Assert.Equal("options.firstComment", Assert.Single(Check("", [Jpeg()], ("format", "story"), ("firstComment", "hi"))).Field);
    }

    [Fact]
    public void carousels_have_2_to_10_images_or_videos()
    {
        Assert.Empty(Check("", [Jpeg(), Mp4(10)]));
        Assert.Empty(Check("", [.. Enumerable.Repeat(Jpeg(), 10)], ("format", "carousel")));
        Assert.Equal("media", Assert.Single(Check("", [Jpeg()], ("format", "carousel"))).Field);
        Assert.Equal("media", Assert.Single(Check("", [.. Enumerable.Repeat(Jpeg(), 11)])).Field);
        var gif = new MediaItem(new Uri("https://cdn.example.com/a.gif"), MediaKind.Gif);
        Assert.Equal("media[1]", Assert.Single(Check("", [Jpeg(), gif])).Field);
    }

    [Fact]
    public void unknown_formats_and_malformed_options_are_named()
    {
        Assert.Equal("options.format", Assert.Single(Check("", [Jpeg()], ("format", "igtv"))).Field);
        Assert.Equal("options.shareToFeed", Assert.Single(Check("", [Mp4()], ("shareToFeed", "maybe"))).Field);
        Assert.Equal("options.thumbOffset", Assert.Single(Check("", [Mp4()], ("thumbOffset", "-1"))).Field);
        Assert.Equal("options.coverUrl", Assert.Single(Check("", [Mp4()], ("coverUrl", "cover.jpg"))).Field);
    }

    [Fact]
    public void alt_text_is_at_most_1000_characters()
    {
        var item = new MediaItem(new Uri("https://cdn.example.com/p.jpg"), MediaKind.Image, AltText: new string('a', 1001));
        Assert.Equal("media[0]", Assert.Single(Check("", [item])).Field);
    }
}
