using System.Security.Cryptography;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Media;
using Nexus.Api.Features.Media.Storage;

namespace Nexus.Api.Tests.Features.Media.Storage;

/// <summary>
/// What every <see cref="IMediaStore"/> does, run against each: files come back as stored, whole or in ranges; a key is
/// written once; a missing file is null and deleting one is idempotent; large files stream from streams that cannot
/// seek or tell their length; a failed upload leaves nothing; keys never leave the store.
/// </summary>
public abstract class MediaStoreContract
{
    protected abstract IMediaStore Store { get; }

    private static string NewKey(string extension = ".jpg") => $"{Guid.NewGuid():N}/{Guid.NewGuid():N}{extension}";

    private static byte[] Bytes(int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private async Task<byte[]?> ReadAsync(string key, ByteRange? range = null)
    {
        await using var stored = await Store.OpenAsync(key, range, CancellationToken.None);
        if (stored is null)
        {
            return null;
        }

        using var copy = new MemoryStream();
        await stored.Content.CopyToAsync(copy);
        Assert.Equal(stored.Length, copy.Length);
        return copy.ToArray();
    }

    [Fact]
    public async Task a_stored_file_opens_with_its_bytes_length_and_type()
    {
        var key = NewKey();
        var bytes = Bytes(100_000);
        await Store.PutAsync(key, new MemoryStream(bytes), "image/jpeg", CancellationToken.None);

        await using var stored = await Store.OpenAsync(key, null, CancellationToken.None);
        Assert.NotNull(stored);
        Assert.Equal((100_000L, 100_000L, "image/jpeg"), (stored.Length, stored.TotalLength, stored.ContentType));
        using var copy = new MemoryStream();
        await stored.Content.CopyToAsync(copy);
        Assert.Equal(bytes, copy.ToArray());
    }

    [Fact]
    public async Task an_empty_file_is_stored_and_read_back_empty()
    {
        var key = NewKey(".png");
        await Store.PutAsync(key, new MemoryStream(), "image/png", CancellationToken.None);

        Assert.Empty((await ReadAsync(key))!);
    }

    [Fact]
    public async Task ranges_read_part_of_the_file_and_know_the_whole_length()
    {
        var key = NewKey(".mp4");
        var bytes = Bytes(10_000, seed: 2);
        await Store.PutAsync(key, new MemoryStream(bytes), "video/mp4", CancellationToken.None);

        await using (var middle = await Store.OpenAsync(key, new ByteRange(100, 199), CancellationToken.None))
        {
            Assert.Equal((100L, 10_000L, "video/mp4"), (middle!.Length, middle.TotalLength, middle.ContentType));
        }

        Assert.Equal(bytes[100..200], await ReadAsync(key, new ByteRange(100, 199)));
        Assert.Equal(bytes[9_000..], await ReadAsync(key, new ByteRange(9_000, null)));
        Assert.Equal(bytes[..1], await ReadAsync(key, new ByteRange(0, 0)));
        // A range running past the end stops at the end; one starting past it is empty.
        Assert.Equal(bytes[9_990..], await ReadAsync(key, new ByteRange(9_990, 20_000)));
        await using var past = await Store.OpenAsync(key, new ByteRange(10_000, null), CancellationToken.None);
        Assert.Equal((0L, 10_000L), (past!.Length, past.TotalLength));
    }

    [Fact]
    public async Task a_missing_file_is_null_whole_or_in_part()
    {
        Assert.Null(await Store.OpenAsync(NewKey(), null, CancellationToken.None));
        Assert.Null(await Store.OpenAsync(NewKey(), new ByteRange(0, 10), CancellationToken.None));
    }

    [Fact]
    public async Task deleting_removes_the_file_and_deleting_again_or_a_missing_one_is_nothing()
    {
        var key = NewKey();
        await Store.PutAsync(key, new MemoryStream(Bytes(1_000)), "image/jpeg", CancellationToken.None);

        await Store.DeleteAsync(key, CancellationToken.None);
        Assert.Null(await ReadAsync(key));
        await Store.DeleteAsync(key, CancellationToken.None);
        await Store.DeleteAsync(NewKey(), CancellationToken.None);
    }

    [Fact]
    public async Task a_key_is_written_once_and_a_second_write_leaves_the_first_file()
    {
        var key = NewKey();
        var first = Bytes(5_000, seed: 3);
        await Store.PutAsync(key, new MemoryStream(first), "image/jpeg", CancellationToken.None);

        await Assert.ThrowsAnyAsync<IOException>(() => Store.PutAsync(key, new MemoryStream(Bytes(7_000, seed: 4)), "image/jpeg", CancellationToken.None));

        Assert.Equal(first, await ReadAsync(key));
    }

    [Fact]
    public async Task a_large_file_streams_from_a_stream_that_cannot_seek_or_tell_its_length()
    {
        // Over two of the S3 store's 8 MiB parts and an odd remainder; the source is never a buffer the store could take whole.
        const long length = (2L * S3MediaStore.PartSize) + 123_457;
        var key = NewKey(".mp4");
        await Store.PutAsync(key, new GeneratedStream(length, seed: 5), "video/mp4", CancellationToken.None);

        await using var stored = await Store.OpenAsync(key, null, CancellationToken.None);
        Assert.Equal((length, length), (stored!.Length, stored.TotalLength));
        Assert.Equal(await SHA256.HashDataAsync(new GeneratedStream(length, seed: 5)), await SHA256.HashDataAsync(stored.Content));
        // A range across a part boundary.
        var expected = new byte[1_000];
        await using (var source = new GeneratedStream(length, seed: 5))
        {
            await source.ReadExactlyAsync(new byte[S3MediaStore.PartSize - 500]);
            await source.ReadExactlyAsync(expected);
        }

        Assert.Equal(expected, await ReadAsync(key, new ByteRange(S3MediaStore.PartSize - 500, S3MediaStore.PartSize + 499)));
    }

    [Fact]
    public async Task an_upload_that_fails_midway_leaves_nothing_under_its_key()
    {
        var key = NewKey(".mp4");

        await Assert.ThrowsAsync<IOException>(() =>
            Store.PutAsync(key, new GeneratedStream(3L * S3MediaStore.PartSize, seed: 6, failAfter: S3MediaStore.PartSize + 1_000), "video/mp4", CancellationToken.None));

        Assert.Null(await ReadAsync(key));
        // And the key is still free for the retry.
        await Store.PutAsync(key, new MemoryStream(Bytes(2_000)), "video/mp4", CancellationToken.None);
        Assert.Equal(2_000, (await ReadAsync(key))!.Length);
    }

    [Fact]
    public async Task concurrent_puts_of_different_keys_each_keep_their_own_bytes()
    {
        var files = Enumerable.Range(0, 12).Select(i => (Key: NewKey(i % 2 == 0 ? ".jpg" : ".png"), Bytes: Bytes(50_000 + (i * 997), seed: 100 + i))).ToList();

        await Task.WhenAll(files.Select(f => Task.Run(() => Store.PutAsync(f.Key, new MemoryStream(f.Bytes), f.Key.EndsWith(".jpg", StringComparison.Ordinal) ? "image/jpeg" : "image/png", CancellationToken.None))));

        foreach (var (key, bytes) in files)
        {
            Assert.Equal(bytes, await ReadAsync(key));
        }
    }

    [Theory]
    [InlineData("../outside.jpg")]
    [InlineData("a/../../outside.jpg")]
    [InlineData("/etc/outside.jpg")]
    public async Task a_key_that_would_leave_the_store_is_refused(string key)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.PutAsync(key, new MemoryStream(Bytes(10)), "image/jpeg", CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.OpenAsync(key, null, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.DeleteAsync(key, CancellationToken.None));
    }
}

public sealed class LocalDiskMediaStoreContractTests : MediaStoreContract, IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "nexus-store-contract", Guid.NewGuid().ToString("N"), "media");

    public LocalDiskMediaStoreContractTests() =>
        Store = new LocalDiskMediaStore(Options.Create(new MediaOptions { LocalRoot = _root }), new HostingEnvironment { ContentRootPath = Path.GetTempPath() });

    protected override IMediaStore Store { get; }

    [Fact]
    public async Task nothing_is_written_beside_the_root()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.PutAsync("../outside.jpg", new MemoryStream([1, 2, 3]), "image/jpeg", CancellationToken.None));

        Assert.Equal(["media"], Directory.GetFileSystemEntries(Path.GetDirectoryName(_root)!).Select(Path.GetFileName));
    }

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_root)!, recursive: true);
}

