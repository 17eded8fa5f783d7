using System.Text;
using System.Text.Json;
using Nexus.Api.Tests.Features.Workspaces;
using SkiaSharp;

namespace Nexus.Api.Tests.Features.Media.Uploading;

/// <summary><c>importMedia</c> from a local server (private addresses allowed, as in Development).</summary>
public sealed class ImportTests(UploadsFixture api) : IClassFixture<UploadsFixture>
{
    private async Task<(Person Owner, string Workspace)> WorkspaceAsync()
    {
        var owner = await api.Host.PersonAsync("Importer");
        return (owner, await api.Host.CreateWorkspaceAsync(owner, "Imports"));
    }

    [Fact]
    public async Task a_picture_at_a_url_becomes_an_item_named_after_its_path_and_typed_by_its_bytes()
    {
        var (owner, workspace) = await WorkspaceAsync();
        var png = TestMedia.Image(500, 400, SKEncodedImageFormat.Png);
        var url = api.Source.Serve("summer%20sale.jpg", png, "image/jpeg");

        var payload = await api.Host.ImportAsync(owner, workspace, url);

        Assert.Equal(0, payload.GetProperty("errors").GetArrayLength());
        var media = payload.GetProperty("media");
        Assert.Equal(("summer sale.jpg", "IMAGE", "image/png", 500, 400, (long)png.Length),
            (media.GetProperty("name").GetString(), media.GetProperty("kind").GetString(), media.GetProperty("mime").GetString(), media.GetProperty("width").GetInt32(),
                media.GetProperty("height").GetInt32(), media.GetProperty("sizeBytes").GetInt64()));
        Assert.Equal("summer sale.jpg", (await api.Host.MediaItemAsync(owner, media.GetProperty("id").GetString()!)).GetProperty("name").GetString());
    }

    [Fact]
    public async Task a_video_at_a_url_is_imported_with_its_facts()
    {
        var (owner, workspace) = await WorkspaceAsync();
        using var video = await TestMedia.VideoAsync(1, 320, 180);

        var payload = await api.Host.ImportAsync(owner, workspace, api.Source.Serve("teaser.mp4", video.Bytes()));

        Assert.Equal(0, payload.GetProperty("errors").GetArrayLength());
        Assert.Equal(("VIDEO", 320, 180), (payload.GetProperty("media").GetProperty("kind").GetString(), payload.GetProperty("media").GetProperty("width").GetInt32(),
            payload.GetProperty("media").GetProperty("height").GetInt32()));
    }

    [Fact]
    public async Task a_source_that_answers_an_error_page_or_a_non_media_file_gives_typed_errors()
    {
        var (owner, workspace) = await WorkspaceAsync();
        var missing = $"http://127.0.0.1:{api.Source.Port}/files/{Guid.NewGuid():N}/gone.jpg";
        api.Source.Answer(new Uri(missing).AbsolutePath, 404, "not here");
        var page = api.Source.Serve("photo.jpg", Encoding.UTF8.GetBytes("<html><body>a photo page</body></html>"), "text/html");
        var tooLarge = new byte[UploadsFixture.MaxImageBytes + 10_000];
        TestMedia.Image(64, 64).CopyTo(tooLarge, 0);
        var big = api.Source.Serve("big.jpg", tooLarge);

        Assert.Equal(("SOURCE_FAILED", "404"), Error(await api.Host.ImportAsync(owner, workspace, missing), "404"));
        Assert.Equal("UNSUPPORTED_MEDIA", Error(await api.Host.ImportAsync(owner, workspace, page)).Code);
        Assert.Equal("MEDIA_TOO_LARGE", Error(await api.Host.ImportAsync(owner, workspace, big)).Code);
        Assert.Equal("URL_REFUSED", Error(await api.Host.ImportAsync(owner, workspace, "ftp://example.com/a.jpg")).Code);
        Assert.Equal("URL_REFUSED", Error(await api.Host.ImportAsync(owner, workspace, "not a url")).Code);
    }

    internal static (string Code, string? Found) Error(JsonElement payload, string? contains = null)
    {
        Assert.Equal(JsonValueKind.Null, payload.GetProperty("media").ValueKind);
        var error = Assert.Single(payload.GetProperty("errors").EnumerateArray());
        var message = error.GetProperty("message").GetString()!;
        return (error.GetProperty("code").GetString()!, contains is not null && message.Contains(contains, StringComparison.Ordinal) ? contains : message);
    }
}

/// <summary>With production's address policy: private, loopback and link-local sources are refused, also behind a redirect.</summary>
public sealed class StrictImportTests(StrictImportFixture api) : IClassFixture<StrictImportFixture>
{
    [Theory]
    [InlineData("http://127.0.0.1:9/a.jpg", "loopback")]
    [InlineData("http://169.254.169.254/latest/meta-data/a.jpg", "link-local")]
    [InlineData("http://10.0.0.1/a.jpg", "private")]
    [InlineData("http://[::1]:9/a.jpg", "loopback")]
    public async Task private_loopback_and_link_local_sources_are_refused_and_say_why(string url, string why)
    {
        var owner = await api.Host.PersonAsync("Importer");
        var workspace = await api.Host.CreateWorkspaceAsync(owner, "Strict");

        var (code, found) = ImportTests.Error(await api.Host.ImportAsync(owner, workspace, url), why);

        Assert.Equal(("URL_REFUSED", why), (code, found));
    }

    [Fact]
    public async Task a_redirect_into_a_private_address_is_refused()
    {
        var owner = await api.Host.PersonAsync("Importer");
        var workspace = await api.Host.CreateWorkspaceAsync(owner, "Strict");
        var path = $"/files/{Guid.NewGuid():N}/a.jpg";
        api.Source.Answer(path, context =>
        {
            context.Response.StatusCode = 302;
            context.Response.Headers.Location = "http://10.0.0.1/internal.jpg";
            return Task.CompletedTask;
        });

        var (code, found) = ImportTests.Error(await api.Host.ImportAsync(owner, workspace, $"http://127.0.0.1:{api.Source.Port}{path}"), "private");

        Assert.Equal(("URL_REFUSED", "private"), (code, found));
    }
}
