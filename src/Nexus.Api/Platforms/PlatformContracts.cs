namespace Nexus.Api.Platforms;

/// <summary>
/// The tokens a platform granted. Held only in memory and in the token vault: never in events, logs or GraphQL.
/// </summary>
/// <param name="AccessToken">The bearer credential for API calls.</param>
/// <param name="RefreshToken">Present when the platform issues one; replaced on every refresh where it rotates.</param>
/// <param name="ExpiresAt">When <paramref name="AccessToken"/> stops working; null when the platform does not say.</param>
/// <param name="RefreshExpiresAt">When <paramref name="RefreshToken"/> stops working; null when unknown or never.</param>
/// <param name="Scopes">The scopes actually granted (users can untick some on consent screens).</param>
public sealed record OAuthTokens(
    string AccessToken,
    string? RefreshToken,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? RefreshExpiresAt,
    IReadOnlyList<string> Scopes)
{
    // Tokens must not reach a log line through the record's generated ToString.
    public override string ToString() => $"OAuthTokens {{ ExpiresAt = {ExpiresAt:O}, Scopes = {string.Join(' ', Scopes)} }}";
}

/// <summary>What kind of thing a connected account is on its platform.</summary>
public enum AccountKind
{
    /// <summary>A person's own profile (X user, LinkedIn member, TikTok creator).</summary>
    Person,

    /// <summary>A Facebook Page.</summary>
    Page,

    /// <summary>An Instagram professional (business or creator) account.</summary>
    BusinessAccount,

    /// <summary>A LinkedIn organization.</summary>
    Organization,

    /// <summary>A YouTube channel.</summary>
    Channel,
}

/// <summary>
/// One account a grant covers. A single consent can cover several (a Facebook user's Pages, the Instagram
/// accounts behind them, the LinkedIn organizations a member administers); the user chooses which to connect.
/// </summary>
/// <param name="ExternalId">The platform's id for the account (used in API paths and as the connection's identity).</param>
/// <param name="Name">Display name.</param>
/// <param name="Handle">@handle or vanity name, when the platform has one.</param>
/// <param name="AvatarUrl">Profile picture URL, when available.</param>
/// <param name="Kind">What the account is.</param>
/// <param name="AccessToken">A token specific to this account (Facebook Page tokens); null to use the grant's token.</param>
public sealed record PlatformAccount(string ExternalId, string Name, string? Handle, string? AvatarUrl, AccountKind Kind, string? AccessToken = null)
{
    public override string ToString() => $"PlatformAccount {{ ExternalId = {ExternalId}, Name = {Name}, Kind = {Kind} }}";
}

/// <summary>Where to send the browser for consent, and the PKCE verifier to keep server-side when one was made.</summary>
public sealed record AuthorizationRequest(Uri Url, string? CodeVerifier);

/// <summary>
/// A platform's OAuth: consent URL, code exchange, refresh, revocation and the accounts a grant covers.
/// Implementations are typed <see cref="HttpClient"/>s whose base URLs come from configuration, so tests point them
/// at fakes; they throw <see cref="PlatformException"/> for every failure the platform reports.
/// </summary>
public interface IPlatformOAuthClient
{
    PlatformId Platform { get; }

    /// <summary>The consent URL with the scopes Nexus needs, <paramref name="state"/>, and PKCE where supported.</summary>
    AuthorizationRequest BuildAuthorizationRequest(string state, Uri redirectUri);

    /// <summary>Trades the authorization code for tokens (and, for Meta, the short-lived token for a long-lived one).</summary>
    Task<OAuthTokens> ExchangeCodeAsync(string code, Uri redirectUri, string? codeVerifier, CancellationToken cancellationToken);

    /// <summary>Gets fresh tokens; where the platform rotates refresh tokens the result carries the new one.</summary>
    Task<OAuthTokens> RefreshAsync(OAuthTokens current, CancellationToken cancellationToken);

    /// <summary>Revokes the grant at the platform, where the platform offers revocation; otherwise does nothing.</summary>
    Task RevokeAsync(OAuthTokens tokens, CancellationToken cancellationToken);

    /// <summary>The accounts this grant covers: the profile, plus pages, business accounts or organizations.</summary>
    Task<IReadOnlyList<PlatformAccount>> GetAccountsAsync(OAuthTokens tokens, CancellationToken cancellationToken);
}

/// <summary>
/// One media item of a post; platforms fetch it from <paramref name="Url"/> or Nexus uploads it. The measurements are
/// optional: rules that need one check it when it is known. A library item (<paramref name="LibraryId"/>) carries every
/// measurement from its probed facts, and its rules are checked in full (<see cref="MediaFitting"/>); when it is
/// published, <paramref name="Url"/> is a signed, expiring URL of Nexus's and <paramref name="File"/> reads its bytes
/// from storage (uploads never fetch Nexus's own files over HTTP).
/// </summary>
public sealed record MediaItem(
    Uri Url,
    MediaKind Kind,
    long? SizeBytes = null,
    int? Width = null,
    int? Height = null,
    TimeSpan? Duration = null,
    string? MimeType = null,
    string? AltText = null,
    string? VideoCodec = null,
    double? FrameRate = null,
    Guid? LibraryId = null,
    ILibraryFile? File = null)
{
    /// <summary>Width ÷ height, when both are known.</summary>
    public double? Aspect => Width is > 0 && Height is > 0 ? (double)Width.Value / Height.Value : null;
}

