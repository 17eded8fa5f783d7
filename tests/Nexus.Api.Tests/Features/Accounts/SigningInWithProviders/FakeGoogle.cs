using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Nexus.Api.Tests.Features.Accounts.SigningInWithProviders;

/// <summary>A person with a Google account, as the stand-in reports them.</summary>
public sealed record GooglePerson(string Sub, string? Email, bool EmailVerified, string? Name)
{
    public static GooglePerson Verified(string email, string name = "Ada Lovelace") => new(NewSub(), email, true, name);

    /// <summary>A fresh Google account id: digits, like Google's.</summary>
    public static string NewSub() => $"1{Random.Shared.NextInt64(10_000_000_000_000_000, 99_999_999_999_999_999)}";
}

/// <summary>
/// A local stand-in for Google's OpenID Connect endpoints, on Kestrel at http://127.0.0.1:&lt;free port&gt;:
/// discovery, authorize (the person and whether they consent come from the test, as the consent screen would),
/// token (a signed id_token, PKCE and client secret checked), JWKS and userinfo. It answers under Google's own
/// URLs (https://accounts.google.com/…): Nexus keeps the production Google registration and only its HTTP
/// client's requests to Google's hosts are sent here instead (see <see cref="ToStandIn"/>).
/// </summary>
public sealed class FakeGoogle : IAsyncDisposable
{
    public const string ClientId = "nexus-test.apps.googleusercontent.com";
    public const string ClientSecret = "fake-google-client-secret";
    public const string Issuer = "https://accounts.google.com";
    public const string AuthorizationEndpoint = "https://accounts.google.com/o/oauth2/v2/auth";

    /// <summary>The hosts Google's discovery document names; requests to them are served by the stand-in.</summary>
    public static readonly string[] Hosts = ["accounts.google.com", "oauth2.googleapis.com", "openidconnect.googleapis.com", "www.googleapis.com"];

    private const string KeyId = "fake-google-key-1";

