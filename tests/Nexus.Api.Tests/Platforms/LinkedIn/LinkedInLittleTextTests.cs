using Nexus.Api.Platforms.LinkedIn;

namespace Nexus.Api.Tests.Platforms.LinkedIn;

public sealed class LinkedInLittleTextTests
{
    [Theory]
    [InlineData("plain text, nothing reserved.", "plain text, nothing reserved.")]
    [InlineData(@"\ | { } @ [ ] ( ) < > * _ ~", @"\\ \| \{ \} \@ \[ \] \( \) \< \> \* \_ \~")]
    [InlineData("Email me@example.com (today)", @"Email me\@example.com \(today\)")]
    [InlineData("snake_case and *stars*", @"snake\_case and \*stars\*")]
    public void reserved_characters_are_escaped_with_a_backslash(string text, string expected) =>
        Assert.Equal(expected, LinkedInLittleText.Escape(text));

    [Theory]
    [InlineData("#launch", @"{hashtag|\#|launch}")]
    [InlineData("Big day! #Nexus #social_media.", @"Big day! {hashtag|\#|Nexus} {hashtag|\#|social\_media}.")]
    [InlineData("Ça marche #économie", @"Ça marche {hashtag|\#|économie}")]
    public void hashtags_become_hashtag_templates(string text, string expected) =>
        Assert.Equal(expected, LinkedInLittleText.Escape(text));

    [Theory]
    [InlineData("We're #1", @"We're \#1")]
    [InlineData("C# and F#", @"C\# and F\#")]
    [InlineData("a # alone", @"a \# alone")]
    [InlineData("##double", @"\#\#double")]
    public void a_hash_that_does_not_start_a_hashtag_is_escaped(string text, string expected) =>
        Assert.Equal(expected, LinkedInLittleText.Escape(text));

    [Fact]
    public void emoji_and_other_scripts_pass_through() => Assert.Equal("日本語 🚀", LinkedInLittleText.Escape("日本語 🚀"));
}
