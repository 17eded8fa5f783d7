using Nexus.Api.Features.Media.Uploading;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Media.Uploading;

/// <summary>A browser's tus client on the frontend's origin may upload; other origins get no CORS header, and other doors gain nothing.</summary>
public sealed class UploadCorsTests(CorsFixture api) : IClassFixture<CorsFixture>
{
    private const string Stranger = "https://evil.example.net";

    private static readonly string[] TusRequestHeaders = ["authorization", "content-type", "tus-resumable", "upload-offset", "upload-checksum", "upload-length", "upload-metadata"];

    [Theory]
    [InlineData("/media/uploads", "POST")]
    [InlineData("/media/uploads/0123456789abcdef0123456789abcdef", "PATCH")]
    [InlineData("/media/uploads/0123456789abcdef0123456789abcdef", "HEAD")]
    [InlineData("/media/uploads/0123456789abcdef0123456789abcdef", "DELETE")]
    public async Task a_preflight_from_the_frontend_allows_the_tus_methods_and_headers(string path, string method)
    {
        using var response = await PreflightAsync(path, CorsFixture.Frontend, method, TusRequestHeaders);

        Assert.True(response.IsSuccessStatusCode, response.StatusCode.ToString());
        Assert.Equal(CorsFixture.Frontend, Header(response, "Access-Control-Allow-Origin"));
        Assert.Contains(method, List(Header(response, "Access-Control-Allow-Methods")));
        var allowed = List(Header(response, "Access-Control-Allow-Headers")?.ToLowerInvariant());
        Assert.All(TusRequestHeaders, header => Assert.Contains(header, allowed));
        Assert.Null(Header(response, "Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task another_origin_gets_no_cors_headers_on_uploads()
    {
        using var preflight = await PreflightAsync(UploadEndpoints.Path + "/0123456789abcdef0123456789abcdef", Stranger, "PATCH", TusRequestHeaders);
        using var client = api.Host.Server.CreateClient();
        using var discovery = new HttpRequestMessage(HttpMethod.Options, UploadEndpoints.Path) { Headers = { { "Origin", Stranger } } };
        using var answer = await client.SendAsync(discovery);

        Assert.Null(Header(preflight, "Access-Control-Allow-Origin"));
        Assert.Null(Header(answer, "Access-Control-Allow-Origin"));
        Assert.Null(Header(answer, "Access-Control-Expose-Headers"));
    }

    [Fact]
    public async Task the_frontend_reads_the_tus_answers()
    {
        var owner = await api.Host.PersonAsync("Browser");
        var workspace = await api.Host.CreateWorkspaceAsync(owner, "Studio");
        using var client = api.Host.Server.CreateClient();
        using var discovery = new HttpRequestMessage(HttpMethod.Options, UploadEndpoints.Path) { Headers = { { "Origin", CorsFixture.Frontend } } };
        using var create = new HttpRequestMessage(HttpMethod.Post, UploadEndpoints.Path);
        create.Headers.Add("Origin", CorsFixture.Frontend);
        create.Headers.Authorization = new("Bearer", owner.Token);
        create.Headers.Add("Tus-Resumable", "1.0.0");
        create.Headers.Add("Upload-Length", "1000");
        create.Headers.Add("Upload-Metadata", UploadScenarios.Metadata(workspace, "a.jpg"));

        using var announced = await client.SendAsync(discovery);
        using var created = await client.SendAsync(create);

        Assert.Equal(204, (int)announced.StatusCode);
        Assert.Equal(CorsFixture.Frontend, Header(announced, "Access-Control-Allow-Origin"));
        var exposedByOptions = List(Header(announced, "Access-Control-Expose-Headers"));
        Assert.All(["Tus-Version", "Tus-Extension", "Tus-Max-Size", "Tus-Checksum-Algorithm", "Tus-Resumable"], h => Assert.Contains(h, exposedByOptions));
        Assert.Equal(201, (int)created.StatusCode);
        Assert.Equal(CorsFixture.Frontend, Header(created, "Access-Control-Allow-Origin"));
        var exposed = List(Header(created, "Access-Control-Expose-Headers"));
        Assert.All(["Location", "Upload-Offset", "Upload-Length", "Upload-Expires", ResumableUpload.MediaIdHeader, "Retry-After"], h => Assert.Contains(h, exposed));
    }

    [Theory]
    [InlineData("/graphql")]
    [InlineData("/connect/token")]
    public async Task the_other_doors_gain_no_tus_methods(string path)
    {
        using var response = await PreflightAsync(path, CorsFixture.Frontend, "PATCH", ["authorization"]);

        Assert.DoesNotContain("PATCH", List(Header(response, "Access-Control-Allow-Methods")));
    }

    private async Task<HttpResponseMessage> PreflightAsync(string path, string origin, string method, string[] headers)
    {
        using var client = api.Host.Server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", string.Join(", ", headers));
        return await client.SendAsync(request);
    }

    private static string[] List(string? header) => header?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? [];

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : null;
}
