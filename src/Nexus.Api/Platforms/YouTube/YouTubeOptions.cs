namespace Nexus.Api.Platforms.YouTube;

/// <summary>
/// YouTube's (Google's) OAuth client and endpoints, bound from <c>Nexus:Platforms:YouTube</c>. The redirect URI
/// registered on the Google Cloud OAuth client is <c>{public base URL}/oauth/callback/youtube</c>.
/// </summary>
public sealed class YouTubeOptions : PlatformOptions
{
    public const string Section = "Nexus:Platforms:YouTube";

    /// <summary>
    /// Requested when <see cref="PlatformOptions.Scopes"/> is empty: uploading, reading the channel
    /// (<c>channels.list?mine=true</c> is not covered by <c>youtube.upload</c>) and YouTube Analytics.
    /// </summary>
    public static IReadOnlyList<string> DefaultScopes { get; } =
    [
        "https://www.googleapis.com/auth/youtube.upload",
        "https://www.googleapis.com/auth/youtube.readonly",
        "https://www.googleapis.com/auth/yt-analytics.readonly",
    ];

    /// <summary>Google's consent page.</summary>
    public string AuthorizeUrl { get; set; } = "https://accounts.google.com/o/oauth2/v2/auth";

    /// <summary>Google's token host; the token endpoint is <c>/token</c>.</summary>
    public string TokenBaseUrl { get; set; } = "https://oauth2.googleapis.com";

    /// <summary>Google's revocation endpoint.</summary>
    public string RevokeUrl { get; set; } = "https://oauth2.googleapis.com/revoke";

    /// <summary>The API host: <c>/youtube/v3/…</c>, uploads under <c>/upload/youtube/v3/videos</c>.</summary>
    public string ApiBaseUrl { get; set; } = "https://www.googleapis.com";

    /// <summary>The WebSub hub Nexus subscribes channels' upload feeds at (push notifications of uploads).</summary>
    public string WebSubHubUrl { get; set; } = "https://pubsubhubbub.appspot.com/subscribe";

    /// <summary>The lease Nexus asks the hub for; the hub may grant another, and Nexus renews before the granted one ends.</summary>
    public TimeSpan WebSubLease { get; set; } = TimeSpan.FromDays(5);

    /// <summary>Bytes per upload request; rounded down to a multiple of 256 KiB as Google requires (at least 256 KiB).</summary>
    public int UploadChunkSize { get; set; } = 8 * 1024 * 1024;

    /// <summary>How many times in a row an interrupted upload is resumed before giving up.</summary>
    public int MaxResumeAttempts { get; set; } = 5;

    /// <summary>Wait before the first resume; doubled on each further attempt.</summary>
    public TimeSpan ResumeDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Timeout of one media download or one upload request (they move far more bytes than API calls).</summary>
    public TimeSpan TransferAttemptTimeout { get; set; } = TimeSpan.FromMinutes(10);

    internal IReadOnlyList<string> EffectiveScopes => Scopes.Count > 0 ? Scopes : DefaultScopes;

    internal int ChunkSize => Math.Max(1, UploadChunkSize / (256 * 1024)) * 256 * 1024;

    internal Uri Api(string pathAndQuery) => Combine(ApiBaseUrl, pathAndQuery);

    internal Uri Token(string pathAndQuery) => Combine(TokenBaseUrl, pathAndQuery);

    private static Uri Combine(string baseUrl, string pathAndQuery) => new(new Uri(baseUrl.TrimEnd('/') + "/"), pathAndQuery.TrimStart('/'));
}
