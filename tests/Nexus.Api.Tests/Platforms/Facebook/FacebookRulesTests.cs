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
}
