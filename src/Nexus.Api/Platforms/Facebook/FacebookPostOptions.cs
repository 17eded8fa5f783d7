namespace Nexus.Api.Platforms.Facebook;

/// <summary>
/// The options Facebook reads (<c>options.facebook</c>).
/// <list type="bullet">
/// <item><c>format</c>: <c>feed</c> (default) or <c>reel</c>.</item>
/// <item><c>link</c>: a URL shared with a text post (Facebook shows its preview); not with media.</item>
/// <item><c>title</c>: a video's title (feed videos only).</item>
/// </list>
/// </summary>
public static class FacebookPostOptions
{
    public static readonly PlatformOptionSchema Schema = new(PlatformId.Facebook, "facebook", "FacebookOptionsInput", "Facebook Pages: format, link, video title.");
    public static readonly StringOption Format = Schema.String("format", "feed (default) or reel.");
    public static readonly StringOption Link = Schema.String("link", "A URL shared with a text post.");
    public static readonly StringOption Title = Schema.String("title", "A video's title.");

    /// <summary>The format a post asks for, or null when <c>format</c> names none Facebook has here.</summary>
    public static FacebookFormat? FormatOf(PublishRequest post) =>
        Format.Text(post) is { } value
            ? value.ToLowerInvariant() switch
            {
                "feed" => FacebookFormat.Feed,
                "reel" or "reels" => FacebookFormat.Reel,
                _ => null,
            }
            : FacebookFormat.Feed;
}
