using System.Globalization;
using System.Security.Cryptography;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Media;
using Nexus.Api.Features.Media.Storage;
using Nexus.Api.Features.Media.Uploading;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;
using Npgsql;

namespace Nexus.Api.Tests.Features.Media.Uploading;

/// <summary>
/// What keeps a resumable upload's bytes right: tus checksums, racing PATCHes, the sweep of what was left behind, and
/// the limits on how many uploads a person starts and a workspace keeps open.
/// </summary>
public sealed class UploadIntegrityTests(UploadsFixture api) : IClassFixture<UploadsFixture>
{
    private async Task<(Person Owner, string Workspace)> WorkspaceAsync()
    {
        var owner = await api.Host.PersonAsync("Uploader");
        return (owner, await api.Host.CreateWorkspaceAsync(owner, "Studio"));
    }

    /// <summary>A video of several staged parts (they are 64 KB here), so a PATCH of it spans parts.</summary>
    private static async Task<byte[]> VideoAsync()
    {
        using var video = await TestMedia.VideoAsync(3, 640, 480);
        var bytes = video.Bytes();
        Assert.True(bytes.Length > 3 * 65536, $"the test video should span several parts, not {bytes.Length} bytes");
        return bytes;
    }

    private static string Checksum(string algorithm, byte[] bytes) =>
        $"{algorithm} {Convert.ToBase64String(CryptographicOperations.HashData(algorithm == "sha1" ? HashAlgorithmName.SHA1 : HashAlgorithmName.SHA256, bytes))}";

    private static Guid UploadId(string location) => Guid.ParseExact(location[(location.LastIndexOf('/') + 1)..], "N");

    private string[] StagedParts(string location)
    {
        var directory = Path.Combine(api.MediaRoot, "uploads", UploadId(location).ToString("N"));
        return Directory.Exists(directory) ? Directory.GetFiles(directory) : [];
    }

