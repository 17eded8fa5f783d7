using System.Security.Cryptography.X509Certificates;
using Nexus.Api.Features.Accounts.SigningInWithProviders;
using OpenIddict.Validation;
using OpenIddict.Validation.AspNetCore;
using Wolverine;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Nexus.Api.Infrastructure.Identity;

/// <summary>Nexus as an OAuth 2.0 / OpenID Connect server (OpenIddict) and the validation of its own tokens.</summary>
public static class IdentitySetup
{
    /// <summary>The cookie of the server-rendered sign-in page; only the authorize endpoint reads it.</summary>
    public const string LoginScheme = "nexus.login";

    public static WebApplicationBuilder AddNexusIdentity(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(AuthOptions.Section);
        var options = section.Get<AuthOptions>() ?? new AuthOptions();
        if (section[nameof(AuthOptions.AllowPasswordGrant)] is null)
        {
            options.AllowPasswordGrant = !builder.Environment.IsProduction();
        }

        builder.Services.AddOptions<AuthOptions>().Bind(section).Configure(o => o.AllowPasswordGrant = options.AllowPasswordGrant);

        builder.Services.AddSingleton<RevokedTokens.Interceptor>();
        builder.Services.AddDbContext<IdentityStore>((services, db) =>
        {
            IdentityStore.Configure(db, services.GetRequiredService<Npgsql.NpgsqlDataSource>());
            db.AddInterceptors(services.GetRequiredService<RevokedTokens.Interceptor>());
        });
        builder.Services.AddHostedService<IdentityBootstrap>();
        // Loaded once the application has started, after IdentityBootstrap migrated the table it reads.
        builder.Services.AddDatabaseChannel<RevokedTokens>();
        // OpenIddict registers its managers through factories, which Wolverine's generated handlers may only
        // resolve by service location; allow exactly these.
        builder.Services.ConfigureWolverine(wolverine =>
        {
            wolverine.CodeGeneration.AlwaysUseServiceLocationFor<OpenIddict.Abstractions.IOpenIddictAuthorizationManager>();
            wolverine.CodeGeneration.AlwaysUseServiceLocationFor<OpenIddict.Abstractions.IOpenIddictTokenManager>();
            wolverine.CodeGeneration.AlwaysUseServiceLocationFor<OpenIddict.Abstractions.IOpenIddictApplicationManager>();
        });

        builder.Services.AddAuthentication(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)
            .AddCookie(LoginScheme, cookie =>
            {
                cookie.LoginPath = "/account/login";
                cookie.LogoutPath = "/account/logout";
                cookie.Cookie.Name = "nexus.login";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.Cookie.SecurePolicy = HttpHardening.CookieSecurity(builder.Environment);
                cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
                cookie.SlidingExpiration = true;
            });
        builder.Services.AddAuthorization();
        // Secure comes from the cookie policy (HttpHardening): set here, antiforgery would refuse to work behind
        // a TLS-terminating proxy whose requests arrive as plain HTTP.
        builder.Services.AddAntiforgery(o => o.Cookie.Name = "nexus.af");
        // The cookie above, antiforgery and connections' OAuth state are protected with keys every node shares.
        builder.Services.AddSharedKeys();
        SecretFreeLogging.AddTo(builder.Services);

        builder.Services.AddOpenIddict()
            .AddCore(core => core.UseEntityFrameworkCore().UseDbContext<IdentityStore>())
            .AddServer(server =>
            {
                // Unset, the issuer is each request's own base URL, which differs between nodes on several ports or
                // hosts: a token issued by one would be refused by the others. Nexus:PublicUrl is the one address.
                if (builder.Configuration["Nexus:PublicUrl"] is { Length: > 0 } publicUrl)
                {
                    server.SetIssuer(new Uri(publicUrl.TrimEnd('/') + "/"));
                }

                server.SetAuthorizationEndpointUris("connect/authorize")
                    .SetTokenEndpointUris("connect/token")
                    .SetRevocationEndpointUris("connect/revoke")
                    .SetIntrospectionEndpointUris("connect/introspect")
                    .SetEndSessionEndpointUris("connect/logout")
                    .SetUserInfoEndpointUris("connect/userinfo");

                server.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
                // "plain" PKCE protects nothing against an intercepted authorization request: S256 only.
                server.Configure(o => o.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain));
                server.AllowRefreshTokenFlow();
                server.AllowClientCredentialsFlow();
                if (options.AllowPasswordGrant)
                {
                    server.AllowPasswordFlow();
                }

                server.RegisterScopes([Scopes.OpenId, Scopes.Email, Scopes.Profile, Scopes.OfflineAccess, AuthOptions.ApiScope, .. AppScope.All]);
                server.SetAccessTokenLifetime(options.AccessTokenLifetime)
                    .SetRefreshTokenLifetime(options.RefreshTokenLifetime)
                    .SetRefreshTokenReuseLeeway(options.RefreshTokenReuseLeeway);

                AddKeys(server, options, builder.Environment);

                var aspNetCore = server.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableUserInfoEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough();
                if (!builder.Environment.IsProduction())
                {
                    // Development and tests run on plain HTTP on loopback; production sits behind TLS.
                    aspNetCore.DisableTransportSecurityRequirement();
                }
            })
            .AddValidation(validation =>
            {
                validation.UseLocalServer();
                validation.AddAudiences(AuthOptions.ApiAudience);
                // Tokens are validated locally (signature, encryption, expiry, audience); revocation (sign-out,
                // password change, reuse detection, account deletion) still takes effect at once, on every node,
                // through the in-memory set of revoked ids instead of two store reads per request.
                validation.AddEventHandler(RevokedTokens.Check.Descriptor);
                // Every token validation (HTTP requests and WebSocket connection_init alike) goes through here.
                validation.AddEventHandler<OpenIddictValidationEvents.ValidateTokenContext>(handler => handler
                    .UseInlineHandler(ApiScope.Require)
                    .SetOrder(int.MaxValue - 100_000)
                    .SetType(OpenIddictValidationHandlerType.Custom));
                validation.UseAspNetCore();
            })
            .AddExternalSignIn(builder.Configuration, builder.Environment);

        return builder;
    }

    private static void AddKeys(OpenIddictServerBuilder server, AuthOptions options, IWebHostEnvironment environment)
    {
        var configured = !string.IsNullOrWhiteSpace(options.SigningCertificate) && !string.IsNullOrWhiteSpace(options.EncryptionCertificate);
        if (environment.IsProduction() || configured)
        {
            // Every node of a deployment must share them: a token issued by one is validated by all.
            if (!configured)
            {
                throw new InvalidOperationException(
                    "Production needs Nexus:Auth:SigningCertificate and Nexus:Auth:EncryptionCertificate (base64 PFX) to issue tokens.");
            }

            server.AddSigningCertificate(LoadPfx(options.SigningCertificate!, options.CertificatePassword))
                .AddEncryptionCertificate(LoadPfx(options.EncryptionCertificate!, options.CertificatePassword));
        }
        else if (environment.IsDevelopment())
        {
            // Self-signed, generated once and kept in the user's certificate store, so tokens survive restarts.
            server.AddDevelopmentEncryptionCertificate().AddDevelopmentSigningCertificate();
        }
        else
        {
            server.AddEphemeralEncryptionKey().AddEphemeralSigningKey();
        }
    }

    private static X509Certificate2 LoadPfx(string base64, string? password) =>
        X509CertificateLoader.LoadPkcs12(Convert.FromBase64String(base64), password, X509KeyStorageFlags.EphemeralKeySet);
}
