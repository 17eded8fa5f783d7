using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Alba;
using Microsoft.AspNetCore.WebUtilities;

namespace Nexus.Api.Tests.Infrastructure;

/// <summary>The token endpoint's answer.</summary>
public sealed record TokenResponse(int Status, JsonElement Body)
{
    public string AccessToken => Body.GetProperty("access_token").GetString()!;

    public string RefreshToken => Body.GetProperty("refresh_token").GetString()!;

    public string? Error => Body.TryGetProperty("error", out var e) ? e.GetString() : null;

    public string? ErrorDescription => Body.TryGetProperty("error_description", out var e) ? e.GetString() : null;
}

/// <summary>Speaks to Nexus's OAuth endpoints the way a client would.</summary>
public static class OAuthClient
{
    public const string ApiScopes = "openid offline_access email profile nexus";

    public static Task<TokenResponse> PasswordGrantAsync(this IAlbaHost host, string email, string password, string clientId = "nexus-cli") =>
        host.TokenAsync(new()
        {
            ["grant_type"] = "password",
            ["client_id"] = clientId,
            ["username"] = email,
            ["password"] = password,
            ["scope"] = ApiScopes,
        });

    public static Task<TokenResponse> RefreshAsync(this IAlbaHost host, string refreshToken, string clientId = "nexus-cli") =>
        host.TokenAsync(new() { ["grant_type"] = "refresh_token", ["client_id"] = clientId, ["refresh_token"] = refreshToken });

    public static async Task<TokenResponse> TokenAsync(this IAlbaHost host, Dictionary<string, string> form)
    {
        using var client = host.Server.CreateClient();
        using var response = await client.PostAsync("/connect/token", new FormUrlEncodedContent(form));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        return new TokenResponse((int)response.StatusCode, body);
    }

    /// <summary>Signs up through GraphQL and signs in with the password grant; returns the access token.</summary>
    public static async Task<(string Email, string Password, TokenResponse Tokens)> SignedUpUserAsync(this IAlbaHost host, string? displayName = null)
    {
        var email = $"user-{Guid.NewGuid():N}@example.com";
        const string password = "correct horse battery staple";
        var signUp = await host.QueryAsync(
            "mutation ($input: SignUpInput!) { signUp(input: $input) { user { id } errors { __typename } } }",
            new { input = new { email, password, displayName = displayName ?? "Test User" } });
        Assert.Equal(0, signUp.GetProperty("signUp").GetProperty("errors").GetArrayLength());
        var tokens = await host.PasswordGrantAsync(email, password);
        Assert.True(tokens.Status == 200, tokens.Body.ToString());
        return (email, password, tokens);
    }

    public static async Task<GraphQLResponse> PostGraphQLAsync(this IAlbaHost host, string accessToken, string query, object? variables = null)
    {
        using var client = host.Server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { query, variables }), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", accessToken);
        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new GraphQLResponse((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType,
            JsonDocument.Parse(text).RootElement.Clone(), response);
    }

    public static (string Verifier, string Challenge) Pkce()
    {
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        return (verifier, Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>A browser: keeps cookies and lets the test follow redirects one at a time.</summary>
public sealed class Browser(IAlbaHost host, CookieContainer cookies) : IDisposable
{
    private readonly HttpClient _client = new(new CookieHandler(host.Server.CreateHandler(), cookies)) { BaseAddress = new Uri("http://localhost") };

    public Browser(IAlbaHost host) : this(host, new CookieContainer())
    {
    }

    /// <summary>This browser, its cookies included, sent to another node of the same API (as a load balancer would).</summary>
    public Browser On(IAlbaHost other) => new(other, cookies);

    public async Task<HttpResponseMessage> GetAsync(string url) => await _client.GetAsync(url);

    public async Task<HttpResponseMessage> PostFormAsync(string url, Dictionary<string, string> form) =>
        await _client.PostAsync(url, new FormUrlEncodedContent(form));

    /// <summary>Follows local redirects until a non-redirect answer or a redirect leaving Nexus.</summary>
    public async Task<HttpResponseMessage> FollowAsync(HttpResponseMessage response)
    {
        for (var hops = 0; hops < 10 && (int)response.StatusCode is >= 300 and < 400; hops++)
        {
            var location = response.Headers.Location!;
            if (location.IsAbsoluteUri && location.Authority != "localhost")
            {
                return response;
            }

            response = await _client.GetAsync(location);
        }

        return response;
    }

    public static Dictionary<string, string> HiddenFields(string html) =>
        System.Text.RegularExpressions.Regex.Matches(html, "<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\"")
            .ToDictionary(m => m.Groups[1].Value, m => WebUtility.HtmlDecode(m.Groups[2].Value));

    public static Dictionary<string, string> QueryOf(Uri uri) =>
        QueryHelpers.ParseQuery(uri.Query).ToDictionary(p => p.Key, p => p.Value.ToString());

    public void Dispose() => _client.Dispose();

    // The test server speaks plain HTTP, but outside Development every cookie is Secure: the jar plays a browser
    // on https://localhost so that it keeps and sends them, as a browser behind the production TLS proxy would.
    private sealed class CookieHandler(HttpMessageHandler inner, CookieContainer cookies) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var sent = request.RequestUri!.IsAbsoluteUri ? request.RequestUri : new Uri(new Uri("http://localhost"), request.RequestUri);
            var uri = new UriBuilder(sent) { Scheme = Uri.UriSchemeHttps, Port = -1 }.Uri;
            var header = cookies.GetCookieHeader(uri);
            if (header.Length > 0)
            {
                request.Headers.Add("Cookie", header);
            }

            var response = await base.SendAsync(request, cancellationToken);
            if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
            {
                foreach (var cookie in setCookies)
                {
                    cookies.SetCookies(uri, cookie);
                }
            }

            return response;
        }
    }
}
