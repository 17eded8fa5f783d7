namespace Nexus.Api.Platforms;

/// <summary>The social platforms Nexus publishes to. <see cref="Sandbox"/> is Nexus's own offline stand-in.</summary>
public enum PlatformId
{
    Sandbox,
    Instagram,
    Facebook,
    X,
    LinkedIn,
    TikTok,
    YouTube,
    Pinterest,
}

/// <summary>Kinds of media a post can carry.</summary>
public enum MediaKind
{
    Image,
    Video,
    Gif,
}

/// <summary>
/// A platform's publishing rules, as documented in shared/PLATFORMS.md. Preflight checks posts against them; the
/// <c>platforms</c> query shows them to clients.
/// </summary>
/// <param name="Id">The platform.</param>
/// <param name="Name">Display name.</param>
/// <param name="MaxTextLength">Longest post text (caption, commentary, description) in characters.</param>
/// <param name="MaxMedia">Most media items in one post.</param>
/// <param name="MediaKinds">Media kinds the platform accepts.</param>
/// <param name="RequiresMedia">Whether a post without media is refused.</param>
/// <param name="SupportsPkce">Whether the platform's OAuth consent flow for web apps supports PKCE.</param>
public sealed record PlatformRules(
    PlatformId Id,
    string Name,
    int MaxTextLength,
    int MaxMedia,
    IReadOnlyList<MediaKind> MediaKinds,
    bool RequiresMedia,
    bool SupportsPkce);

/// <summary>The catalogue of platforms and their rules.</summary>
public static class PlatformCatalogue
{
    private static readonly MediaKind[] ImagesAndVideos = [MediaKind.Image, MediaKind.Video];

    public static IReadOnlyList<PlatformRules> All { get; } =
    [
        // Nexus's built-in platform: generous limits so it can stand in for any real one offline.
        new(PlatformId.Sandbox, "Sandbox", 5000, 10, [MediaKind.Image, MediaKind.Video, MediaKind.Gif], RequiresMedia: false, SupportsPkce: true),
        // Caption ≤2200; carousels ≤10 children; media is required (image, reel/video, story, carousel).
        // PKCE is not documented for Instagram Login.
        new(PlatformId.Instagram, "Instagram", 2200, 10, ImagesAndVideos, RequiresMedia: true, SupportsPkce: false),
        // Page posts: Facebook's 63,206-character message limit; multi-photo posts of up to 10 photos, or one video.
        // PKCE exists only in the OIDC code flow, still "in testing".
        new(PlatformId.Facebook, "Facebook Pages", 63206, 10, ImagesAndVideos, RequiresMedia: false, SupportsPkce: false),
        // 280 weighted characters; 4 images, or 1 GIF, or 1 video; PKCE required.
        new(PlatformId.X, "X", 280, 4, [MediaKind.Image, MediaKind.Gif, MediaKind.Video], RequiresMedia: false, SupportsPkce: true),
        // Commentary ≤3000; multiImage posts of 2–20 images; PKCE for native apps only.
        new(PlatformId.LinkedIn, "LinkedIn", 3000, 20, [MediaKind.Image, MediaKind.Gif, MediaKind.Video], RequiresMedia: false, SupportsPkce: false),
        // Title ≤2200 UTF-16 units; one video, or a photo post (TikTok documents up to 35 photos);
        // code_verifier only for mobile/desktop apps.
        new(PlatformId.TikTok, "TikTok", 2200, 35, ImagesAndVideos, RequiresMedia: true, SupportsPkce: false),
        // The description (≤5000 bytes) carries the text; one video per upload; Google supports PKCE.
        new(PlatformId.YouTube, "YouTube", 5000, 1, [MediaKind.Video], RequiresMedia: true, SupportsPkce: true),
        // Pin description ≤800; one image or video per Pin (organic carousels are gone); PKCE not documented.
        new(PlatformId.Pinterest, "Pinterest", 800, 1, [MediaKind.Image, MediaKind.Gif, MediaKind.Video], RequiresMedia: true, SupportsPkce: false),
    ];

    public static PlatformRules Get(PlatformId id) => All.Single(p => p.Id == id);

    /// <summary>
    /// Whether Nexus has OAuth app credentials for the platform: <c>Nexus:Platforms:{Id}:ClientId</c> and
    /// <c>ClientSecret</c>. The sandbox needs none, but can be turned off (off by default in Production).
    /// </summary>
    public static bool IsConfigured(PlatformId id, IConfiguration configuration)
    {
        if (id == PlatformId.Sandbox)
        {
            return Sandbox.SandboxOptions.IsEnabled(configuration);
        }

        var section = configuration.GetSection($"Nexus:Platforms:{id}");
        return !string.IsNullOrWhiteSpace(section["ClientId"]) && !string.IsNullOrWhiteSpace(section["ClientSecret"]);
    }
}
