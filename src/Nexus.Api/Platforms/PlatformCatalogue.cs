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
    Audio,
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

/// <summary>The catalogue of platforms and their rules, in <see cref="PlatformId"/> order.</summary>
public static class PlatformCatalogue
{
    /// <summary>Every platform's entry, as its descriptor declares it.</summary>
    public static IReadOnlyList<PlatformRules> All { get; } = [.. PlatformDescriptors.All.Select(d => d.Catalogue)];

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
