namespace Nexus.Api.Platforms.Instagram;

/// <summary>
/// Instagram's settings, bound from <c>Nexus:Platforms:Instagram</c>. Nexus uses the Instagram API with
/// <b>Instagram Login</b> (Business Login for Instagram): the user signs in with the Instagram professional account
/// itself, tokens come from api.instagram.com / graph.instagram.com, and no Facebook Page is needed.
/// The other route, Instagram with Facebook Login, signs in through a Facebook user who manages the Page linked to the
/// account (scopes <c>instagram_basic</c>, <c>instagram_content_publish</c>, <c>pages_read_engagement</c>, host
/// graph.facebook.com, long-lived token by <c>fb_exchange_token</c>); its publishing calls are the same, on the other
/// host. Only the Instagram Login route is implemented, as shared/PLATFORMS.md documents it in detail.
/// </summary>
public sealed class InstagramOptions : PlatformOptions
{
    /// <summary>The scopes requested when <see cref="PlatformOptions.Scopes"/> is not configured.</summary>
    public static readonly IReadOnlyList<string> DefaultScopes =
    [
        "instagram_business_basic",
        "instagram_business_content_publish",
        // First comments and the comments/mentions webhooks.
        "instagram_business_manage_comments",
        // Media and account metrics.
        "instagram_business_manage_insights",
    ];

    /// <summary>Graph API version in paths, e.g. <c>v24.0</c>.</summary>
    public string ApiVersion { get; set; } = "v24.0";

    /// <summary>Instagram Login's consent screen (the reference also shows <c>https://api.instagram.com/oauth/authorize</c>).</summary>
    public Uri AuthorizeUrl { get; set; } = new("https://www.instagram.com/oauth/authorize");

    /// <summary>Host of the code exchange <c>POST /oauth/access_token</c>.</summary>
    public Uri TokenBaseUrl { get; set; } = new("https://api.instagram.com");

    /// <summary>Host of the long-lived token endpoints and of every Graph call under Instagram Login.</summary>
    public Uri GraphBaseUrl { get; set; } = new("https://graph.instagram.com");

    /// <summary>
    /// How long a long-lived token lives (60 days). Nexus does not keep when a token was issued, so its age is
    /// estimated as this lifetime minus what is left of it.
    /// </summary>
    public TimeSpan LongLivedTokenLifetime { get; set; } = TimeSpan.FromDays(60);

    /// <summary>
    /// The youngest token <c>ig_refresh_token</c> accepts. Meta says 24 hours; the default adds an hour because the
    /// age is estimated (<see cref="LongLivedTokenLifetime"/>), and Meta's 60 days are a few seconds short.
    /// </summary>
    public TimeSpan MinimumTokenAgeForRefresh { get; set; } = TimeSpan.FromHours(25);

    /// <summary>Pause between checks of a media container's <c>status_code</c>.</summary>
    public TimeSpan StatusPollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Most checks of one container before giving up (with the default interval, five minutes: Meta suggests
    /// checking about once a minute for at most five minutes).
    /// </summary>
    public int MaxStatusChecks { get; set; } = 30;
}