    private async Task<long> RowsAsync(string location)
    {
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select count(*) from {UploadTables.Uploads} where id = $1", connection) { Parameters = { new() { Value = UploadId(location) } } };
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The stored bytes of the item a finished upload became.</summary>
    private async Task<byte[]> StoredBytesAsync(string mediaGlobalId)
    {
        Assert.True(GlobalId.TryParse(mediaGlobalId, MediaItemType.TypeName, out var mediaId), mediaGlobalId);
        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var item = await session.LoadAsync<MediaAsset>(mediaId);
        await using var stored = await api.Host.Services.GetRequiredService<IMediaStore>().OpenAsync(item!.StorageKey, null, CancellationToken.None);
        using var copy = new MemoryStream();
        await stored!.Content.CopyToAsync(copy);
        return copy.ToArray();
    }

    private async Task SweepAfterExpiryAsync()
    {
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
    }

    [Fact]
    public async Task the_checksum_extension_and_its_algorithms_are_announced()
    {
        var options = await api.Host.SendAsync(null, HttpMethod.Options, UploadEndpoints.Path, tus: false);

        Assert.Contains("checksum", options.Header("Tus-Extension")!.Split(','));
        Assert.Equal(["sha1", "sha256"], options.Header("Tus-Checksum-Algorithm")!.Split(','));
    }

    [Theory]
    [InlineData("sha1")]
    [InlineData("sha256")]
    public async Task patches_with_matching_checksums_count_and_the_file_is_the_source(string algorithm)
    {
        var (owner, workspace) = await WorkspaceAsync();
        var bytes = await VideoAsync();
        var location = (await api.Host.CreateUploadAsync(owner.Token, workspace, bytes.Length, "checked.mp4")).Header("Location")!;
        var split = bytes.Length / 2 + 123;

        var first = await api.Host.PatchAsync(owner.Token, location, 0, new ByteArrayContent(bytes[..split]), Checksum(algorithm, bytes[..split]));
        var last = await api.Host.PatchAsync(owner.Token, location, split, new ByteArrayContent(bytes[split..]), Checksum(algorithm, bytes[split..]));

        Assert.Equal((204, (long)split), (first.Status, first.Offset()));
        Assert.True(last.Status == 204, last.Body);
        Assert.Equal(SHA256.HashData(bytes), SHA256.HashData(await StoredBytesAsync(last.Header(ResumableUpload.MediaIdHeader)!)));
        Assert.Empty(StagedParts(location));
    }

    [Fact]
    public async Task a_patch_whose_checksum_does_not_match_keeps_nothing_and_the_upload_goes_on_from_where_it_was()
    {
        var (owner, workspace) = await WorkspaceAsync();
        var bytes = await VideoAsync();
        var location = (await api.Host.CreateUploadAsync(owner.Token, workspace, bytes.Length, "corrupt.mp4")).Header("Location")!;
        var first = await api.Host.PatchAsync(owner.Token, location, 0, new ByteArrayContent(bytes[..1000]), Checksum("sha1", bytes[..1000]));
        var partsBefore = StagedParts(location);
        // Several parts of bytes, one flipped in transit: the digest is the bytes the client meant to send.
        var corrupted = bytes[1000..];
        corrupted[^10] ^= 0xFF;

        var mismatched = await api.Host.PatchAsync(owner.Token, location, 1000, new ByteArrayContent(corrupted), Checksum("sha1", bytes[1000..]));
        var head = await api.Host.HeadAsync(owner.Token, location);
        var partsAfter = StagedParts(location);
        var resent = await api.Host.PatchAsync(owner.Token, location, 1000, new ByteArrayContent(bytes[1000..]), Checksum("sha1", bytes[1000..]));

        Assert.Equal(204, first.Status);
        Assert.Equal((ResumableUpload.ChecksumMismatch, "CHECKSUM_MISMATCH", 1000L), (mismatched.Status, mismatched.Code, mismatched.Offset()));
        Assert.Equal(1000, head.Offset());
        Assert.Equal(partsBefore, partsAfter);
        Assert.True(resent.Status == 204, resent.Body);
        Assert.Equal(SHA256.HashData(bytes), SHA256.HashData(await StoredBytesAsync(resent.Header(ResumableUpload.MediaIdHeader)!)));
    }

    [Theory]
    [InlineData("md5 1B2M2Y8AsgTpgAmY7PhCfg==")]
    [InlineData("crc32 AAAAAA==")]
    [InlineData("sha1 not-base64!")]
    [InlineData("sha256 2jmj7l5rSw0yVb/vlWAYkK/YBwk=")]
    [InlineData("sha1")]
    public async Task an_unsupported_or_malformed_checksum_is_a_bad_request_that_keeps_nothing(string header)
    {
        var (owner, workspace) = await WorkspaceAsync();
        var bytes = TestMedia.Image(200, 200);
        var location = (await api.Host.CreateUploadAsync(owner.Token, workspace, bytes.Length, "a.jpg")).Header("Location")!;

        var answer = await api.Host.PatchAsync(owner.Token, location, 0, new ByteArrayContent(bytes), header);

        Assert.Equal((400, "BAD_REQUEST"), (answer.Status, answer.Code));
        Assert.Equal(0, (await api.Host.HeadAsync(owner.Token, location)).Offset());
        Assert.Empty(StagedParts(location));
    }

    [Fact]
    public async Task a_checked_patch_is_refused_for_its_type_only_when_its_digest_shows_those_are_the_bytes_meant()
    {
        var (owner, workspace) = await WorkspaceAsync();
        var notes = System.Text.Encoding.UTF8.GetBytes(new string('x', 5000));
        var location = (await api.Host.CreateUploadAsync(owner.Token, workspace, notes.Length, "notes.mp4")).Header("Location")!;

        // A damaged body (its digest is another's) does not end the upload: it keeps nothing and says so.
        var damaged = await api.Host.PatchAsync(owner.Token, location, 0, new ByteArrayContent(notes), Checksum("sha256", TestMedia.Image(10, 10)));
        var still = await api.Host.HeadAsync(owner.Token, location);
        var meant = await api.Host.PatchAsync(owner.Token, location, 0, new ByteArrayContent(notes), Checksum("sha256", notes));

        Assert.Equal((ResumableUpload.ChecksumMismatch, "CHECKSUM_MISMATCH"), (damaged.Status, damaged.Code));
        Assert.Equal((200, 0L), (still.Status, still.Offset()));
        Assert.Equal((415, "UNSUPPORTED_MEDIA"), (meant.Status, meant.Code));
        Assert.Equal(404, (await api.Host.HeadAsync(owner.Token, location)).Status);
        Assert.Empty(StagedParts(location));
    }

    [Fact]
    public async Task a_checked_patch_cut_off_midway_keeps_nothing_since_its_bytes_cannot_be_checked()
    {
        var (owner, workspace) = await WorkspaceAsync();
        var bytes = await VideoAsync();
        var location = (await api.Host.CreateUploadAsync(owner.Token, workspace, bytes.Length, "flaky.mp4")).Header("Location")!;

        using (var client = api.Host.Server.CreateClient())
        using (var dropped = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
        {
            var content = new StreamContent(new StallingStream(bytes[..(bytes.Length * 2 / 3)]));
            content.Headers.ContentType = new(ResumableUpload.OffsetOctetStream);
            using var request = new HttpRequestMessage(HttpMethod.Patch, location) { Content = content };
            request.Headers.Authorization = new("Bearer", owner.Token);
            request.Headers.TryAddWithoutValidation("Tus-Resumable", "1.0.0");
            request.Headers.TryAddWithoutValidation("Upload-Offset", "0");
            request.Headers.TryAddWithoutValidation("Upload-Checksum", Checksum("sha256", bytes));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.SendAsync(request, dropped.Token));
        }

        // The server notices the drop on its own time: until then the parts may still be pending.
        await Eventually.TrueAsync(() => StagedParts(location).Length == 0, "the dropped PATCH's staged parts should be deleted");
        Assert.Equal(0, (await api.Host.HeadAsync(owner.Token, location)).Offset());
        var whole = await api.Host.PatchAsync(owner.Token, location, 0, new ByteArrayContent(bytes), Checksum("sha256", bytes));
        Assert.True(whole.Status == 204, whole.Body);
    }

    [Fact]
    public async Task of_two_patches_racing_at_one_offset_exactly_one_counts_and_the_file_is_the_source()
    {
        var (owner, workspace) = await WorkspaceAsync();
        var bytes = await VideoAsync();
        var location = (await api.Host.CreateUploadAsync(owner.Token, workspace, bytes.Length, "raced.mp4")).Header("Location")!;
        // Both send their first 40 KB, wait until both are that far, then send the rest: both are inside the upload at once.
        var bothStarted = new Barrier(2);
        Task<UploadAnswer> Send() => api.Host.PatchAsync(owner.Token, location, 0, new StreamContent(new GatedStream(bytes, 40 * 1024, bothStarted)));

        var answers = await Task.WhenAll(Task.Run(Send), Task.Run(Send));

        Assert.Equal([204, 409], answers.Select(a => a.Status).Order());
        var winner = answers.Single(a => a.Status == 204);
        Assert.Equal("OFFSET_MISMATCH", answers.Single(a => a.Status == 409).Code);
        Assert.Equal(bytes.Length, (await api.Host.HeadAsync(owner.Token, location)).Offset());
        Assert.Equal(SHA256.HashData(bytes), SHA256.HashData(await StoredBytesAsync(winner.Header(ResumableUpload.MediaIdHeader)!)));
        Assert.Empty(StagedParts(location));
    }

    [Fact]
    public async Task an_expired_upload_is_swept_with_its_counted_and_its_pending_parts()
    {
        var (owner, workspace) = await WorkspaceAsync();
        var bytes = await VideoAsync();
        var location = (await api.Host.CreateUploadAsync(owner.Token, workspace, bytes.Length, "left.mp4")).Header("Location")!;
        await api.Host.PatchAsync(owner.Token, location, 0, bytes[..100_000]);
        var counted = StagedParts(location).Length;
        // A node that died between storing a part and counting it: the part is only named as pending.
        using (var part = TempFile.New(".part"))
        {
            await File.WriteAllBytesAsync(part.Path, bytes[100_000..150_000]);
            Assert.NotNull(await api.Host.Services.GetRequiredService<UploadStaging>().StageAsync(UploadId(location), part.Path, CancellationToken.None));
        }

        Assert.True(counted > 0);
        Assert.Equal(counted + 1, StagedParts(location).Length);
        Assert.Equal(100_000, (await api.Host.HeadAsync(owner.Token, location)).Offset());

        await SweepAfterExpiryAsync();

        Assert.Empty(StagedParts(location));
        Assert.Equal(0, await RowsAsync(location));
        Assert.Equal(404, (await api.Host.HeadAsync(owner.Token, location)).Status);
    }

    [Fact]
    public async Task a_finished_upload_leaves_no_staged_parts_and_is_not_swept_away()
    {
        var (owner, workspace) = await WorkspaceAsync();
        var bytes = await VideoAsync();

        var last = await api.Host.UploadResumableAsync(owner.Token, workspace, bytes, "done.mp4", chunks: 4);

        Assert.True(last.Status == 204, last.Body);
        var media = last.Header(ResumableUpload.MediaIdHeader)!;
        var location = last.Response.RequestMessage!.RequestUri!.AbsolutePath;
        Assert.Empty(StagedParts(location));
        await SweepAfterExpiryAsync();
        Assert.Equal(SHA256.HashData(bytes), SHA256.HashData(await StoredBytesAsync(media)));
    }

    [Fact]
    public async Task starting_uploads_is_rate_limited_per_person_with_retry_after()
    {
        var (owner, workspace) = await WorkspaceAsync();
        var colleague = await api.Host.PersonAsync("Colleague");
        await api.Host.AddMemberAsync(owner, workspace, colleague, "EDITOR");
        var image = TestMedia.Image(50, 50);

        // Every start counts, whether it is a tus creation, a simple upload, or one refused as malformed.
        var spent = new List<int>
        {
            (await api.Host.CreateUploadAsync(owner.Token, workspace, 1000)).Status,
            (await api.Host.UploadSimpleAsync(owner.Token, workspace, image, "a.jpg")).Status,
        };
        for (var i = spent.Count; i < UploadsFixture.UploadsPerHour; i++)
        {
            spent.Add((await api.Host.CreateUploadAsync(owner.Token, workspace, 0)).Status);
        }

        var creation = await api.Host.CreateUploadAsync(owner.Token, workspace, 1000);
        var simple = await api.Host.UploadSimpleAsync(owner.Token, workspace, image, "b.jpg");
        var theirs = await api.Host.CreateUploadAsync(colleague.Token, workspace, 1000);

        Assert.Equal([201, 201], spent[..2]);
        Assert.All(spent[2..], status => Assert.Equal(400, status));
        Assert.Equal((429, "RATE_LIMITED"), (creation.Status, creation.Code));
        Assert.Equal((429, "RATE_LIMITED"), (simple.Status, simple.Code));
        Assert.InRange(int.Parse(creation.Header("Retry-After")!, CultureInfo.InvariantCulture), 1, 3600);
        Assert.Contains("Retry-After", creation.Json.GetProperty("message").GetString());
        Assert.Equal(201, theirs.Status);
    }

    [Fact]
    public async Task a_workspace_keeps_a_bounded_number_of_unfinished_uploads()
    {
        var (owner, workspace) = await WorkspaceAsync();
        var open = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            open.Add((await api.Host.CreateUploadAsync(owner.Token, workspace, 1000)).Header("Location")!);
        }

        var sixth = await api.Host.CreateUploadAsync(owner.Token, workspace, 1000);
        await api.Host.SendAsync(owner.Token, HttpMethod.Delete, open[0]);
        var again = await api.Host.CreateUploadAsync(owner.Token, workspace, 1000);

        Assert.Equal((429, "TOO_MANY_UPLOADS"), (sixth.Status, sixth.Code));
        Assert.Contains("5 unfinished uploads", sixth.Json.GetProperty("message").GetString());
        Assert.Equal(201, again.Status);
    }

    /// <summary>Gives the first <c>gateAt</c> bytes, then waits at <c>barrier</c> for the other request before the rest.</summary>
    private sealed class GatedStream(byte[] bytes, int gateAt, Barrier barrier) : ScriptedBody(bytes)
    {
        private bool _passed;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Position >= gateAt && !_passed)
            {
                _passed = true;
                await Task.Run(() => barrier.SignalAndWait(TimeSpan.FromSeconds(10)), cancellationToken);
                // Time for both servers' handlers to read what came before the gate.
                await Task.Delay(200, cancellationToken);
            }

            return Give(buffer, _passed ? Bytes.Length : gateAt);
        }
    }
}