/// <summary>A library item's stored bytes, opened at publish time: its length is known before reading.</summary>
public interface ILibraryFile
{
    long Length { get; }

    string ContentType { get; }

    Task<Stream> OpenAsync(CancellationToken cancellationToken);
}

/// <summary>
/// One publication on one account. <paramref name="IdempotencyKey"/> is stable for a post target across retries,
/// so a platform that supports idempotency (or a reconciliation lookup) can tell a retry from a new post.
/// <paramref name="Options"/> holds the platform's own settings (format, privacy, board, first comment, ...), as
/// documented by each platform's publisher.
/// </summary>
public sealed record PublishRequest(
    string IdempotencyKey,
    string Text,
    IReadOnlyList<MediaItem> Media,
    IReadOnlyDictionary<string, string> Options);

/// <summary>What the platform made: its id for the post and, when it can be built, a public URL.</summary>
public sealed record PublishResult(string ExternalId, Uri? Url);

/// <summary>
/// Publishes to one platform, running whatever multi-step flow it needs (containers, uploads, status polling).
/// Steps that are not safe to repeat are never retried blindly: a failure whose outcome is unknown is a
/// <see cref="PlatformFailureKind.Unknown"/> <see cref="PlatformException"/>.
/// </summary>
public interface IPlatformPublisher
{
    PlatformId Platform { get; }

    Task<PublishResult> PublishAsync(PlatformAccount account, string accessToken, PublishRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// A publisher whose platform can say whether a publication with a given idempotency key exists, and which honours
/// that key when the same request is sent again. After an attempt whose outcome is unknown (a timeout, a crash
/// mid-call), Nexus asks instead of marking the target unconfirmed: found means published; not found means the
/// attempt never took effect and can be made again under the same key.
/// </summary>
public interface IPlatformPublicationLookup
{
    Task<PublishResult?> FindAsync(PlatformAccount account, string accessToken, string idempotencyKey, CancellationToken cancellationToken);
}

/// <summary>How a platform failure should be handled.</summary>
public enum PlatformFailureKind
{
    /// <summary>Worth retrying with backoff (5xx, timeouts, "try again").</summary>
    Transient,

    /// <summary>Retry at <see cref="PlatformException.RetryAt"/>, the platform's reset time.</summary>
    RateLimited,

    /// <summary>The token is expired or revoked: the connection needs the user to reconnect.</summary>
    AuthExpired,

    /// <summary>The platform refused the content or request; retrying the same thing will fail the same way.</summary>
    Rejected,

    /// <summary>Anything else, including outcomes Nexus cannot know (the request may have taken effect).</summary>
    Unknown,
}

/// <summary>
/// A failure reported by a platform, classified. <see cref="Exception.Message"/> is the platform's own explanation
/// (safe to show: it never contains tokens); <see cref="PlatformCode"/> its error code.
/// </summary>
public sealed class PlatformException(PlatformId platform, PlatformFailureKind kind, string message, string? platformCode = null, DateTimeOffset? retryAt = null, Exception? inner = null)
    : Exception(message, inner)
{
    public PlatformId Platform { get; } = platform;

    public PlatformFailureKind Kind { get; } = kind;

    public string? PlatformCode { get; } = platformCode;

    /// <summary>For <see cref="PlatformFailureKind.RateLimited"/>: when the platform's window resets.</summary>
    public DateTimeOffset? RetryAt { get; } = retryAt;
}

/// <summary>
/// A platform's app credentials and endpoints, bound from <c>Nexus:Platforms:{Platform}</c>. Base URLs default to
/// the real APIs (see each platform's options) and are overridden in tests to point at fakes.
/// </summary>
public class PlatformOptions
{
    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    /// <summary>Scopes to request; each platform defines its defaults.</summary>
    public List<string> Scopes { get; set; } = [];

    /// <summary>Per-call timeout of one HTTP attempt.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long calls to the platform pause once half of them fail (at least ten in 30 s).</summary>
    public TimeSpan CircuitBreakDuration { get; set; } = Platforms.PlatformHttp.CircuitBreakDuration;
}

/// <summary>
/// A way a post breaks a platform's rules, with the offending part named (e.g. <c>text</c>, <c>media[2]</c>). For a
/// library item, <paramref name="Fix"/> is what <c>fitMediaToTargets</c> would run on it (in order), when processing can
/// fix it; null when only a person can (a clip too short, an image too small).
/// </summary>
public sealed record RuleViolation(string Field, string Message, IReadOnlyList<Features.Media.Processing.MediaOperation>? Fix = null);

/// <summary>
/// A platform's publishing rules in full (text length as the platform counts it, media count, kinds, sizes,
/// durations, aspect ratios, required options). Preflight runs them when a post is drafted or scheduled, so a post
/// that cannot be published is refused then rather than at its due time.
/// </summary>
public interface IPlatformRules
{
    PlatformId Platform { get; }

    IReadOnlyList<RuleViolation> Check(PublishRequest post);
}
