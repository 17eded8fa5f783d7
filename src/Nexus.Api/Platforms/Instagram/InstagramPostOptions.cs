namespace Nexus.Api.Platforms.Instagram;

/// <summary>
/// The options Instagram reads (<c>options.instagram</c>).
/// <list type="bullet">
/// <item><c>format</c>: <c>feed</c> (default: one image is an image post, one video a reel shared to the feed, several
/// items a carousel), <c>reel</c>, <c>story</c> or <c>carousel</c>.</item>
/// <item><c>shareToFeed</c>: <c>true</c>/<c>false</c>, reels only: whether the reel also shows in the feed.</item>
/// <item><c>coverUrl</c>: reels only, a public JPEG URL for the cover.</item>
/// <item><c>thumbOffset</c>: reels only, the cover frame's offset in milliseconds.</item>
/// <item><c>firstComment</c>: a comment Nexus posts on the new media right after publishing (not on stories).</item>
/// </list>
/// </summary>
public static class InstagramPostOptions
{
    public static readonly PlatformOptionSchema Schema = new(PlatformId.Instagram, "instagram", "InstagramOptionsInput", "Instagram: format and reel settings, first comment.");
    public static readonly StringOption Format = Schema.String("format", "feed (default), reel, story or carousel.");
    public static readonly BooleanOption ShareToFeed = Schema.Boolean("shareToFeed", "Reels: also show in the feed.");
    public static readonly StringOption CoverUrl = Schema.String("coverUrl", "Reels: a public JPEG URL for the cover.");
    public static readonly IntOption ThumbOffset = Schema.Int("thumbOffset", "Reels: the cover frame's offset in milliseconds.");
    public static readonly StringOption FirstComment = Schema.String("firstComment", "A comment posted right after publishing (not on stories).");

    /// <summary>The format a post asks for, or null when <c>format</c> names none Instagram has.</summary>
    public static InstagramFormat? FormatOf(PublishRequest post) =>
        Format.Text(post) is { } value
            ? value.ToLowerInvariant() switch
            {
                "feed" => Feed(post),
                "reel" or "reels" => InstagramFormat.Reel,
                "story" or "stories" => InstagramFormat.Story,
                "carousel" => InstagramFormat.Carousel,
                _ => null,
            }
            : Feed(post);

    private static InstagramFormat Feed(PublishRequest post) => post.Media.Count switch
    {
        > 1 => InstagramFormat.Carousel,
        1 when post.Media[0].Kind == MediaKind.Video => InstagramFormat.Reel,
        _ => InstagramFormat.Image,
    };
}
