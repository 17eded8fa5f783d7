namespace Nexus.Api.Infrastructure.Outbound;

/// <summary>
/// Limits for requests to addresses users give (media downloads today; webhook endpoints and media imports next),
/// bound from <c>Nexus:Outbound</c>. See <see cref="OutboundHttp"/>.
/// </summary>
public sealed class OutboundOptions
{
    public const string Section = "Nexus:Outbound";

    /// <summary>
    /// Whether such requests may reach loopback, private, link-local, shared (CGNAT), unique-local and other
    /// non-public unicast addresses. False by default; true in Development and in tests that serve media from a local
    /// fake. Multicast, broadcast and unspecified addresses are refused either way.
    /// </summary>
    public bool AllowPrivateAddresses { get; set; }

    /// <summary>
    /// Largest body read from one response, counted while it streams whatever <c>Content-Length</c> says. The default
    /// is the largest video the platforms accept at their defaults (X: 8 GB); callers may ask for less.
    /// </summary>
    public long MaxResponseBytes { get; set; } = 8L * 1024 * 1024 * 1024;

    /// <summary>Longest one request may take, from connecting to the last byte of its body, redirects included.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Longest wait for one TCP (and TLS) connection.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Most redirects followed (each to an address checked like the first).</summary>
    public int MaxRedirects { get; set; } = 3;
}

/// <summary>Tighter limits for one request than <see cref="OutboundOptions"/> (a looser value is ignored).</summary>
/// <param name="MaxBytes">Largest body, e.g. the platform's size limit for this kind of media.</param>
/// <param name="Timeout">Longest the whole request may take.</param>
public sealed record OutboundLimits(long? MaxBytes = null, TimeSpan? Timeout = null);

/// <summary>Why <see cref="OutboundHttp"/> stopped a request.</summary>
public enum OutboundFailure
{
    /// <summary>The host is, or resolves to, an address the policy refuses (loopback, private, link-local, …).</summary>
    ForbiddenAddress,

    /// <summary>The URL (or a redirect) is not <c>http</c>/<c>https</c>, or a redirect goes from https to http.</summary>
    ForbiddenScheme,

    /// <summary>More redirects than <see cref="OutboundOptions.MaxRedirects"/>.</summary>
    TooManyRedirects,

    /// <summary>The body is (or grew) larger than the size limit.</summary>
    TooLarge,

    /// <summary>The request outlived its timeout.</summary>
    TimedOut,
}

/// <summary>
/// A request <see cref="OutboundHttp"/> refused or stopped. It is an <see cref="HttpRequestException"/> so code that
/// only knows transport failures still treats it as one; callers that know better map <see cref="Failure"/> (a refusal
/// will not heal by retrying: <see cref="IsPermanent"/>). The message names the rule, never a resolved address.
/// </summary>
public sealed class OutboundException(OutboundFailure failure, string message, Exception? inner = null)
    : HttpRequestException(message, inner)
{
    public OutboundFailure Failure { get; } = failure;

    /// <summary>Whether the same URL will fail the same way: everything but a timeout.</summary>
    public bool IsPermanent => Failure != OutboundFailure.TimedOut;
}
