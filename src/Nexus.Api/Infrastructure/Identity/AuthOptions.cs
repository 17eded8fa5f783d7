namespace Nexus.Api.Infrastructure.Identity;

/// <summary>Sign-in and token settings, bound from <c>Nexus:Auth</c>.</summary>
public sealed class AuthOptions
{
    public const string Section = "Nexus:Auth";

    /// <summary>The audience every access token is issued for and checked against.</summary>
    public const string ApiAudience = "nexus-api";

    /// <summary>The API scope clients ask for.</summary>
    public const string ApiScope = "nexus";

    /// <summary>The command-line / test client that may use the password grant.</summary>
    public const string CliClientId = "nexus-cli";

    /// <summary>The first-party browser app (authorization code + PKCE).</summary>
    public const string WebClientId = "nexus-web";

    /// <summary>Whether <c>nexus-cli</c> may use the password grant (Development and tests only by default).</summary>
    public bool AllowPasswordGrant { get; set; }

    /// <summary>Where <c>nexus-web</c> may be redirected after sign-in.</summary>
    public List<string> WebRedirectUris { get; set; } = ["http://localhost:5173/auth/callback"];

    /// <summary>Where <c>nexus-web</c> may be redirected after sign-out.</summary>
    public List<string> WebPostLogoutRedirectUris { get; set; } = ["http://localhost:5173/"];

    /// <summary>Confidential service clients using the client-credentials grant: id → secret.</summary>
    public Dictionary<string, string> ServiceClients { get; set; } = [];

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How long a redeemed refresh token may be presented again (a client retrying after a lost response)
    /// before it counts as stolen and revokes its whole family. Zero: every reuse revokes.
    /// </summary>
    public TimeSpan RefreshTokenReuseLeeway { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// Failed sign-ins in a row for one email from one client address that lock that pair (only that pair: the
    /// owner signing in from elsewhere is not locked out by someone else's guesses).
    /// </summary>
    public int LockoutThreshold { get; set; } = 5;

    /// <summary>
    /// Failed sign-ins for one email from all addresses together that lock the email everywhere: the brake on
    /// guessing from many addresses, high enough that one guesser cannot lock the owner out.
    /// </summary>
    public int EmailLockoutThreshold { get; set; } = 50;

    /// <summary>How long a lock lasts, and how long failures are remembered after the last one.</summary>
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Production keys: base64 PKCS#12 (PFX) certificates and their password.</summary>
    public string? SigningCertificate { get; set; }

    public string? EncryptionCertificate { get; set; }

    public string? CertificatePassword { get; set; }
}
