using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;
using Nexus.Api.Infrastructure;
using Nexus.Api.Infrastructure.Identity;
using OpenIddict.Client;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Nexus.Api.Features.Accounts.SigningInWithProviders;

/// <summary>A social provider people can sign in with.</summary>
/// <param name="Key">The lower-case name in Nexus's URLs (<c>/account/external/google</c>).</param>
/// <param name="Name">The provider's name in OpenIddict's web providers, in configuration and on the page.</param>
public sealed record ExternalProvider(string Key, string Name)
{
    /// <summary>One redirection endpoint per provider, which is what mitigates mix-up attacks.</summary>
    public string CallbackPath => $"/account/callback/{Key}";

    /// <summary>
    /// Whether the provider vouches that the person owns the email it returned. Google says so per address
    /// (<c>email_verified</c>); Facebook's Graph API has no such signal, so its addresses are never trusted.
    /// </summary>
    public bool EmailVerified(ClaimsPrincipal principal) => Name switch
    {
        // Both the id_token and userinfo carry it; every copy must say true.
        "Google" => principal.FindAll("email_verified").ToList() is { Count: > 0 } claims &&
            claims.All(claim => bool.TryParse(claim.Value, out var verified) && verified),
        _ => false,
    };
}

/// <summary>A "Continue with …" link on the sign-in page.</summary>
public sealed record ExternalSignInButton(string Provider, string Text, string Url);

/// <summary>The providers whose credentials are configured, as registered with the OpenIddict client.</summary>
public sealed record ExternalProviders(IReadOnlyList<ExternalProvider> All)
{
    public ExternalProvider? Find(string key) => All.FirstOrDefault(p => string.Equals(p.Key, key, StringComparison.OrdinalIgnoreCase));
}

/// <summary>
/// Signing in with Google or Facebook (OpenIddict's client and web providers): a provider is offered only when
/// <c>Nexus:Auth:Providers:&lt;Name&gt;:ClientId</c> and <c>ClientSecret</c> are set; with none set the OpenIddict
/// client is not registered at all.
/// </summary>
public static partial class ExternalSignIn
{
    public const string Section = "Nexus:Auth:Providers";

    public static IReadOnlyList<ExternalProvider> Supported { get; } = [new("google", "Google"), new("facebook", "Facebook")];

    // Asked for too, but OpenIddict.Client.WebIntegration 7.8 has no provider for either, and neither shares an
    // email address at all, so neither could ever find or create an account here. Configuring one is a mistake
    // worth stopping for rather than a button that cannot work.
    private static readonly string[] Unsupported = ["Instagram", "TikTok"];

    /// <summary>Registers the OpenIddict client with the configured providers; called from <c>AddNexusIdentity</c>.</summary>
    public static OpenIddictBuilder AddExternalSignIn(this OpenIddictBuilder builder, IConfiguration configuration, IWebHostEnvironment environment)
    {
        foreach (var name in Unsupported)
        {
            if (!string.IsNullOrWhiteSpace(configuration[$"{Section}:{name}:ClientId"]))
            {
                throw new InvalidOperationException(
                    $"{Section}:{name} is set, but signing in with {name} is not supported: OpenIddict has no {name} provider " +
                    $"and {name} does not share an email address to find or create an account with. Remove the setting.");
            }
        }

        var configured = Configured(configuration);
        builder.Services.AddSingleton(new ExternalProviders([.. configured.Select(c => c.Provider)]));
        if (configured.Count == 0)
        {
            return builder;
        }

        return builder.AddClient(client =>
        {
            client.AllowAuthorizationCodeFlow();
            AddKeys(client, configuration, environment);

            // Passthrough: the callback endpoint decides what a completed (or failed) provider sign-in means.
            var aspNetCore = client.UseAspNetCore()
                .EnableRedirectionEndpointPassthrough()
                .EnableErrorPassthrough();
            if (!environment.IsProduction())
            {
                // Development and tests run on plain HTTP on loopback; production sits behind TLS. The cookie that
                // binds the state to this browser is SameSite=None by default, which only travels over HTTPS;
                // Lax still comes back on the provider's redirect, a top-level GET (Google's and Facebook's).
                // Secure everywhere but Development all the same, like every cookie (HttpHardening).
                aspNetCore.DisableTransportSecurityRequirement()
                    .Configure(o => (o.CookieBuilder.SameSite, o.CookieBuilder.SecurePolicy) = (SameSiteMode.Lax, HttpHardening.CookieSecurity(environment)));
            }

            client.AddEventHandler<OpenIddictClientEvents.ValidateTokenContext>(handler => handler
                .UseInlineHandler(RefuseForeignStateTokens)
                .SetOrder(OpenIddictClientHandlers.Protection.ValidateIdentityModelToken.Descriptor.Order - 500)
                .SetType(OpenIddictClientHandlerType.Custom));

            client.UseSystemNetHttp().SetProductInformation(typeof(ExternalSignIn).Assembly);

            var providers = client.UseWebProviders();
            foreach (var (provider, clientId, clientSecret) in configured)
            {
                switch (provider.Name)
                {
                    case "Google":
                        providers.AddGoogle(google => google
                            .SetClientId(clientId).SetClientSecret(clientSecret)
                            .SetRedirectUri(provider.CallbackPath.TrimStart('/'))
                            .AddScopes(Scopes.Email, Scopes.Profile));
                        break;
                    case "Facebook":
                        providers.AddFacebook(facebook => facebook
                            .SetClientId(clientId).SetClientSecret(clientSecret)
                            .SetRedirectUri(provider.CallbackPath.TrimStart('/'))
                            .AddScopes("email", "public_profile"));
                        break;
                }
            }
        });
    }

