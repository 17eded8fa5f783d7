namespace Nexus.Api.Platforms.Facebook;

/// <summary>Facebook Pages' settings, bound from <c>Nexus:Platforms:Facebook</c> (Facebook Login, Graph API).</summary>
public sealed class FacebookOptions : PlatformOptions
{
    /// <summary>The scopes requested when <see cref="PlatformOptions.Scopes"/> is not configured.</summary>
    public static readonly IReadOnlyList<string> DefaultScopes =
    [
        // GET /me/accounts: the Pages the user manages, with their tokens.
        "pages_show_list",
        "pages_read_engagement",
        "pages_manage_posts",
        "publish_video",
        // Subscribing the Page to webhooks (feed).
        "pages_manage_metadata",
        // Post insights (views, reach, clicks): FacebookMetrics.
        "read_insights",
    ];

    /// <summary>Graph API version in paths, e.g. <c>v24.0</c>.</summary>
    public string ApiVersion { get; set; } = "v24.0";

    /// <summary>facebook.com: the consent dialog (<c>/{version}/dialog/oauth</c>) and public links to posts.</summary>
    public Uri WebBaseUrl { get; set; } = new("https://www.facebook.com");

    /// <summary>The Graph API host, for every call including video uploads (the graph-video host is deprecated).</summary>
    public Uri GraphBaseUrl { get; set; } = new("https://graph.facebook.com");

    /// <summary>Host reels are uploaded to: <c>/video-upload/{version}/{video-id}</c>.</summary>
    public Uri RuploadBaseUrl { get; set; } = new("https://rupload.facebook.com");

    /// <summary>Per-attempt timeout of the calls that move video: downloading it from its URL, uploading it, reels' uploads.</summary>
    public TimeSpan UploadTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Most pages of <c>/me/accounts</c> read (100 Pages each).</summary>
    public int MaxAccountPages { get; set; } = 10;
}
