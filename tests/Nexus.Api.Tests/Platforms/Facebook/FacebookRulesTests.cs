using Nexus.Api.Platforms;
using Nexus.Api.Platforms.Facebook;
using static Nexus.Api.Tests.Platforms.Facebook.FacebookFake;

namespace Nexus.Api.Tests.Platforms.Facebook;

public sealed class FacebookRulesTests
{
    private readonly FacebookRules _rules = new();

    private static MediaItem Video(string name = "v.mp4") => new(new Uri($"https://cdn.example.com/{name}"), MediaKind.Video);

    private IReadOnlyList<RuleViolation> Check(string text, IReadOnlyList<MediaItem> media, params (string, string)[] options) =>
        _rules.Check(Publication(text, media, options));

    [Fact]
    public void the_registered_rules_are_facebooks()
    {
        using var fake = new FacebookFake();
        Assert.IsType<FacebookRules>(fake.Rules);
    }

    [Fact]
    public void text_link_photo_photos_video_and_reel_posts_pass()
    {
        Assert.Empty(Check("Hello", []));
        Assert.Empty(Check("", [], ("link", "https://example.com")));
        Assert.Empty(Check("", [Photo("a.jpg")]));
        Assert.Empty(Check("", [.. Enumerable.Range(0, 10).Select(i => Photo($"{i}.jpg"))]));
        Assert.Empty(Check("", [Video()], ("title", "A video")));
        Assert.Empty(Check("", [Video()], ("format", "reel")));
    }

    [Fact]
    public void messages_are_at_most_63206_characters()
    {
        Assert.Empty(Check(new string('a', 63206), []));
        Assert.Equal("text", Assert.Single(Check(new string('a', 63207), [])).Field);
    }

    [Fact]
    public void an_empty_post_is_refused() =>
        Assert.Equal("text", Assert.Single(Check(" ", [])).Field);

    [Fact]
    public void media_combinations_facebook_does_not_take_are_refused()
    {
        Assert.Equal("media", Assert.Single(Check("", [.. Enumerable.Range(0, 11).Select(i => Photo($"{i}.jpg"))])).Field);
        Assert.Equal("media", Assert.Single(Check("", [Photo("a.jpg"), Video()])).Field);
        Assert.Equal("media", Assert.Single(Check("", [Video("a.mp4"), Video("b.mp4")])).Field);
        Assert.Equal("media", Assert.Single(Check("", [Photo("a.jpg")], ("format", "reel"))).Field);
        Assert.Equal("media[0]", Assert.Single(Check("", [new MediaItem(new Uri("https://cdn.example.com/a.gif"), MediaKind.Gif)])).Field);
    }

    [Fact]
    public void options_are_checked()
    {
        Assert.Equal("options.format", Assert.Single(Check("Hi", [], ("format", "story"))).Field);
        Assert.Equal("options.link", Assert.Single(Check("Hi", [], ("link", "not a url"))).Field);
        Assert.Equal("options.link", Assert.Single(Check("Hi", [Photo("a.jpg")], ("link", "https://example.com"))).Field);
        Assert.Equal("options.firstComment", Assert.Single(Check("Hi", [], ("firstComment", "First!"))).Field);
    }

    private static MediaItem Library(MediaKind kind, string mime, int width, int height, double? seconds = null, double? fps = null, string? codec = null) =>
        new(new Uri("https://nexus.example/media/x/content"), kind, 1_000_000, width, height, seconds is { } s ? TimeSpan.FromSeconds(s) : null, mime, null, codec, fps, Guid.CreateVersion7());

    [Fact]
    public void library_photos_are_checked_for_the_formats_facebook_takes_and_converted_when_not()
    {
        Assert.Empty(Check("", [Library(MediaKind.Image, "image/png", 4000, 3000)]));
        var webp = Assert.Single(Check("", [Library(MediaKind.Image, "image/webp", 1200, 1200)]));
        Assert.Equal("media[0]", webp.Field);
        Assert.Contains("convert it to JPEG", webp.Message, StringComparison.Ordinal);
        Assert.NotNull(webp.Fix);
    }

    [Fact]
    public void library_reels_are_checked_against_metas_reel_specification()
    {
        Assert.Empty(Check("", [Library(MediaKind.Video, "video/mp4", 1080, 1920, 30, 30, "h264")], ("format", "reel")));
        // A feed video has no documented limits: the same landscape clip passes as a feed video and not as a reel.
        var landscape = Library(MediaKind.Video, "video/mp4", 1920, 1080, 30, 30, "h264");
        Assert.Empty(Check("", [landscape]));
        Assert.Contains(Check("", [landscape], ("format", "reel")), v => v.Message.Contains("aspect", StringComparison.Ordinal));

        var tooLong = Check("", [Library(MediaKind.Video, "video/mp4", 1080, 1920, 120, 30, "h264")], ("format", "reel"));
        Assert.Contains(tooLong, v => v.Message.Contains("shorten to", StringComparison.Ordinal));
        var slow = Assert.Single(Check("", [Library(MediaKind.Video, "video/mp4", 1080, 1920, 30, 15, "h264")], ("format", "reel")));
        Assert.Equal("facebook_reel", Assert.IsType<Nexus.Api.Features.Media.Processing.TranscodeVideo>(Assert.Single(slow.Fix!)).Preset);
        Assert.Contains(Check("", [Library(MediaKind.Video, "video/mp4", 360, 640, 30, 30, "h264")], ("format", "reel")), v => v.Message.Contains("540", StringComparison.Ordinal));
    }
}