    private readonly RSA _rsa = RSA.Create(2048);
    private readonly ConcurrentDictionary<string, Grant> _codes = new();
    private readonly ConcurrentDictionary<string, GooglePerson> _accessTokens = new();
    private WebApplication? _app;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Every request the stand-in answered, as "METHOD /path".</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.Use((context, next) =>
        {
            Requests.Enqueue($"{context.Request.Method} {context.Request.Path}");
            return next(context);
        });
        _app.MapGet("/.well-known/openid-configuration", Discovery);
        _app.MapGet("/o/oauth2/v2/auth", Authorize);
        _app.MapPost("/token", TokenAsync);
        _app.MapGet("/oauth2/v3/certs", Keys);
        _app.MapMethods("/v1/userinfo", ["GET", "POST"], UserInfo);
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Urls.Single());
    }

    /// <summary>
    /// The browser at Google's authorization endpoint: <paramref name="person"/> signs in and consents, or, with
    /// null, refuses. Returns where Google sends the browser back to (Nexus's callback).
    /// </summary>
    public async Task<Uri> ConsentAsync(Uri authorizationRequest, GooglePerson? person)
    {
        Assert.Equal(AuthorizationEndpoint, authorizationRequest.GetLeftPart(UriPartial.Path));
        var choice = person is null
            ? new Dictionary<string, string?> { ["test_deny"] = "1" }
            : new Dictionary<string, string?>
            {
                ["test_sub"] = person.Sub,
                ["test_email"] = person.Email,
                ["test_email_verified"] = person.EmailVerified ? "true" : "false",
                ["test_name"] = person.Name,
            };
        var url = QueryHelpers.AddQueryString(Local(authorizationRequest).ToString(), choice.Where(c => c.Value is not null));
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var response = await client.GetAsync(new Uri(url));
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return response.Headers.Location!;
    }

    /// <summary>The same URL on the stand-in: same path and query, the stand-in's scheme, host and port.</summary>
    public Uri Local(Uri google) =>
        new UriBuilder(google) { Scheme = BaseAddress.Scheme, Host = BaseAddress.Host, Port = BaseAddress.Port }.Uri;

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        _rsa.Dispose();
    }

    // What https://accounts.google.com/.well-known/openid-configuration says, trimmed to what a web client uses.
    private static readonly Dictionary<string, object> DiscoveryDocument = new()
    {
        ["issuer"] = Issuer,
        ["authorization_endpoint"] = AuthorizationEndpoint,
        ["token_endpoint"] = "https://oauth2.googleapis.com/token",
        ["userinfo_endpoint"] = "https://openidconnect.googleapis.com/v1/userinfo",
        ["revocation_endpoint"] = "https://oauth2.googleapis.com/revoke",
        ["jwks_uri"] = "https://www.googleapis.com/oauth2/v3/certs",
        ["response_types_supported"] = new[] { "code", "token", "id_token", "code token", "code id_token", "token id_token", "code token id_token", "none" },
        ["subject_types_supported"] = new[] { "public" },
        ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
        ["scopes_supported"] = new[] { "openid", "email", "profile" },
        ["token_endpoint_auth_methods_supported"] = new[] { "client_secret_post", "client_secret_basic" },
        ["claims_supported"] = new[] { "aud", "email", "email_verified", "exp", "family_name", "given_name", "iat", "iss", "name", "picture", "sub" },
        ["code_challenge_methods_supported"] = new[] { "plain", "S256" },
        ["grant_types_supported"] = new[] { "authorization_code", "refresh_token" },
    };

    private static IResult Discovery() => Results.Json(DiscoveryDocument);

    private IResult Authorize(HttpRequest request)
    {
        string? Get(string name) => request.Query[name].FirstOrDefault();
        var redirectUri = Get("redirect_uri");
        if (Get("client_id") != ClientId || !Uri.TryCreate(redirectUri, UriKind.Absolute, out var callback))
        {
            // Google shows its own error page and never redirects to an unregistered client.
            return Results.BadRequest("invalid_client or redirect_uri");
        }

        var state = Get("state");
        if (Get("test_deny") == "1")
        {
            return Results.Redirect(QueryHelpers.AddQueryString(callback.ToString(),
                new Dictionary<string, string?> { ["error"] = "access_denied", ["state"] = state }));
        }

        var scopes = (Get("scope") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (Get("response_type") != "code" || !scopes.Contains("openid"))
        {
            return Results.Redirect(QueryHelpers.AddQueryString(callback.ToString(),
                new Dictionary<string, string?> { ["error"] = "invalid_request", ["state"] = state }));
        }

        var person = new GooglePerson(Get("test_sub")!, Get("test_email"), Get("test_email_verified") == "true", Get("test_name"));
        var code = "4/" + Base64Url(RandomNumberGenerator.GetBytes(24));
        _codes[code] = new Grant(person, redirectUri!, Get("nonce"), Get("code_challenge"), Get("code_challenge_method"), string.Join(' ', scopes));
        return Results.Redirect(QueryHelpers.AddQueryString(callback.ToString(),
            new Dictionary<string, string?> { ["state"] = state, ["code"] = code, ["scope"] = string.Join(' ', scopes), ["authuser"] = "0", ["prompt"] = "consent" }));
    }

    private async Task<IResult> TokenAsync(HttpRequest request)
    {
        var form = await request.ReadFormAsync();
        var (clientId, clientSecret) = ClientCredentials(request, form);
        if (clientId != ClientId || clientSecret != ClientSecret)
        {
            return Error("invalid_client", "The OAuth client was not found.", StatusCodes.Status401Unauthorized);
        }

        if (form["grant_type"] != "authorization_code" || !_codes.TryRemove(form["code"].ToString(), out var grant) ||
            form["redirect_uri"] != grant.RedirectUri)
        {
            return Error("invalid_grant", "Bad Request");
        }

        if (grant.CodeChallenge is not null)
        {
            var verifier = form["code_verifier"].ToString();
            var expected = grant.CodeChallengeMethod == "S256" ? Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))) : verifier;
            if (verifier.Length == 0 || expected != grant.CodeChallenge)
            {
                return Error("invalid_grant", "Invalid code verifier.");
            }
        }

        var accessToken = "ya29." + Base64Url(RandomNumberGenerator.GetBytes(32));
        _accessTokens[accessToken] = grant.Person;
        var now = DateTime.UtcNow;
        var claims = new Dictionary<string, object>
        {
            ["azp"] = ClientId,
            ["sub"] = grant.Person.Sub,
            ["at_hash"] = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(accessToken))[..16]),
        };
        if (grant.Person.Email is { } email)
        {
            claims["email"] = email;
            claims["email_verified"] = grant.Person.EmailVerified;
        }

        if (grant.Person.Name is { } name)
        {
            claims["name"] = name;
        }

        if (grant.Nonce is { } nonce)
        {
            claims["nonce"] = nonce;
        }

        var idToken = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = ClientId,
            Claims = claims,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddHours(1),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(_rsa) { KeyId = KeyId }, SecurityAlgorithms.RsaSha256),
        });
        return Results.Json(new Dictionary<string, object>
        {
            ["access_token"] = accessToken,
            ["expires_in"] = 3599,
            ["scope"] = grant.Scope,
            ["token_type"] = "Bearer",
            ["id_token"] = idToken,
        });
    }

    private IResult Keys()
    {
        var key = _rsa.ExportParameters(includePrivateParameters: false);
        return Results.Json(new
        {
            keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = KeyId, n = Base64Url(key.Modulus!), e = Base64Url(key.Exponent!) } },
        });
    }

    private IResult UserInfo(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal) || !_accessTokens.TryGetValue(header["Bearer ".Length..], out var person))
        {
            return Results.Json(new { error = "invalid_request", error_description = "Invalid Credentials" }, statusCode: StatusCodes.Status401Unauthorized);
        }

        var body = new Dictionary<string, object> { ["sub"] = person.Sub };
        if (person.Email is { } email)
        {
            body["email"] = email;
            body["email_verified"] = person.EmailVerified;
        }

        if (person.Name is { } name)
        {
            body["name"] = name;
        }

        return Results.Json(body);
    }

    private static (string? Id, string? Secret) ClientCredentials(HttpRequest request, IFormCollection form)
    {
        if (AuthenticationHeaderValue.TryParse(request.Headers.Authorization, out var header) && header.Scheme == "Basic" && header.Parameter is { } parameter)
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(parameter)).Split(':', 2);
            return (Uri.UnescapeDataString(pair[0]), pair.Length > 1 ? Uri.UnescapeDataString(pair[1]) : null);
        }

        return (form["client_id"].FirstOrDefault(), form["client_secret"].FirstOrDefault());
    }

    private static IResult Error(string error, string description, int status = StatusCodes.Status400BadRequest) =>
        Results.Json(new { error, error_description = description }, statusCode: status);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed record Grant(GooglePerson Person, string RedirectUri, string? Nonce, string? CodeChallenge, string? CodeChallengeMethod, string Scope);

    /// <summary>
    /// Sends the API's OpenIddict HTTP requests for Google's hosts to the stand-in, and fails any other outgoing
    /// request, so no test ever reaches the real Google.
    /// </summary>
    public sealed class ToStandIn(FakeGoogle google) : IConfigureNamedOptions<HttpClientFactoryOptions>
    {
        public void Configure(HttpClientFactoryOptions options) => Configure(Options.DefaultName, options);

        public void Configure(string? name, HttpClientFactoryOptions options)
        {
            // OpenIddict names its clients "OpenIddict.Client.SystemNetHttp:<registration id>".
            if (name?.StartsWith("OpenIddict.Client.SystemNetHttp:", StringComparison.Ordinal) == true)
            {
                options.HttpMessageHandlerBuilderActions.Add(builder => builder.AdditionalHandlers.Add(new Redirector(google)));
            }
        }
    }

    private sealed class Redirector(FakeGoogle google) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri!;
            if (uri.Scheme != Uri.UriSchemeHttps || !Hosts.Contains(uri.Host))
            {
                throw new InvalidOperationException($"The test API tried to reach {uri}, which the Google stand-in does not serve.");
            }

            request.RequestUri = google.Local(uri);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