    // OpenIddict 7.8 answers a state that is a signed JWT with an unknown key with a NullReferenceException (a 500):
    // it asks the provider's configuration to refresh its keys, but a state is validated before any provider is
    // known. The client's own states are reference ids whose stored payload is encrypted (a JWE), so by now
    // (after the reference lookup) an unencrypted JWT can only be forged: refuse it as the invalid state it is.
    private static ValueTask RefuseForeignStateTokens(OpenIddictClientEvents.ValidateTokenContext context)
    {
        if (context.Principal is null && context.ValidTokenTypes.Contains(TokenTypeIdentifiers.Private.StateToken) &&
            context.Token is { } token && token.Count(c => c == '.') == 2)
        {
            context.Reject(Errors.InvalidToken, "The specified state token is invalid.");
        }

        return default;
    }

    /// <summary>The sign-in page's provider links (none when no provider is configured), keeping <paramref name="returnUrl"/>.</summary>
    public static IReadOnlyList<ExternalSignInButton> Buttons(IConfiguration configuration, string? returnUrl)
    {
        var query = IsLocal(returnUrl) ? "?returnUrl=" + Uri.EscapeDataString(returnUrl) : "";
        return [.. Configured(configuration).Select(c =>
            new ExternalSignInButton(c.Provider.Name, $"Continue with {c.Provider.Name}", $"/account/external/{c.Provider.Key}{query}"))];
    }

    private static List<Credentials> Configured(IConfiguration configuration)
    {
        var configured = new List<Credentials>();
        foreach (var provider in Supported)
        {
            var clientId = configuration[$"{Section}:{provider.Name}:ClientId"];
            var clientSecret = configuration[$"{Section}:{provider.Name}:ClientSecret"];
            var hasId = !string.IsNullOrWhiteSpace(clientId);
            var hasSecret = !string.IsNullOrWhiteSpace(clientSecret);
            if (hasId != hasSecret)
            {
                throw new InvalidOperationException($"{Section}:{provider.Name} needs both ClientId and ClientSecret, or neither.");
            }

            if (hasId)
            {
                configured.Add(new Credentials(provider, clientId!, clientSecret!));
            }
        }

        return configured;
    }

    // The client signs and encrypts its state tokens (the round trip through the provider) like the server its
    // tokens: the same certificates in Production, per-user development ones in Development, ephemeral in tests.
    private static void AddKeys(OpenIddictClientBuilder client, IConfiguration configuration, IWebHostEnvironment environment)
    {
        if (environment.IsProduction())
        {
            var options = configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
            if (string.IsNullOrWhiteSpace(options.SigningCertificate) || string.IsNullOrWhiteSpace(options.EncryptionCertificate))
            {
                throw new InvalidOperationException(
                    "Production needs Nexus:Auth:SigningCertificate and Nexus:Auth:EncryptionCertificate (base64 PFX) to sign in with providers.");
            }

            client.AddSigningCertificate(LoadPfx(options.SigningCertificate, options.CertificatePassword))
                .AddEncryptionCertificate(LoadPfx(options.EncryptionCertificate, options.CertificatePassword));
        }
        else if (environment.IsDevelopment())
        {
            client.AddDevelopmentEncryptionCertificate().AddDevelopmentSigningCertificate();
        }
        else
        {
            client.AddEphemeralEncryptionKey().AddEphemeralSigningKey();
        }
    }

    private static X509Certificate2 LoadPfx(string base64, string? password) =>
        X509CertificateLoader.LoadPkcs12(Convert.FromBase64String(base64), password, X509KeyStorageFlags.EphemeralKeySet);

    // The sign-in page's rule, so both doors agree on what may be redirected to.
    internal static bool IsLocal([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? url) => SigningIn.LoginPage.IsLocal(url);

    private sealed record Credentials(ExternalProvider Provider, string ClientId, string ClientSecret)
    {
        // The secret must never reach a log line through the record's generated ToString.
        private bool PrintMembers(System.Text.StringBuilder builder)
        {
            builder.Append("Provider = ").Append(Provider.Name).Append(", ClientId = ").Append(ClientId);
            return true;
        }
    }
}
