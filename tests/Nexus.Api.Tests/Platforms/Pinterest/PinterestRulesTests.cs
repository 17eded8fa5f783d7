using Nexus.Api.Platforms;
using Nexus.Api.Platforms.Pinterest;

namespace Nexus.Api.Tests.Platforms.Pinterest;

public sealed class PinterestRulesTests
{
    private static readonly PinterestRules Rules = new();
    private static readonly Uri Url = new("https://media.example/x");

    private static IReadOnlyList<RuleViolation> Check(string text, MediaItem[] media, Dictionary<string, string>? options = null) =>
        Rules.Check(new PublishRequest("k", text, media, options ?? new() { [PinterestPostOptions.BoardId] = "b1" }));

    private static MediaItem Image(long? size = null, string? mime = null, string? alt = null) => new(Url, MediaKind.Image, size, MimeType: mime, AltText: alt);

    private static MediaItem Video(long? size = null, TimeSpan? duration = null, string? mime = null) => new(Url, MediaKind.Video, size, Duration: duration, MimeType: mime);

    private static Dictionary<string, string> WithCover => new() { [PinterestPostOptions.BoardId] = "b1", [PinterestPostOptions.CoverImageUrl] = "https://media.example/c.jpg" };

    [Fact]
    public void an_image_pin_within_every_limit_passes() =>
        Assert.Empty(Check(new string('d', 800), [Image(20L * 1024 * 1024, "image/tiff", new string('a', 500))], new()
        {
            [PinterestPostOptions.BoardId] = "b1",
            [PinterestPostOptions.Title] = new string('t', 100),
            [PinterestPostOptions.Link] = "https://example.com/" + new string('p', 2028),
        }));

    [Fact]
    public void a_gif_is_an_image_pin() => Assert.Empty(Check("d", [new MediaItem(Url, MediaKind.Gif, MimeType: "image/gif")]));

    [Fact]
    public void a_pin_is_exactly_one_image_or_video()
    {
        Assert.Equal("media", Assert.Single(Check("d", [])).Field);
        Assert.Equal("media", Assert.Single(Check("d", [Image(), Image()])).Field);
    }

    [Fact]
    public void a_board_is_required() => Assert.Equal("options.boardId", Assert.Single(Check("d", [Image()], [])).Field);

    [Fact]
    public void text_limits_name_their_fields()
    {
        var violations = Check(new string('d', 801), [Image(alt: new string('a', 501))], new()
        {
            [PinterestPostOptions.BoardId] = "b1",
            [PinterestPostOptions.Title] = new string('t', 101),
            [PinterestPostOptions.Link] = "https://example.com/" + new string('p', 2029),
            [PinterestPostOptions.AltText] = new string('a', 501),
        });

        Assert.Equal(["text", "media[0]", "options.title", "options.link", "options.altText"], violations.Select(v => v.Field));
    }

    [Fact]
    public void a_link_must_be_a_web_url() =>
        Assert.Equal("options.link", Assert.Single(Check("d", [Image()], new() { [PinterestPostOptions.BoardId] = "b1", [PinterestPostOptions.Link] = "javascript:alert(1)" })).Field);

    [Fact]
    public void images_are_common_formats_up_to_20_mb() =>
        Assert.Equal(2, Check("d", [Image(20L * 1024 * 1024 + 1, "image/svg+xml")]).Count);

    [Fact]
    public void videos_are_mp4_mov_or_m4v_from_4_seconds_to_15_minutes_up_to_2_gb()
    {
        Assert.Empty(Check("d", [Video(2L * 1024 * 1024 * 1024, TimeSpan.FromSeconds(4), "video/x-m4v")], WithCover));
        Assert.Empty(Check("d", [Video(duration: TimeSpan.FromMinutes(15), mime: "video/quicktime")], WithCover));
        Assert.Single(Check("d", [Video(duration: TimeSpan.FromSeconds(3.9))], WithCover));
        Assert.Single(Check("d", [Video(duration: TimeSpan.FromMinutes(15.1))], WithCover));
        Assert.Equal(2, Check("d", [Video(2L * 1024 * 1024 * 1024 + 1, mime: "video/webm")], WithCover).Count);
    }

    [Fact]
    public void a_video_pin_needs_a_cover()
    {
        Assert.Equal("options.coverImageUrl", Assert.Single(Check("d", [Video()])).Field);
        Assert.Empty(Check("d", [Video()], new() { [PinterestPostOptions.BoardId] = "b1", [PinterestPostOptions.CoverImageKeyFrameTime] = "2.5" }));
        Assert.Equal("options.coverImageKeyFrameTime",
            Assert.Single(Check("d", [Video()], new() { [PinterestPostOptions.BoardId] = "b1", [PinterestPostOptions.CoverImageKeyFrameTime] = "soon" })).Field);
    }
}
