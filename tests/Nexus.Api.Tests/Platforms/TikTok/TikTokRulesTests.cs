using Nexus.Api.Platforms;
using Nexus.Api.Platforms.TikTok;

namespace Nexus.Api.Tests.Platforms.TikTok;

public sealed class TikTokRulesTests
{
    private static readonly TikTokRules Rules = new();
    private static readonly Uri Url = new("https://media.example/x");
    private static readonly Dictionary<string, string> Public = new() { [TikTokPostOptions.PrivacyLevel] = "PUBLIC_TO_EVERYONE" };

    private static IReadOnlyList<RuleViolation> Check(string text, MediaItem[] media, Dictionary<string, string>? options = null) =>
        Rules.Check(new PublishRequest("k", text, media, options ?? Public));

    private static MediaItem Video(long? size = null, int? width = null, int? height = null, TimeSpan? duration = null, string? mime = null) =>
        new(Url, MediaKind.Video, size, width, height, duration, mime);

    private static MediaItem Photo(long? size = null, string? mime = null) => new(Url, MediaKind.Image, size, MimeType: mime);

    [Fact]
    public void a_video_within_every_limit_passes() =>
        Assert.Empty(Check(new string('a', 2200), [Video(4L * 1024 * 1024 * 1024, 1080, 1920, TimeSpan.FromMinutes(10), "video/quicktime")]));

    [Fact]
    public void a_video_with_no_measurements_passes_because_only_known_measurements_are_checked() =>
        Assert.Empty(Check("hi", [Video()]));

    [Fact]
    public void the_title_counts_utf16_units()
    {
        // 1100 emoji are 2200 UTF-16 units: at the limit. One more unit is over.
        Assert.Empty(Check(string.Concat(Enumerable.Repeat("😀", 1100)), [Video()]));
        Assert.Equal("text", Assert.Single(Check(string.Concat(Enumerable.Repeat("😀", 1100)) + "a", [Video()])).Field);
    }

    [Fact]
    public void media_is_required() => Assert.Equal("media", Assert.Single(Check("hi", [])).Field);

    [Fact]
    public void a_video_cannot_share_a_post()
    {
        Assert.Equal("media", Assert.Single(Check("hi", [Video(), Photo()])).Field);
        Assert.Equal("media", Assert.Single(Check("hi", [Video(), Video()])).Field);
    }

    [Fact]
    public void a_photo_post_takes_up_to_35_photos()
    {
        Assert.Empty(Check("hi", [.. Enumerable.Repeat(Photo(), 35)]));
        Assert.Equal("media", Assert.Single(Check("hi", [.. Enumerable.Repeat(Photo(), 36)])).Field);
    }

    [Fact]
    public void video_limits_name_the_offending_item()
    {
        var violations = Check("hi", [Video(4L * 1024 * 1024 * 1024 + 1, 320, 5000, TimeSpan.FromMinutes(10.5), "video/x-msvideo")]);

        Assert.Equal(5, violations.Count);
        Assert.All(violations, v => Assert.Equal("media[0]", v.Field));
    }

    [Fact]
    public void photos_are_jpg_or_webp_up_to_20_mb_and_gifs_are_refused()
    {
        var violations = Check("hi", [Photo(20L * 1024 * 1024, "image/webp"), Photo(mime: "image/png"), Photo(20L * 1024 * 1024 + 1), new MediaItem(Url, MediaKind.Gif)]);

        Assert.Equal(["media[1]", "media[2]", "media[3]"], violations.Select(v => v.Field));
    }

    [Fact]
    public void direct_posts_need_an_explicit_privacy_level_and_drafts_do_not()
    {
        Assert.Equal("options.privacyLevel", Assert.Single(Check("hi", [Video()], [])).Field);
        Assert.Equal("options.privacyLevel", Assert.Single(Check("hi", [Video()], new() { [TikTokPostOptions.PrivacyLevel] = "EVERYONE" })).Field);
        Assert.Empty(Check("hi", [Video()], new() { [TikTokPostOptions.PostMode] = TikTokPublisher.MediaUpload }));
    }

    [Fact]
    public void options_are_validated()
    {
        var violations = Check("hi", [Photo(), Photo()], new()
        {
            [TikTokPostOptions.PrivacyLevel] = "SELF_ONLY",
            [TikTokPostOptions.DisableComment] = "yes",
            [TikTokPostOptions.Source] = TikTokPublisher.FileUpload,
            [TikTokPostOptions.PhotoCoverIndex] = "2",
            [TikTokPostOptions.Title] = new string('t', 91),
            [TikTokPostOptions.PostMode] = "LATER",
        });

        Assert.Equal(
            ["options.postMode", "options.disableComment", "options.source", "options.photoCoverIndex", "options.title"],
            violations.Select(v => v.Field));
    }
}
