namespace Nexus.Api.Platforms.X;

/// <summary>
/// X (Twitter) API v2 settings, bound from <c>Nexus:Platforms:X</c>. The app is a confidential OAuth 2.0 client
/// (<see cref="PlatformOptions.ClientId"/> and <see cref="PlatformOptions.ClientSecret"/> from the X developer
/// console); its callback is <c>{public base}/oauth/callback/x</c>. X bills the API pay-per-usage.
/// </summary>
public sealed class XOptions : PlatformOptions
{
    public const string Section = "Nexus:Platforms:X";

    /// <summary>The scopes Nexus asks for when <see cref="PlatformOptions.Scopes"/> is empty: posting, the profile,
    /// media upload and a refresh token (<c>offline.access</c>).</summary>
    public static IReadOnlyList<string> DefaultScopes { get; } = ["tweet.read", "tweet.write", "users.read", "offline.access", "media.write"];

    /// <summary>The consent page.</summary>
    public string AuthorizeUrl { get; set; } = "https://x.com/i/oauth2/authorize";

    /// <summary>The API host: token, revoke, users, media upload and posts endpoints live under it.</summary>
    public string ApiBaseUrl { get; set; } = "https://api.x.com";

    /// <summary>Bytes per media <c>append</c> segment.</summary>
    public int MediaSegmentBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Most <c>STATUS</c> checks while X processes an upload before publishing gives up.</summary>
    public int MaxStatusPolls { get; set; } = 60;

    /// <summary>Wait between <c>STATUS</c> checks when X does not say (<c>check_after_secs</c>).</summary>
    public TimeSpan StatusPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait between <c>STATUS</c> checks, whatever <c>check_after_secs</c> says.</summary>
    public TimeSpan MaxStatusPollInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Longest video X accepts (PLATFORMS.md: 20 min; premium accounts up to 125 min).</summary>
    public TimeSpan MaxVideoDuration { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>Largest video X accepts (PLATFORMS.md: 8 GB; premium accounts up to 16 GB).</summary>
    public long MaxVideoBytes { get; set; } = 8L * 1024 * 1024 * 1024;

    internal IReadOnlyList<string> EffectiveScopes => Scopes.Count > 0 ? Scopes : DefaultScopes;

    internal Uri Api(string pathAndQuery) => new(ApiBaseUrl.TrimEnd('/') + pathAndQuery);

    internal string RequireClientId() =>
        string.IsNullOrWhiteSpace(ClientId) ? throw new InvalidOperationException($"{Section}:ClientId is not configured.") : ClientId;
}