/// <summary>One s3rver for the S3 store's contract run.</summary>
public sealed class S3rverFixture : IAsyncLifetime
{
    public S3rver Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await S3rver.StartAsync();

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}

public sealed class S3MediaStoreContractTests(S3rverFixture s3rver) : MediaStoreContract, IClassFixture<S3rverFixture>, IDisposable
{
    private readonly S3MediaStore _store = new(Options.Create(new MediaOptions
    {
        Storage = MediaStorageKind.S3,
        S3 = new S3MediaOptions { Bucket = s3rver.Server.Bucket, ServiceUrl = s3rver.Server.ServiceUrl, AccessKey = S3rver.AccessKey, SecretKey = S3rver.SecretKey },
    }));

    protected override IMediaStore Store => _store;

    [Fact]
    public void the_options_need_a_bucket_and_keys_in_pairs_when_storage_is_s3()
    {
        var validation = new S3MediaOptionsValidation();

        Assert.True(validation.Validate(null, new MediaOptions { S3 = new S3MediaOptions { Bucket = "" } }).Succeeded);
        Assert.True(validation.Validate(null, new MediaOptions { Storage = MediaStorageKind.S3 }).Succeeded);
        var noBucket = validation.Validate(null, new MediaOptions { Storage = MediaStorageKind.S3, S3 = new S3MediaOptions { Bucket = " " } });
        Assert.Contains("Bucket", noBucket.FailureMessage, StringComparison.Ordinal);
        var halfKeys = validation.Validate(null, new MediaOptions { Storage = MediaStorageKind.S3, S3 = new S3MediaOptions { AccessKey = "AKIAEXAMPLE", SecretKey = null } });
        Assert.False(halfKeys.Succeeded);
        Assert.DoesNotContain("AKIAEXAMPLE", halfKeys.FailureMessage, StringComparison.Ordinal);
    }

    public void Dispose() => _store.Dispose();
}

/// <summary>
/// <paramref name="length"/> pseudo-random bytes made as they are read: it cannot seek nor tell its length, like a
/// request body; with <paramref name="failAfter"/> the read past that many bytes fails like a dropped connection.
/// </summary>
internal sealed class GeneratedStream(long length, int seed, long? failAfter = null) : Stream
{
    private readonly Random _random = new(seed);
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (failAfter is { } fail && _position >= fail)
        {
            throw new IOException("The connection dropped.");
        }

        // Odd-sized reads, as a network stream gives them.
        var count = (int)Math.Min(Math.Min(buffer.Length, 65_521), length - _position);
        _random.NextBytes(buffer[..count]);
        _position += count;
        return count;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
