namespace Nexus.Api.Platforms.LinkedIn;

/// <summary>
/// LinkedIn settings, bound from <c>Nexus:Platforms:LinkedIn</c>. The app needs the "Sign In with LinkedIn using
/// OpenID Connect" and "Share on LinkedIn" products; posting as an organization needs the Community Management
/// API (reviewed by LinkedIn) and <see cref="Organizations"/>. Its callback is <c>{public base}/oauth/callback/linkedin</c>.
/// </summary>
public sealed class LinkedInOptions : PlatformOptions
{
    public const string Section = "Nexus:Platforms:LinkedIn";

    /// <summary>Member posting: the OIDC profile (<c>sub</c> is the person URN's id) and <c>w_member_social</c>.</summary>
    public static IReadOnlyList<string> MemberScopes { get; } = ["openid", "profile", "email", "w_member_social"];

    /// <summary>
    /// Added with <see cref="Organizations"/>: posting as an organization (<c>w_organization_social</c>), reading its
    /// posts and their statistics (<c>r_organization_social</c>), finding the organizations a member administers
    /// (<c>rw_organization_admin</c>), and the member's own post analytics and follower count
    /// (<c>r_member_postAnalytics</c>, <c>r_member_profileAnalytics</c>), which LinkedIn grants with the same
    /// Community Management API product: without it a member's metrics are refused and recorded as such.
    /// </summary>
    public static IReadOnlyList<string> OrganizationScopes { get; } =
        ["w_organization_social", "r_organization_social", "rw_organization_admin", "r_member_postAnalytics", "r_member_profileAnalytics"];

    /// <summary>The consent page.</summary>
    public string AuthorizeUrl { get; set; } = "https://www.linkedin.com/oauth/v2/authorization";

    /// <summary>Host of the token and revoke endpoints (<c>/oauth/v2/accessToken</c>, <c>/oauth/v2/revoke</c>).</summary>
    public string OAuthBaseUrl { get; set; } = "https://www.linkedin.com";

    /// <summary>Host of <c>/v2/userinfo</c> and the versioned <c>/rest</c> APIs.</summary>
    public string ApiBaseUrl { get; set; } = "https://api.linkedin.com";

    /// <summary>The <c>LinkedIn-Version</c> (YYYYMM) sent on every <c>/rest</c> call. LinkedIn sunsets versions on a
    /// rolling basis (about a year after release), so move this forward as they retire.</summary>
    public string ApiVersion { get; set; } = "202510";

    /// <summary>
    /// Whether to ask for the organization scopes and offer the organizations the member administers as accounts.
    /// Needs the Community Management API product; without it LinkedIn refuses the consent request.
    /// </summary>
    public bool Organizations { get; set; }

    internal IReadOnlyList<string> EffectiveScopes =>
        Scopes.Count > 0 ? Scopes : Organizations ? [.. MemberScopes, .. OrganizationScopes] : MemberScopes;

    internal Uri OAuth(string path) => new(OAuthBaseUrl.TrimEnd('/') + path);

    internal Uri Api(string pathAndQuery) => new(ApiBaseUrl.TrimEnd('/') + pathAndQuery);

    internal string RequireClientId() =>
        string.IsNullOrWhiteSpace(ClientId) ? throw new InvalidOperationException($"{Section}:ClientId is not configured.") : ClientId;

    internal string RequireClientSecret() =>
        string.IsNullOrWhiteSpace(ClientSecret) ? throw new InvalidOperationException($"{Section}:ClientSecret is not configured.") : ClientSecret;
}
