using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Nexus.Api.Features.Accounts.SigningInWithProviders;
using Nexus.Api.Tests.Infrastructure;
using OpenIddict.Client;

namespace Nexus.Api.Tests.Features.Accounts.SigningInWithProviders;

/// <summary>The default host: no provider configured.</summary>
[Collection(ApiCollection.Name)]
public sealed class NoProvidersTests(ApiFixture api)
{
    [Fact]
    public async Task the_sign_in_page_has_no_provider_buttons()
    {
        using var browser = new Browser(api.Host);

        var html = await (await browser.GetAsync("/account/login?returnUrl=%2Fconnect%2Fauthorize")).Content.ReadAsStringAsync();

        Assert.Contains("<label for=\"email\">", html);
        Assert.DoesNotContain("Continue with", html);
        Assert.DoesNotContain("/account/external/", html);
    }

    [Theory]
    [InlineData("/account/external/google")]
    [InlineData("/account/external/facebook")]
    [InlineData("/account/callback/google?code=x&state=y")]
    public async Task provider_endpoints_are_not_found(string url)
    {
        using var browser = new Browser(api.Host);

        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync(url)).StatusCode);
    }

    [Fact]
    public void the_openiddict_client_is_not_registered()
    {
        Assert.Empty(api.Host.Services.GetRequiredService<IOptionsMonitor<OpenIddictClientOptions>>().CurrentValue.Registrations);
        Assert.Empty(api.Host.Services.GetRequiredService<ExternalProviders>().All);
    }
}

public sealed class ExternalSignInConfigurationTests
{
    [Fact]
    public void only_providers_with_both_credentials_get_a_button()
    {
        var configuration = Configuration(new()
        {
            ["Nexus:Auth:Providers:Google:ClientId"] = "id",
            ["Nexus:Auth:Providers:Google:ClientSecret"] = "secret",
            ["Nexus:Auth:Providers:Facebook:ClientId"] = "",
            ["Nexus:Auth:Providers:Facebook:ClientSecret"] = "",
        });

        var buttons = ExternalSignIn.Buttons(configuration, "/connect/authorize?client_id=nexus-web&scope=openid nexus");

        var google = Assert.Single(buttons);
        Assert.Equal(new ExternalSignInButton("Google", "Continue with Google",
            "/account/external/google?returnUrl=%2Fconnect%2Fauthorize%3Fclient_id%3Dnexus-web%26scope%3Dopenid%20nexus"), google);
        Assert.Empty(ExternalSignIn.Buttons(Configuration(new()), null));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example/")]
    [InlineData("/\\evil.example/")]
    public void a_return_url_that_is_not_local_is_dropped_from_the_buttons(string? returnUrl)
    {
        var configuration = Configuration(new()
        {
            ["Nexus:Auth:Providers:Facebook:ClientId"] = "id",
            ["Nexus:Auth:Providers:Facebook:ClientSecret"] = "secret",
        });

        Assert.Equal("/account/external/facebook", Assert.Single(ExternalSignIn.Buttons(configuration, returnUrl)).Url);
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("Testing")]
    public void no_provider_registers_no_client_in_any_environment(string environment)
    {
        var services = new ServiceCollection();

        services.AddOpenIddict().AddExternalSignIn(Configuration(new()), new Environment(environment));

        Assert.Empty(services.BuildServiceProvider().GetRequiredService<ExternalProviders>().All);
        Assert.DoesNotContain(services, s => s.ServiceType == typeof(OpenIddictClientService));
    }

    [Fact]
    public void configured_providers_become_openiddict_web_provider_registrations()
    {
        var services = new ServiceCollection();
        services.AddLogging();

        services.AddOpenIddict().AddExternalSignIn(Configuration(new()
        {
            ["Nexus:Auth:Providers:Google:ClientId"] = "google-id",
            ["Nexus:Auth:Providers:Google:ClientSecret"] = "google-secret",
            ["Nexus:Auth:Providers:Facebook:ClientId"] = "facebook-id",
            ["Nexus:Auth:Providers:Facebook:ClientSecret"] = "facebook-secret",
        }), new Environment("Testing"));

        var registrations = services.BuildServiceProvider().GetRequiredService<IOptions<OpenIddictClientOptions>>().Value.Registrations;
        var google = Assert.Single(registrations, r => r.ProviderName == "Google");
        Assert.Equal(new Uri("https://accounts.google.com/"), google.Issuer);
        Assert.Equal("google-id", google.ClientId);
        Assert.Equal(new Uri("account/callback/google", UriKind.Relative), google.RedirectUri);
        Assert.Contains("email", google.Scopes);
        var facebook = Assert.Single(registrations, r => r.ProviderName == "Facebook");
        Assert.Equal(new Uri("account/callback/facebook", UriKind.Relative), facebook.RedirectUri);
    }

    [Theory]
    [InlineData("Instagram")]
    [InlineData("TikTok")]
    public void configuring_an_unsupported_provider_stops_start_up_with_the_reason(string provider)
    {
        var configuration = Configuration(new()
        {
            [$"Nexus:Auth:Providers:{provider}:ClientId"] = "id",
            [$"Nexus:Auth:Providers:{provider}:ClientSecret"] = "secret",
        });

        var error = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddOpenIddict().AddExternalSignIn(configuration, new Environment("Testing")));

        Assert.Contains($"signing in with {provider} is not supported", error.Message);
    }

