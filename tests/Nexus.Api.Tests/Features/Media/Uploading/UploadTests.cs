using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Media.Uploading;
using Nexus.Api.Tests.Features.Apps;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;
using SkiaSharp;

namespace Nexus.Api.Tests.Features.Media.Uploading;

/// <summary>The simple upload and the tus resumable upload, over HTTP into the library, on a real host.</summary>
public sealed class UploadTests(UploadsFixture api) : IClassFixture<UploadsFixture>
{
    private async Task<(Person Owner, string Workspace)> WorkspaceAsync()
    {
        var owner = await api.Host.PersonAsync("Uploader");
        return (owner, await api.Host.CreateWorkspaceAsync(owner, "Studio"));
    }

    [Fact]
    public async Task a_picture_uploaded_in_one_form_becomes_an_item_with_its_facts()
    {
        var (owner, workspace) = await WorkspaceAsync();
        var bytes = TestMedia.Image(640, 480);

        var answer = await api.Host.UploadSimpleAsync(owner.Token, workspace, bytes, "holiday/beach.jpg");

        Assert.True(answer.Status == 201, answer.Body);
        var json = answer.Json;
        Assert.Equal(("IMAGE", "image/jpeg", 640, 480, (long)bytes.Length),
            (json.GetProperty("kind").GetString(), json.GetProperty("mime").GetString(), json.GetProperty("width").GetInt32(), json.GetProperty("height").GetInt32(),
                json.GetProperty("sizeBytes").GetInt64()));
        var item = await api.Host.MediaItemAsync(owner, json.GetProperty("id").GetString()!);
        Assert.Equal(("beach.jpg", "IMAGE", 0), (item.GetProperty("name").GetString(), item.GetProperty("kind").GetString(), item.GetProperty("tags").GetArrayLength()));
    }

    [Fact]
    public async Task a_file_named_for_another_type_is_taken_for_what_its_bytes_are()
    {
        var (owner, workspace) = await WorkspaceAsync();
        var png = TestMedia.Image(300, 200, SKEncodedImageFormat.Png);
        var raw = new ByteArrayContent(png);
        raw.Headers.ContentType = new("image/jpeg");

        var answer = await api.Host.SendAsync(owner.Token, HttpMethod.Post, $"{UploadEndpoints.Path}?workspaceId={Uri.EscapeDataString(workspace)}&filename=photo.jpg", raw, tus: false);

        Assert.True(answer.Status == 201, answer.Body);
        Assert.Equal("image/png", answer.Json.GetProperty("mime").GetString());
        Assert.Equal("photo.jpg", (await api.Host.MediaItemAsync(owner, answer.Json.GetProperty("id").GetString()!)).GetProperty("name").GetString());
    }

    [Fact]
    public async Task a_text_file_is_refused_as_unsupported()
    {
        var (owner, workspace) = await WorkspaceAsync();

        var simple = await api.Host.UploadSimpleAsync(owner.Token, workspace, Encoding.UTF8.GetBytes("just some notes, not a picture\n"), "notes.jpg");
        var tus = await api.Host.UploadResumableAsync(owner.Token, workspace, Encoding.UTF8.GetBytes(new string('x', 5000)), "notes.mp4");

        Assert.Equal((415, "UNSUPPORTED_MEDIA"), (simple.Status, simple.Code));
        Assert.Equal((415, "UNSUPPORTED_MEDIA"), (tus.Status, tus.Code));
    }

    [Fact]
    public async Task a_simple_upload_over_the_image_limit_is_refused_as_it_streams()
    {
        var (owner, workspace) = await WorkspaceAsync();
        var big = new byte[UploadsFixture.MaxImageBytes + 200_000];
        TestMedia.Image(64, 64).CopyTo(big, 0);

        var declared = await api.Host.UploadSimpleAsync(owner.Token, workspace, big, "big.jpg");
        // No Content-Length: counted while it streams.
        var streamed = await api.Host.SendAsync(owner.Token, HttpMethod.Post, $"{UploadEndpoints.Path}?workspaceId={Uri.EscapeDataString(workspace)}",
            new StreamContent(new UnseekableStream(big)), tus: false);

        Assert.Equal((413, "MEDIA_TOO_LARGE"), (declared.Status, declared.Code));
        Assert.Equal((413, "MEDIA_TOO_LARGE"), (streamed.Status, streamed.Code));
    }

