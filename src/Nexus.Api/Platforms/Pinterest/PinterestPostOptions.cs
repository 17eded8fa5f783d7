namespace Nexus.Api.Platforms.Pinterest;

/// <summary>The options Pinterest reads (<c>options.pinterest</c>); <see cref="PinterestPublisher"/> says what each does.</summary>
public static class PinterestPostOptions
{
    public static readonly PlatformOptionSchema Schema = new(PlatformId.Pinterest, "pinterest", "PinterestOptionsInput", "Pinterest: board (required), link, title, alt text, cover.");
    public static readonly StringOption BoardId = Schema.String("boardId", "The board to pin to.");
    public static readonly StringOption BoardSectionId = Schema.String("boardSectionId", "A section of that board.");
    public static readonly StringOption Title = Schema.String("title", "The pin's title.");
    public static readonly StringOption Link = Schema.String("link", "Where the pin links to.");
    public static readonly StringOption AltText = Schema.String("altText", "Alternative text.");
    public static readonly StringOption CoverImageUrl = Schema.String("coverImageUrl", "Videos: a cover image URL.");
    public static readonly IntOption CoverImageKeyFrameTime = Schema.Int("coverImageKeyFrameTime", "Videos: the cover frame's time in seconds.");
}