    [Fact]
    public void a_client_id_without_a_secret_stops_start_up()
    {
        var configuration = Configuration(new() { ["Nexus:Auth:Providers:Google:ClientId"] = "id" });

        var error = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddOpenIddict().AddExternalSignIn(configuration, new Environment("Testing")));

        Assert.Contains("Nexus:Auth:Providers:Google needs both ClientId and ClientSecret", error.Message);
    }

    [Fact]
    public void production_with_a_provider_needs_the_certificates()
    {
        var configuration = Configuration(new()
        {
            ["Nexus:Auth:Providers:Google:ClientId"] = "id",
            ["Nexus:Auth:Providers:Google:ClientSecret"] = "secret",
        });
        var error = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddOpenIddict().AddExternalSignIn(configuration, new Environment("Production")));

        Assert.Contains("Nexus:Auth:SigningCertificate", error.Message);
    }

    [Fact]
    public void production_with_a_provider_signs_its_state_tokens_with_the_servers_certificates()
    {
        var signing = Pfx("CN=Nexus signing (test)", X509KeyUsageFlags.DigitalSignature);
        var encryption = Pfx("CN=Nexus encryption (test)", X509KeyUsageFlags.KeyEncipherment);
        var services = new ServiceCollection();
        services.AddLogging();

        services.AddOpenIddict().AddExternalSignIn(Configuration(new()
        {
            ["Nexus:Auth:Providers:Google:ClientId"] = "id",
            ["Nexus:Auth:Providers:Google:ClientSecret"] = "secret",
            ["Nexus:Auth:SigningCertificate"] = signing,
            ["Nexus:Auth:EncryptionCertificate"] = encryption,
            ["Nexus:Auth:CertificatePassword"] = "pfx password",
        }), new Environment("Production"));

        var options = services.BuildServiceProvider().GetRequiredService<IOptions<OpenIddictClientOptions>>().Value;
        Assert.Contains(options.SigningCredentials, c => c.Key is X509SecurityKey { Certificate.Subject: "CN=Nexus signing (test)" });
        Assert.Contains(options.EncryptionCredentials, c => c.Key is X509SecurityKey { Certificate.Subject: "CN=Nexus encryption (test)" });
    }

    private static string Pfx(string subject, X509KeyUsageFlags usage)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, critical: true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        return Convert.ToBase64String(certificate.Export(X509ContentType.Pfx, "pfx password"));
    }

    private static IConfiguration Configuration(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

    private sealed class Environment(string name) : IWebHostEnvironment
    {
        public string EnvironmentName { get; set; } = name;

        public string ApplicationName { get; set; } = "Nexus.Api";

        public string WebRootPath { get; set; } = "";

        public IFileProvider WebRootFileProvider { get; set; } = new NullFileProvider();

        public string ContentRootPath { get; set; } = "";

        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
