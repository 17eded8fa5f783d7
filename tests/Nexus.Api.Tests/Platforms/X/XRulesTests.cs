using Nexus.Api.Platforms;
using Nexus.Api.Platforms.X;

namespace Nexus.Api.Tests.Platforms.X;

public sealed class XRulesTests : IDisposable
{
    private static readonly Uri Somewhere = new("https://cdn.example/media");
    private readonly XHarness _x = new();

    public void Dispose() => _x.Dispose();

    [Fact]
    public void the_rules_are_registered_for_X_and_agree_with_the_catalogue()
    {
        Assert.Equal(PlatformId.X, _x.Rules.Platform);
        var catalogue = PlatformCatalogue.Get(PlatformId.X);
        Assert.Equal(XText.MaxWeightedLength, catalogue.MaxTextLength);
        Assert.Equal(XRules.MaxImages, catalogue.MaxMedia);
        Assert.True(catalogue.SupportsPkce);
    }

    [Fact]
    public void ascii_counts_one_per_character_up_to_280()
    {
        Assert.Empty(Check(new string('a', 280)));
        var violation = Assert.Single(Check(new string('a', 281)));
        Assert.Equal("text", violation.Field);
        Assert.Contains("281", violation.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://example.com/a/very/long/path/that/goes/on/and/on/and/on/for/many/characters?with=query&and=more")]
    [InlineData("http://x.co")]
    [InlineData("example.com/path")]
    [InlineData("nexus.dev")]
    public void every_url_counts_23(string url)
    {
        Assert.Equal(23, XText.WeightedLength(url));
        Assert.Equal(23 + 6, XText.WeightedLength($"see: {url}."));
        Assert.Empty(Check(new string('a', 256) + " " + url));
        Assert.Single(Check(new string('a', 257) + " " + url));
    }

    [Fact]
    public void an_email_address_is_not_a_url() => Assert.Equal(17, XText.WeightedLength("team@example.come"));

    [Theory]
    [InlineData("😀")]
    [InlineData("👍🏽")]
    [InlineData("👨‍👩‍👧‍👦")]
    [InlineData("🇫🇷")]
    [InlineData("❤️")]
    [InlineData("1️⃣")]
    public void an_emoji_counts_2_however_many_code_points_it_has(string emoji)
    {
        Assert.Equal(2, XText.WeightedLength(emoji));
        Assert.Empty(Check(string.Concat(Enumerable.Repeat(emoji, 140))));
        Assert.Single(Check(string.Concat(Enumerable.Repeat(emoji, 140)) + "a"));
    }

    [Theory]
    [InlineData("漢", 2)]
    [InlineData("日本語", 6)]
    [InlineData("한국어", 6)]
    [InlineData("€", 2)]
    [InlineData("…", 2)]
    [InlineData("Ωμέγα ДА", 8)]
    public void code_points_outside_the_light_ranges_count_2(string text, int expected) => Assert.Equal(expected, XText.WeightedLength(text));

    [Fact]
    public void general_punctuation_in_the_light_ranges_counts_1() => Assert.Equal(15, XText.WeightedLength("“quoted” — dash"));

    [Fact]
    public void cjk_fills_the_limit_at_140_characters()
    {
        Assert.Empty(Check(new string('字', 140)));
        Assert.Single(Check(new string('字', 141)));
    }

    [Fact]
    public void text_is_counted_after_NFC_normalisation() => Assert.Equal(5, XText.WeightedLength("cafe\u0301s"));

    [Fact]
    public void a_post_needs_text_or_media()
    {
        Assert.Equal("text", Assert.Single(Check("  ")).Field);
        Assert.Empty(Check("", [Media(MediaKind.Image)]));
    }

    [Fact]
    public void four_images_are_allowed_five_are_not()
    {
        Assert.Empty(Check("hi", [.. Enumerable.Repeat(Media(MediaKind.Image), 4)]));
        Assert.Equal("media", Assert.Single(Check("hi", [.. Enumerable.Repeat(Media(MediaKind.Image), 5)])).Field);
    }

    [Theory]
    [InlineData(MediaKind.Gif, MediaKind.Image)]
    [InlineData(MediaKind.Video, MediaKind.Image)]
    [InlineData(MediaKind.Video, MediaKind.Video)]
    [InlineData(MediaKind.Gif, MediaKind.Gif)]
    [InlineData(MediaKind.Video, MediaKind.Gif)]
    public void a_gif_or_a_video_goes_alone(MediaKind first, MediaKind second) =>
        Assert.Equal("media", Assert.Single(Check("hi", [Media(first), Media(second)])).Field);

    [Fact]
    public void one_gif_or_one_video_is_fine()
    {
        Assert.Empty(Check("hi", [Media(MediaKind.Gif)]));
        Assert.Empty(Check("hi", [Media(MediaKind.Video)]));
    }

    [Fact]
    public void sizes_are_checked_per_kind_and_name_the_item()
    {
        Assert.Empty(Check("hi", [Media(MediaKind.Image) with { SizeBytes = 5 * 1024 * 1024 }]));
        Assert.Equal("media[1]", Assert.Single(Check("hi", [Media(MediaKind.Image), Media(MediaKind.Image) with { SizeBytes = 5 * 1024 * 1024 + 1 }])).Field);
        Assert.Empty(Check("hi", [Media(MediaKind.Gif) with { SizeBytes = 15 * 1024 * 1024 }]));
        Assert.Single(Check("hi", [Media(MediaKind.Gif) with { SizeBytes = 15 * 1024 * 1024 + 1 }]));
        Assert.Empty(Check("hi", [Media(MediaKind.Video) with { SizeBytes = 8L * 1024 * 1024 * 1024 }]));
        Assert.Single(Check("hi", [Media(MediaKind.Video) with { SizeBytes = 8L * 1024 * 1024 * 1024 + 1 }]));
    }

    [Theory]
    [InlineData(0.4, false)]
    [InlineData(0.5, true)]
    [InlineData(1200, true)]
    [InlineData(1201, false)]
    public void videos_last_from_half_a_second_to_twenty_minutes(double seconds, bool allowed) =>
        Assert.Equal(allowed, Check("hi", [Media(MediaKind.Video) with { Duration = TimeSpan.FromSeconds(seconds) }]).Count == 0);

    [Theory]
    [InlineData(1280, 720, true)]
    [InlineData(720, 1024, true)]
    [InlineData(341, 1023, true)]
    [InlineData(1200, 300, false)]
    [InlineData(300, 1000, false)]
    [InlineData(1920, 1080, false)]
    [InlineData(16, 16, false)]
    public void video_dimensions_and_aspect_ratio_are_checked(int width, int height, bool allowed) =>
        Assert.Equal(allowed, Check("hi", [Media(MediaKind.Video) with { Width = width, Height = height }]).Count == 0);

    [Fact]
    public void gifs_are_at_most_1280_by_1080() =>
        Assert.Equal("media[0]", Assert.Single(Check("hi", [Media(MediaKind.Gif) with { Width = 1281, Height = 720 }])).Field);

    [Fact]
    public void file_types_are_checked_when_known()
    {
        Assert.Empty(Check("hi", [Media(MediaKind.Image) with { MimeType = "image/webp" }]));
        Assert.Equal("media[0]", Assert.Single(Check("hi", [Media(MediaKind.Image) with { MimeType = "image/tiff" }])).Field);
        Assert.Single(Check("hi", [Media(MediaKind.Video) with { MimeType = "video/webm" }]));
    }

    [Fact]
    public void unknown_measurements_are_not_checked() =>
        Assert.Empty(Check("hi", [new MediaItem(Somewhere, MediaKind.Video)]));

    [Fact]
    public void options_are_checked()
    {
        var violations = _x.Rules.Check(new PublishRequest("k", "hi", [], new Dictionary<string, string>
        {
            ["replySettings"] = "everyone",
            ["replyTo"] = "not-an-id",
            ["firstComment"] = new string('a', 281),
        }));

        Assert.Equal(["options.replySettings", "options.replyTo", "options.firstComment"], violations.Select(v => v.Field));
        Assert.Empty(_x.Rules.Check(new PublishRequest("k", "hi", [], new Dictionary<string, string> { ["replySettings"] = "mentionedUsers", ["replyTo"] = "123" })));
    }

    private IReadOnlyList<RuleViolation> Check(string text, IReadOnlyList<MediaItem>? media = null) =>
        _x.Rules.Check(new PublishRequest("k", text, media ?? [], new Dictionary<string, string>()));

    private static MediaItem Media(MediaKind kind) => new(Somewhere, kind);
}
