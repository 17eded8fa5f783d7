using Nexus.Api.Platforms;
using Nexus.Api.Platforms.LinkedIn;

namespace Nexus.Api.Tests.Platforms.LinkedIn;

public sealed class LinkedInRulesTests : IDisposable
{
    private static readonly Uri Somewhere = new("https://cdn.example/media");
    private readonly LinkedInHarness _li = new();

    public void Dispose() => _li.Dispose();

    [Fact]
    public void the_rules_are_registered_for_LinkedIn_and_agree_with_the_catalogue()
    {
        var catalogue = PlatformCatalogue.Get(PlatformId.LinkedIn);
        Assert.Equal(PlatformId.LinkedIn, _li.Rules.Platform);
        Assert.Equal(LinkedInRules.MaxCommentaryLength, catalogue.MaxTextLength);
        Assert.Equal(LinkedInRules.MaxImages, catalogue.MaxMedia);
        Assert.False(catalogue.SupportsPkce);
    }

    [Fact]
    public void commentary_is_at_most_3000_characters()
    {
        Assert.Empty(Check(new string('a', 3000)));
        Assert.Equal("text", Assert.Single(Check(new string('a', 3001))).Field);
    }

    [Fact]
    public void a_post_needs_commentary_or_media() => Assert.Equal("text", Assert.Single(Check(" ")).Field);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(20)]
    public void one_image_or_a_multi_image_post_of_up_to_20(int count) =>
        Assert.Empty(Check("hi", [.. Enumerable.Repeat(Media(MediaKind.Image), count)]));

    [Fact]
    public void twenty_one_images_are_too_many() =>
        Assert.Equal("media", Assert.Single(Check("hi", [.. Enumerable.Repeat(Media(MediaKind.Image), 21)])).Field);

    [Fact]
    public void gifs_count_as_images() =>
        Assert.Empty(Check("hi", [Media(MediaKind.Gif), Media(MediaKind.Image) with { MimeType = "image/png" }]));

    [Fact]
    public void a_video_goes_alone()
    {
        Assert.Empty(Check("hi", [Media(MediaKind.Video)]));
        Assert.Equal("media", Assert.Single(Check("hi", [Media(MediaKind.Video), Media(MediaKind.Image)])).Field);
        Assert.Equal("media", Assert.Single(Check("hi", [Media(MediaKind.Video), Media(MediaKind.Video)])).Field);
    }

    [Theory]
    [InlineData(2.9, false)]
    [InlineData(3, true)]
    [InlineData(1800, true)]
    [InlineData(1801, false)]
    public void videos_last_from_3_seconds_to_30_minutes(double seconds, bool allowed) =>
        Assert.Equal(allowed, Check("hi", [Media(MediaKind.Video) with { Duration = TimeSpan.FromSeconds(seconds) }]).Count == 0);

    [Fact]
    public void videos_are_mp4_of_at_most_500_MB()
    {
        Assert.Empty(Check("hi", [Media(MediaKind.Video) with { SizeBytes = 500L * 1024 * 1024, MimeType = "video/mp4" }]));
        Assert.Equal("media[0]", Assert.Single(Check("hi", [Media(MediaKind.Video) with { SizeBytes = 500L * 1024 * 1024 + 1 }])).Field);
        Assert.Equal("media[0]", Assert.Single(Check("hi", [Media(MediaKind.Video) with { MimeType = "video/quicktime" }])).Field);
    }

    [Fact]
    public void images_are_jpg_png_or_gif_under_36152320_pixels()
    {
        Assert.Empty(Check("hi", [Media(MediaKind.Image) with { MimeType = "image/jpeg", Width = 6000, Height = 6000 }]));
        Assert.Equal("media[1]", Assert.Single(Check("hi", [Media(MediaKind.Image), Media(MediaKind.Image) with { Width = 6016, Height = 6016 }])).Field);
        Assert.Equal("media[0]", Assert.Single(Check("hi", [Media(MediaKind.Image) with { MimeType = "image/webp" }])).Field);
    }

    [Fact]
    public void options_are_checked()
    {
        var violations = _li.Rules.Check(new PublishRequest("k", "hi", [], new Dictionary<string, string> { ["visibility"] = "LOGGED_IN", ["disableReshare"] = "maybe" }));

        Assert.Equal(["options.visibility", "options.disableReshare"], violations.Select(v => v.Field));
        Assert.Empty(_li.Rules.Check(new PublishRequest("k", "hi", [], new Dictionary<string, string> { ["visibility"] = "CONNECTIONS", ["disableReshare"] = "false" })));
    }

    private IReadOnlyList<RuleViolation> Check(string text, IReadOnlyList<MediaItem>? media = null) =>
        _li.Rules.Check(new PublishRequest("k", text, media ?? [], new Dictionary<string, string>()));

    private static MediaItem Media(MediaKind kind) => new(Somewhere, kind);
}
