using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Nexus.Api.Infrastructure;

namespace Nexus.Api.Tests.Infrastructure;

/// <summary>The API with one frontend origin allowed to call it from script.</summary>
public sealed class CorsFixture : ApiFixture
{
    public const string Frontend = "https://app.example.com";

    protected override string Purpose => "cors";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Nexus:Cors:Origins:0"] = Frontend };
}

public sealed class HttpHardeningTests(CorsFixture api) : IClassFixture<CorsFixture>
{
    private const string Stranger = "https://evil.example.net";

    [Theory]
    [InlineData("/graphql")]
    [InlineData("/connect/token")]
    [InlineData("/connect/revoke")]
    [InlineData("/connect/userinfo")]
    [InlineData("/.well-known/openid-configuration")]
    public async Task a_preflight_from_the_frontend_is_answered(string path)
    {
        using var response = await PreflightAsync(path, CorsFixture.Frontend);

        Assert.True(response.IsSuccessStatusCode, response.StatusCode.ToString());
        Assert.Equal(CorsFixture.Frontend, Header(response, "Access-Control-Allow-Origin"));
        Assert.Contains("POST", Header(response, "Access-Control-Allow-Methods"));
        Assert.Contains("authorization", Header(response, "Access-Control-Allow-Headers") ?? "", StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("/graphql")]
    [InlineData("/connect/token")]
    [InlineData("/.well-known/openid-configuration")]
    public async Task another_origin_gets_no_cors_headers(string path)
    {
        using var preflight = await PreflightAsync(path, Stranger);
        using var client = api.Host.Server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Origin", Stranger);
        using var simple = await client.SendAsync(request);

        Assert.Null(Header(preflight, "Access-Control-Allow-Origin"));
        Assert.Null(Header(simple, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task the_frontend_reads_graphql_and_discovery_answers()
    {
        using var client = api.Host.Server.CreateClient();
        using var graphql = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = new StringContent("""{"query":"{ platforms { id } }"}""", MediaTypeHeaderValue.Parse("application/json")) };
        graphql.Headers.Add("Origin", CorsFixture.Frontend);
        using var discovery = new HttpRequestMessage(HttpMethod.Get, "/.well-known/openid-configuration");
        discovery.Headers.Add("Origin", CorsFixture.Frontend);

        using var graphqlResponse = await client.SendAsync(graphql);
        using var discoveryResponse = await client.SendAsync(discovery);

        Assert.Equal(HttpStatusCode.OK, graphqlResponse.StatusCode);
        Assert.Equal(CorsFixture.Frontend, Header(graphqlResponse, "Access-Control-Allow-Origin"));
        Assert.Equal(CorsFixture.Frontend, Header(discoveryResponse, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task pages_that_are_not_for_scripts_get_no_cors_headers()
    {
        using var client = api.Host.Server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/account/login");
        request.Headers.Add("Origin", CorsFixture.Frontend);

        using var response = await client.SendAsync(request);

        Assert.Null(Header(response, "Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("GET", "/account/login")]
    [InlineData("GET", "/graphql?query=%7B__typename%7D")]
    [InlineData("POST", "/connect/token")]
    [InlineData("GET", "/.well-known/openid-configuration")]
    [InlineData("GET", "/no/such/page")]
    public async Task every_response_forbids_content_sniffing(string method, string path)
    {
        using var client = api.Host.Server.CreateClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "password" });
        }

        using var response = await client.SendAsync(request);

        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
    }

    [Fact]
    public async Task cookies_are_secure_outside_development()
    {
        var (email, password, _) = await api.Host.SignedUpUserAsync();
        using var client = api.Host.Server.CreateClient();

        using var page = await client.GetAsync("/account/login");
        var fields = Browser.HiddenFields(await page.Content.ReadAsStringAsync());
        fields["email"] = email;
        fields["password"] = password;
        using var post = new HttpRequestMessage(HttpMethod.Post, "/account/login") { Content = new FormUrlEncodedContent(fields) };
        post.Headers.Add("Cookie", string.Join("; ", page.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0])));
        using var signedIn = await client.SendAsync(post);

        var cookies = page.Headers.GetValues("Set-Cookie").Concat(signedIn.Headers.GetValues("Set-Cookie")).ToList();
        Assert.Contains(cookies, c => c.StartsWith("nexus.af=", StringComparison.Ordinal));
        Assert.Contains(cookies, c => c.StartsWith("nexus.login=", StringComparison.Ordinal));
        Assert.All(cookies, c => Assert.Contains("; secure", c, StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("Production", true)]
    [InlineData("Staging", false)]
    [InlineData("Development", false)]
    public async Task hsts_is_sent_in_production_only(string environment, bool expected)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = environment });
        builder.WebHost.UseTestServer();
        builder.AddNexusHttpHardening();
        await using var app = builder.Build();
        app.UseNexusHttpHardening();
        app.MapGet("/", () => "hello");
        await app.StartAsync();
        using var client = app.GetTestClient();
        client.BaseAddress = new Uri("https://nexus.example.com");

        using var response = await client.GetAsync("/");

        Assert.Equal(expected, response.Headers.Contains("Strict-Transport-Security"));
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
    }

    private async Task<HttpResponseMessage> PreflightAsync(string path, string origin)
    {
        using var client = api.Host.Server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization, content-type");
        return await client.SendAsync(request);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : null;
}
