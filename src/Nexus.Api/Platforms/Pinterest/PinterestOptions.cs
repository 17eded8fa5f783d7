namespace Nexus.Api.Platforms.Pinterest;

/// <summary>
/// Pinterest's app credentials and endpoints, bound from <c>Nexus:Platforms:Pinterest</c>. The redirect URI
/// registered for the app is <c>{public base URL}/oauth/callback/pinterest</c>.
/// </summary>
public sealed class PinterestOptions : PlatformOptions
{
    public const string Section = "Nexus:Platforms:Pinterest";

    /// <summary>Requested when <see cref="PlatformOptions.Scopes"/> is empty: boards, Pins and the user account.</summary>
    public static IReadOnlyList<string> DefaultScopes { get; } = ["boards:read", "boards:write", "pins:read", "pins:write", "user_accounts:read"];

    /// <summary>The consent page.</summary>
    public string AuthorizeUrl { get; set; } = "https://www.pinterest.com/oauth/";

    /// <summary>The API host (<c>/v5/…</c>); tokens are always minted here.</summary>
    public string ApiBaseUrl { get; set; } = "https://api.pinterest.com";

    /// <summary>Pinterest's sandbox host, where Pins and media go while <see cref="UseSandbox"/> is on.</summary>
    public string SandboxApiBaseUrl { get; set; } = "https://api-sandbox.pinterest.com";

    /// <summary>Send content calls (user account, boards, media, Pins) to the sandbox host instead of production.</summary>
    public bool UseSandbox { get; set; }

    /// <summary>Pause between two checks of an uploaded video's processing status.</summary>
    public TimeSpan MediaPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How many checks before giving up on a video Pinterest has not finished processing.</summary>
    public int MaxMediaPolls { get; set; } = 90;

    /// <summary>Timeout of one media download or upload (they move far more bytes than API calls).</summary>
    public TimeSpan TransferAttemptTimeout { get; set; } = TimeSpan.FromMinutes(10);

    internal IReadOnlyList<string> EffectiveScopes => Scopes.Count > 0 ? Scopes : DefaultScopes;

    /// <summary>The OAuth token endpoint's host: production even in sandbox mode.</summary>
    internal Uri OAuth(string pathAndQuery) => Combine(ApiBaseUrl, pathAndQuery);

    internal Uri Api(string pathAndQuery) => Combine(UseSandbox ? SandboxApiBaseUrl : ApiBaseUrl, pathAndQuery);

    private static Uri Combine(string baseUrl, string pathAndQuery) => new(new Uri(baseUrl.TrimEnd('/') + "/"), pathAndQuery.TrimStart('/'));
}
