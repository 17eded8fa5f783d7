namespace Nexus.Api.Platforms.TikTok;

/// <summary>The options TikTok reads (<c>options.tiktok</c>); <see cref="TikTokPublisher"/> says what each does.</summary>
public static class TikTokPostOptions
{
    public static readonly PlatformOptionSchema Schema = new(PlatformId.TikTok, "tiktok", "TikTokOptionsInput", "TikTok: privacy and interaction settings, as the creator's info allows.");
    public static readonly StringOption PrivacyLevel = Schema.String("privacyLevel", "One of the creator's privacy_level_options (e.g. PUBLIC_TO_EVERYONE, SELF_ONLY); required.");
    public static readonly BooleanOption DisableComment = Schema.Boolean("disableComment", "Turn comments off.");
    public static readonly BooleanOption DisableDuet = Schema.Boolean("disableDuet", "Turn duets off.");
    public static readonly BooleanOption DisableStitch = Schema.Boolean("disableStitch", "Turn stitches off.");
    public static readonly StringOption PostMode = Schema.String("postMode",
        "DIRECT_POST (default: publish) or MEDIA_UPLOAD (a draft in the creator's TikTok inbox, finished in TikTok's editor).");
    public static readonly StringOption Source = Schema.String("source",
        "Videos: PULL_FROM_URL (default; TikTok fetches the URL, whose domain must be verified in the TikTok portal) or FILE_UPLOAD (Nexus uploads the file).");
    public static readonly StringOption Title = Schema.String("title", "Photo posts: the title.");
    public static readonly IntOption VideoCoverTimestampMs = Schema.Int("videoCoverTimestampMs", "Videos: the cover frame in milliseconds.");
    public static readonly IntOption PhotoCoverIndex = Schema.Int("photoCoverIndex", "Photo posts: which photo is the cover.");
    public static readonly BooleanOption AutoAddMusic = Schema.Boolean("autoAddMusic", "Photo posts: add music automatically.");
}
