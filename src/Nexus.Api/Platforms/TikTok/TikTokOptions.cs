namespace Nexus.Api.Platforms.TikTok;

/// <summary>
/// TikTok's app credentials, endpoints and publishing knobs, bound from <c>Nexus:Platforms:TikTok</c>.
/// <see cref="PlatformOptions.ClientId"/> is TikTok's <c>client_key</c>. The redirect URI registered in the developer
/// portal is <c>{public base URL}/oauth/callback/tiktok</c>.
/// </summary>
public sealed class TikTokOptions : PlatformOptions
{
    public const string Section = "Nexus:Platforms:TikTok";

    /// <summary>
    /// Requested when <see cref="PlatformOptions.Scopes"/> is empty: direct posting, drafts, the profile, its stats and
    /// its videos. Each one must be approved for the app in the TikTok developer portal. Add <c>user.info.profile</c>
    /// to also read the creator's @username (used to build post URLs).
    /// </summary>
    public static IReadOnlyList<string> DefaultScopes { get; } = ["user.info.basic", "video.publish", "video.upload", "user.info.stats", "video.list"];

    /// <summary>The consent page.</summary>
    public string AuthorizeUrl { get; set; } = "https://www.tiktok.com/v2/auth/authorize/";

    /// <summary>The Open API host: <c>/v2/oauth/token/</c>, <c>/v2/oauth/revoke/</c>, <c>/v2/user/info/</c>, <c>/v2/post/publish/…</c>.</summary>
    public string ApiBaseUrl { get; set; } = "https://open.tiktokapis.com";

    /// <summary>Pause between two <c>status/fetch</c> calls (TikTok allows 30 a minute per token).</summary>
    public TimeSpan StatusPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many status checks before giving up on a publish that has not completed (outcome unknown).</summary>
    public int MaxStatusPolls { get; set; } = 60;

    /// <summary>FILE_UPLOAD chunk size in bytes; TikTok accepts 5 MB to 64 MB (the last chunk may reach 128 MB).</summary>
    public long ChunkSize { get; set; } = 10 * 1024 * 1024;

    /// <summary>Timeout of one media download or one chunk upload attempt (they move far more bytes than API calls).</summary>
    public TimeSpan TransferAttemptTimeout { get; set; } = TimeSpan.FromMinutes(10);

    internal IReadOnlyList<string> EffectiveScopes => Scopes.Count > 0 ? Scopes : DefaultScopes;

    internal Uri Api(string pathAndQuery) => new(new Uri(ApiBaseUrl.TrimEnd('/') + "/"), pathAndQuery.TrimStart('/'));
}
