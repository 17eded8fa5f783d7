using Nexus.Api.Platforms;
using Nexus.Api.Platforms.YouTube;

namespace Nexus.Api.Tests.Platforms.YouTube;

public sealed class YouTubeRulesTests
{
    private static readonly YouTubeRules Rules = new();
    private static readonly MediaItem Video = new(new Uri("https://media.example/v.mp4"), MediaKind.Video);

    private static IReadOnlyList<RuleViolation> Check(string text, MediaItem[]? media = null, Dictionary<string, string>? options = null) =>
        Rules.Check(new PublishRequest("k", text, media ?? [Video], options ?? []));

    [Fact]
    public void a_video_with_a_title_passes() => Assert.Empty(Check("Description", options: new() { [YouTubePostOptions.Title] = "Title" }));

    [Fact]
    public void exactly_one_video_is_required()
    {
        Assert.Equal("media", Assert.Single(Check("t", [])).Field);
        Assert.Equal("media", Assert.Single(Check("t", [Video, Video])).Field);
        Assert.Equal("media", Assert.Single(Check("t", [new MediaItem(Video.Url, MediaKind.Image)])).Field);
    }

    [Fact]
    public void the_description_limit_is_5000_utf8_bytes()
    {
        // "é" is two bytes: 2500 of them are at the limit, one more byte is over.
        Assert.Empty(Check("T\n" + new string('é', 2499)));
        Assert.Equal("text", Assert.Single(Check("T\n" + new string('é', 2499) + "ab")).Field);
    }

    [Fact]
    public void angle_brackets_are_refused_in_the_description_and_title()
    {
        Assert.Equal("text", Assert.Single(Check("Title\n<b>bold</b>")).Field);
        Assert.Equal("options.title", Assert.Single(Check("text", options: new() { [YouTubePostOptions.Title] = "a > b" })).Field);
    }

    [Fact]
    public void a_title_option_is_at_most_100_characters()
    {
        Assert.Empty(Check("text", options: new() { [YouTubePostOptions.Title] = new string('t', 100) }));
        Assert.Equal("options.title", Assert.Single(Check("text", options: new() { [YouTubePostOptions.Title] = new string('t', 101) })).Field);
    }

    [Fact]
    public void a_title_taken_from_the_text_is_cut_to_fit()
    {
        var post = new PublishRequest("k", new string('a', 99) + "😀 and more\nsecond line", [Video], new Dictionary<string, string>());

        Assert.Empty(Rules.Check(post));
        Assert.Equal(new string('a', 99), YouTubePublisher.TitleOf(post));
    }

    [Fact]
    public void without_title_or_text_there_is_no_title() => Assert.Equal("options.title", Assert.Single(Check("  \n ")).Field);

    [Fact]
    public void tags_are_at_most_500_characters_counted_as_youtube_does()
    {
        // 50 tags of 9 characters + 49 commas = 499.
        var tags = string.Join(',', Enumerable.Range(0, 50).Select(i => $"tag{i:000000}"));
        Assert.Empty(Check("t", options: new() { [YouTubePostOptions.Tags] = tags }));
        // A space makes a tag count its quotes: 499 + 2.
        Assert.Equal("options.tags", Assert.Single(Check("t", options: new() { [YouTubePostOptions.Tags] = "tag 00000," + tags[10..] })).Field);
    }

    [Fact]
    public void options_are_validated()
    {
        var violations = Check("t", options: new()
        {
            [YouTubePostOptions.PrivacyStatus] = "friends",
            [YouTubePostOptions.CategoryId] = "music",
            [YouTubePostOptions.NotifySubscribers] = "no",
            [YouTubePostOptions.MadeForKids] = "1",
        });

        Assert.Equal(["options.privacyStatus", "options.categoryId", "options.notifySubscribers", "options.madeForKids"], violations.Select(v => v.Field));
    }
}
