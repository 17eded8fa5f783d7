namespace Nexus.Api.Platforms.YouTube;

/// <summary>The options YouTube reads (<c>options.youtube</c>); <see cref="YouTubePublisher"/> says what each does.</summary>
public static class YouTubePostOptions
{
    public static readonly PlatformOptionSchema Schema = new(PlatformId.YouTube, "youtube", "YouTubeOptionsInput", "YouTube: title, privacy, category, tags, audience.");
    public static readonly StringOption Title = Schema.String("title", "The video's title (else the text's first line).");
    public static readonly StringOption PrivacyStatus = Schema.String("privacyStatus", "public, unlisted or private.");
    public static readonly StringOption CategoryId = Schema.String("categoryId", "A YouTube category id (digits).");
    public static readonly StringListOption Tags = Schema.StringList("tags", "Tags.");
    public static readonly BooleanOption MadeForKids = Schema.Boolean("madeForKids", "Whether the video is made for kids.");
    public static readonly BooleanOption NotifySubscribers = Schema.Boolean("notifySubscribers", "Notify subscribers.");
}