    [Fact]
    public async Task a_video_sent_in_three_patches_becomes_an_item_named_in_the_last_answer()
    {
        var (owner, workspace) = await WorkspaceAsync();
        using var video = await TestMedia.VideoAsync(2, 320, 240);
        var bytes = video.Bytes();

        var created = await api.Host.CreateUploadAsync(owner.Token, workspace, bytes.Length, "launch clip.mp4");
        Assert.True(created.Status == 201, created.Body);
        Assert.NotNull(created.Header("Upload-Expires"));
        var location = created.Header("Location")!;
        var third = bytes.Length / 3;
        var first = await api.Host.PatchAsync(owner.Token, location, 0, bytes[..third]);
        var head = await api.Host.HeadAsync(owner.Token, location);
        var second = await api.Host.PatchAsync(owner.Token, location, third, bytes[third..(2 * third)]);
        var last = await api.Host.PatchAsync(owner.Token, location, 2 * third, bytes[(2 * third)..]);

        Assert.Equal((204, (long)third), (first.Status, first.Offset()));
        Assert.Equal((200, (long)third, bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), "no-store"),
            (head.Status, head.Offset(), head.Header("Upload-Length"), head.Header("Cache-Control")));
        Assert.Equal(204, second.Status);
        Assert.True(last.Status == 204, last.Body);
        Assert.Equal(bytes.Length, last.Offset());
        var id = last.Header(ResumableUpload.MediaIdHeader)!;
        var item = await api.Host.MediaItemAsync(owner, id);
        Assert.Equal(("launch clip.mp4", "VIDEO", "video/mp4", 320, 240, "h264", "aac", (long)bytes.Length),
            (item.GetProperty("name").GetString(), item.GetProperty("kind").GetString(), item.GetProperty("mime").GetString(), item.GetProperty("width").GetInt32(),
                item.GetProperty("height").GetInt32(), item.GetProperty("videoCodec").GetString(), item.GetProperty("audioCodec").GetString(), item.GetProperty("sizeBytes").GetInt64()));
        Assert.InRange(item.GetProperty("durationSeconds").GetDouble(), 1.9, 2.2);
        Assert.Equal(id, (await api.Host.HeadAsync(owner.Token, location)).Header(ResumableUpload.MediaIdHeader));
        // The staged parts are gone once the item is stored.
        Assert.False(Directory.Exists(Path.Combine(api.MediaRoot, "uploads", location[(location.LastIndexOf('/') + 1)..])) &&
            Directory.EnumerateFiles(Path.Combine(api.MediaRoot, "uploads", location[(location.LastIndexOf('/') + 1)..])).Any());
    }

    [Fact]
    public async Task a_patch_cut_off_midway_keeps_what_arrived_and_the_upload_resumes_from_there()
    {
        var (owner, workspace) = await WorkspaceAsync();
        using var video = await TestMedia.VideoAsync(2, 320, 240);
        var bytes = video.Bytes();
        var created = await api.Host.CreateUploadAsync(owner.Token, workspace, bytes.Length, "flaky.mp4");
        var location = created.Header("Location")!;
        var half = bytes.Length / 2;

        // The connection drops after the first 40 % of a PATCH meant to carry the whole file: the client gives up on it.
        var sent = half * 4 / 5;
        using (var client = api.Host.Server.CreateClient())
        using (var dropped = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
        {
            var content = new StreamContent(new StallingStream(bytes[..sent]));
            content.Headers.ContentType = new(ResumableUpload.OffsetOctetStream);
            using var request = new HttpRequestMessage(HttpMethod.Patch, location) { Content = content };
            request.Headers.Authorization = new("Bearer", owner.Token);
            request.Headers.TryAddWithoutValidation("Tus-Resumable", "1.0.0");
            request.Headers.TryAddWithoutValidation("Upload-Offset", "0");
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.SendAsync(request, dropped.Token));
        }

        long offset = 0;
        await Eventually.TrueAsync(async () => (offset = (await api.Host.HeadAsync(owner.Token, location)).Offset()) == sent,
            $"HEAD's offset should reach the {sent} bytes received before the drop");
        var rest = await api.Host.PatchAsync(owner.Token, location, offset, bytes[(int)offset..]);

        Assert.True(rest.Status == 204, rest.Body);
        var item = await api.Host.MediaItemAsync(owner, rest.Header(ResumableUpload.MediaIdHeader)!);
        Assert.Equal(((long)bytes.Length, "VIDEO"), (item.GetProperty("sizeBytes").GetInt64(), item.GetProperty("kind").GetString()));
    }

    [Fact]
    public async Task a_patch_at_the_wrong_offset_is_a_conflict_and_changes_nothing()
    {
        var (owner, workspace) = await WorkspaceAsync();
        var bytes = TestMedia.Image(200, 200);
        var location = (await api.Host.CreateUploadAsync(owner.Token, workspace, bytes.Length, "a.jpg")).Header("Location")!;
        await api.Host.PatchAsync(owner.Token, location, 0, bytes[..100]);

        var behind = await api.Host.PatchAsync(owner.Token, location, 0, bytes[..100]);
        var ahead = await api.Host.PatchAsync(owner.Token, location, 150, bytes[150..]);

        Assert.Equal((409, 100L), (behind.Status, behind.Offset()));
        Assert.Equal(409, ahead.Status);
        Assert.Equal(100, (await api.Host.HeadAsync(owner.Token, location)).Offset());
    }

    [Fact]
    public async Task the_protocol_is_announced_and_its_version_required()
    {
        var (owner, workspace) = await WorkspaceAsync();
        var options = await api.Host.SendAsync(null, HttpMethod.Options, UploadEndpoints.Path, tus: false);
        var location = (await api.Host.CreateUploadAsync(owner.Token, workspace, 1000, "a.jpg")).Header("Location")!;

        var unversioned = await api.Host.SendAsync(owner.Token, HttpMethod.Head, location, tus: false);
        var wrongType = await api.Host.SendAsync(owner.Token, HttpMethod.Patch, location, new ByteArrayContent([1, 2, 3]) { Headers = { ContentType = new("application/octet-stream") } },
            new Dictionary<string, string> { ["Upload-Offset"] = "0" });

        Assert.Equal((204, "1.0.0", "creation,expiration,termination,checksum", UploadsFixture.MaxVideoBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            (options.Status, options.Header("Tus-Version"), options.Header("Tus-Extension"), options.Header("Tus-Max-Size")));
        Assert.Equal(412, unversioned.Status);
        Assert.Equal(415, wrongType.Status);
    }

    [Fact]
    public async Task sizes_are_refused_early_by_the_largest_limit_then_by_the_kind_the_first_bytes_show()
    {
        var (owner, workspace) = await WorkspaceAsync();

        var huge = await api.Host.CreateUploadAsync(owner.Token, workspace, UploadsFixture.MaxVideoBytes + 1, "huge.mp4");
        // Within the video limit, but the first bytes are a JPEG's: refused before the rest is sent.
        var declared = await api.Host.CreateUploadAsync(owner.Token, workspace, UploadsFixture.MaxImageBytes * 3, "big.jpg");
        var location = declared.Header("Location")!;
        var first = await api.Host.PatchAsync(owner.Token, location, 0, TestMedia.Image(64, 64)[..200]);

        Assert.Equal((413, "MEDIA_TOO_LARGE"), (huge.Status, huge.Code));
        Assert.Equal(201, declared.Status);
        Assert.Equal((413, "MEDIA_TOO_LARGE"), (first.Status, first.Code));
        Assert.Equal(404, (await api.Host.HeadAsync(owner.Token, location)).Status);
    }

    [Fact]
    public async Task outsiders_viewers_and_other_workspaces_cannot_touch_an_upload()
    {
        var (owner, workspace) = await WorkspaceAsync();
        var viewer = await api.Host.PersonAsync("Viewer");
        await api.Host.AddMemberAsync(owner, workspace, viewer, "VIEWER");
        var outsider = await api.Host.PersonAsync("Outsider");
        var theirs = await api.Host.CreateWorkspaceAsync(outsider, "Elsewhere");
        var location = (await api.Host.CreateUploadAsync(owner.Token, workspace, 1000, "a.jpg")).Header("Location")!;

        Assert.Equal(401, (await api.Host.CreateUploadAsync(null, workspace, 1000)).Status);
        Assert.Equal(404, (await api.Host.CreateUploadAsync(outsider.Token, workspace, 1000)).Status);
        Assert.Equal(403, (await api.Host.CreateUploadAsync(viewer.Token, workspace, 1000)).Status);
        Assert.Equal(403, (await api.Host.UploadSimpleAsync(viewer.Token, workspace, TestMedia.Image(10, 10), "a.jpg")).Status);
        Assert.Equal(404, (await api.Host.HeadAsync(outsider.Token, location)).Status);
        Assert.Equal(404, (await api.Host.PatchAsync(outsider.Token, location, 0, [0xFF, 0xD8, 0xFF])).Status);
        Assert.Equal(404, (await api.Host.SendAsync(outsider.Token, HttpMethod.Delete, location)).Status);
        Assert.Equal(201, (await api.Host.CreateUploadAsync(outsider.Token, theirs, 1000)).Status);
        Assert.Equal(0, (await api.Host.HeadAsync(owner.Token, location)).Offset());
    }

    [Fact]
    public async Task an_app_uploads_with_media_write_for_its_own_workspace_only()
    {
        var (owner, workspace) = await WorkspaceAsync();
        var other = await api.Host.CreateWorkspaceAsync(owner, "Other");
        var writer = await api.Host.RegisterAppAsync(owner, workspace, confidential: true, scopes: ["media:write", "posts:read"]);
        var reader = await api.Host.RegisterAppAsync(owner, workspace, confidential: true, scopes: ["posts:read"], name: "Reader");
        var withScope = (await api.Host.ClientCredentialsAsync(writer, scope: "media:write")).AccessToken;
        var withoutScope = (await api.Host.ClientCredentialsAsync(reader, scope: "posts:read")).AccessToken;

        var allowed = await api.Host.UploadSimpleAsync(withScope, workspace, TestMedia.Image(100, 100), "app.jpg");
        var refused = await api.Host.UploadSimpleAsync(withoutScope, workspace, TestMedia.Image(100, 100), "app.jpg");
        var elsewhere = await api.Host.CreateUploadAsync(withScope, other, 1000);
        var tus = await api.Host.CreateUploadAsync(withScope, workspace, 1000);

        Assert.True(allowed.Status == 201, allowed.Body);
        Assert.Equal(403, refused.Status);
        Assert.Contains("insufficient_scope", refused.Response.Headers.WwwAuthenticate.ToString());
        Assert.Equal(403, elsewhere.Status);
        Assert.Equal(201, tus.Status);
        Assert.Equal(403, (await api.Host.HeadAsync(withoutScope, tus.Header("Location")!)).Status);
    }

    [Fact]
    public async Task an_unfinished_upload_expires_and_the_sweep_removes_it_and_its_bytes()
    {
        var (owner, workspace) = await WorkspaceAsync();
        var bytes = TestMedia.Image(300, 300);
        var location = (await api.Host.CreateUploadAsync(owner.Token, workspace, bytes.Length, "a.jpg")).Header("Location")!;
        await api.Host.PatchAsync(owner.Token, location, 0, bytes[..500]);
        var parts = Path.Combine(api.MediaRoot, "uploads", location[(location.LastIndexOf('/') + 1)..]);
        Assert.NotEmpty(Directory.EnumerateFiles(parts));
        var deleted = (await api.Host.CreateUploadAsync(owner.Token, workspace, bytes.Length, "b.jpg")).Header("Location")!;

        var terminated = await api.Host.SendAsync(owner.Token, HttpMethod.Delete, deleted);
        try
        {
            api.Clock.SetTo(DateTimeOffset.UtcNow.AddHours(25));
            while (await api.Host.Services.GetRequiredService<UploadStaging>().SweepOnceAsync(CancellationToken.None))
            {
            }
        }
        finally
        {
            api.Clock.Reset();
        }

        Assert.Equal(204, terminated.Status);
        Assert.Equal(404, (await api.Host.HeadAsync(owner.Token, deleted)).Status);
        Assert.Equal(404, (await api.Host.HeadAsync(owner.Token, location)).Status);
        Assert.Empty(Directory.EnumerateFiles(parts));
    }

    /// <summary>A body whose length the client does not announce.</summary>
    private sealed class UnseekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
