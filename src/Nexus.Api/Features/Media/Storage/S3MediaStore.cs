using System.Buffers;
using System.Globalization;
using System.Net;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;

namespace Nexus.Api.Features.Media.Storage;

/// <summary>
/// Files in an S3-compatible bucket (<see cref="S3MediaOptions"/>). A file is sent in parts of <see cref="PartSize"/>
/// bytes, so memory per upload stays one part whatever the file's size and whether or not its stream can seek or tell
/// its length; a file smaller than one part is a single PUT. An object appears whole or not at all (S3 shows a
/// multipart upload only once it is completed), and a failed upload's parts are aborted.
/// </summary>
public sealed class S3MediaStore : IMediaStore, IDisposable
{
    /// <summary>
    /// 8 MiB: above S3's 5 MiB minimum for every part but the last, and ~250 parts for a 2 GiB video (S3 allows 10 000).
    /// A part is in memory anyway, so it is sent whole and signed (no aws-chunked encoding, which several S3-compatible
    /// servers store as is).
    /// </summary>
    public const int PartSize = 8 * 1024 * 1024;

    private readonly AmazonS3Client _client;
    private readonly string _bucket;

    public S3MediaStore(IOptions<MediaOptions> options)
    {
        var s3 = options.Value.S3;
        _bucket = s3.Bucket;
        var config = new AmazonS3Config();
        if (string.IsNullOrWhiteSpace(s3.ServiceUrl))
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(s3.Region);
        }
        else
        {
            // MinIO, s3rver and most S3-compatible servers address buckets by path, not by subdomain, and know
            // nothing of the checksums the SDK adds to every request by default.
            config.ServiceURL = s3.ServiceUrl;
            config.AuthenticationRegion = s3.Region;
            config.ForcePathStyle = true;
            config.RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED;
            config.ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED;
        }

        // Without keys in configuration the SDK's own chain decides (environment, profile, instance or pod role).
        _client = string.IsNullOrEmpty(s3.AccessKey)
            ? new AmazonS3Client(config)
            : new AmazonS3Client(new BasicAWSCredentials(s3.AccessKey, s3.SecretKey), config);
    }

    public async Task PutAsync(string key, Stream content, string contentType, CancellationToken cancellationToken)
    {
        CheckKey(key);
        // If-None-Match makes AWS refuse a second write atomically; servers that ignore it are held to the rule by this look.
        if (await ExistsAsync(key, cancellationToken))
        {
            throw Taken(key);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(PartSize);
        try
        {
            var read = await FillAsync(content, buffer, cancellationToken);
            if (read < PartSize)
            {
                await SendAsync(() => _client.PutObjectAsync(new PutObjectRequest
                {
                    BucketName = _bucket,
                    Key = key,
                    ContentType = contentType,
                    InputStream = new MemoryStream(buffer, 0, read, writable: false),
                    AutoCloseStream = false,
                    UseChunkEncoding = false,
                    IfNoneMatch = "*",
                }, cancellationToken), key);
                return;
            }

            await PutInPartsAsync(key, content, contentType, buffer, read, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task PutInPartsAsync(string key, Stream content, string contentType, byte[] buffer, int read, CancellationToken cancellationToken)
    {
        var upload = await _client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = _bucket, Key = key, ContentType = contentType }, cancellationToken);
        try
        {
            var parts = new List<PartETag>();
            while (read > 0)
            {
                var part = await _client.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = _bucket,
                    Key = key,
                    UploadId = upload.UploadId,
                    PartNumber = parts.Count + 1,
                    InputStream = new MemoryStream(buffer, 0, read, writable: false),
                    PartSize = read,
                    UseChunkEncoding = false,
                }, cancellationToken);
                parts.Add(new PartETag(parts.Count + 1, part.ETag));
                read = await FillAsync(content, buffer, cancellationToken);
            }

            await SendAsync(() => _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = _bucket,
                Key = key,
                UploadId = upload.UploadId,
                PartETags = parts,
                IfNoneMatch = "*",
            }, cancellationToken), key);
        }
        catch
        {
            // Stored parts of an unfinished upload are billed until aborted; a cancelled request still aborts.
            try
            {
                await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _bucket, Key = key, UploadId = upload.UploadId }, CancellationToken.None);
            }
            catch (AmazonServiceException)
            {
                // The bucket's lifecycle rule for incomplete uploads is the backstop; the first failure is the one to report.
            }

            throw;
        }
    }

    public async Task<StoredMedia?> OpenAsync(string key, ByteRange? range, CancellationToken cancellationToken)
    {
        CheckKey(key);
        var request = new GetObjectRequest { BucketName = _bucket, Key = key };
        if (range is not null)
        {
            request.ByteRange = range.To is { } to
                ? new Amazon.S3.Model.ByteRange(range.From, to)
                : new Amazon.S3.Model.ByteRange(string.Create(CultureInfo.InvariantCulture, $"bytes={range.From}-"));
        }

        GetObjectResponse response;
        try
        {
            response = await _client.GetObjectAsync(request, cancellationToken);
        }
        catch (AmazonS3Exception exception) when (exception.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (AmazonS3Exception exception) when (exception.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            // As the local store answers a range past the end: nothing of a file that is there.
            var metadata = await MetadataAsync(key, cancellationToken);
            return metadata is null ? null : new StoredMedia(Stream.Null, 0, metadata.ContentLength, metadata.Headers.ContentType ?? ContentTypeOf(key));
        }

        var length = response.ContentLength;
        var total = TotalOf(response.ContentRange) ?? length;
        Stream body = new ResponseStream(response);
        // A server that sends more than was asked (s3rver 3.7 reads "bytes=0-0" as the whole file) is cut to the range.
        if (range?.To is { } last && length > last - range.From + 1)
        {
            length = last - range.From + 1;
            body = new BoundedStream(body, length);
        }

        return new StoredMedia(body, length, total, response.Headers.ContentType ?? ContentTypeOf(key));
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        CheckKey(key);
        // S3 answers 204 for a key that is not there.
        await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = key }, cancellationToken);
    }

    public void Dispose() => _client.Dispose();

    private async Task<bool> ExistsAsync(string key, CancellationToken cancellationToken) => await MetadataAsync(key, cancellationToken) is not null;

    private async Task<GetObjectMetadataResponse?> MetadataAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            return await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _bucket, Key = key }, cancellationToken);
        }
        catch (AmazonS3Exception exception) when (exception.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>A write that If-None-Match refused (412; 409 when two raced) is the same refusal as the local store's.</summary>
    private static async Task SendAsync<T>(Func<Task<T>> send, string key)
    {
        try
        {
            await send();
        }
        catch (AmazonS3Exception exception) when (exception.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict)
        {
            throw Taken(key, exception);
        }
    }

    private static IOException Taken(string key, Exception? inner = null) => new($"The media key '{key}' is already stored; a key is written once.", inner);

    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends: a part must be whole to be sent.</summary>
    private static async Task<int> FillAsync(Stream content, byte[] buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < PartSize)
        {
            var read = await content.ReadAsync(buffer.AsMemory(filled, PartSize - filled), cancellationToken);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled;
    }

    /// <summary>"bytes 0-9/1234" → 1234.</summary>
    private static long? TotalOf(string? contentRange) =>
        contentRange is { } value && value.LastIndexOf('/') is var slash and >= 0
            && long.TryParse(value.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var total)
            ? total
            : null;

    /// <summary>
    /// Keys are ours (<see cref="MediaAsset.KeyFor"/>); the local store's rule holds here too, so a key that is refused
    /// by one store is refused by both: relative, '/'-separated, no empty, "." or ".." segment.
    /// </summary>
    private static void CheckKey(string key)
    {
        if (string.IsNullOrEmpty(key) || key.Contains('\\', StringComparison.Ordinal) || key.Any(char.IsControl)
            || key.Split('/').Any(segment => segment is "" or "." or ".."))
        {
            throw new ArgumentException($"The media key '{key}' is not a path under the store's root.", nameof(key));
        }
    }

    private static string ContentTypeOf(string key) => MediaTypes.MimeOfExtension(Path.GetExtension(key));

    /// <summary>The object's body; disposing it ends the response (and its connection) with it.</summary>
    private sealed class ResponseStream(GetObjectResponse response) : Stream
    {
        private readonly Stream _inner = response.ResponseStream;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => response.ContentLength;

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => _inner.Read(buffer);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
                response.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

/// <summary>An S3 store needs a bucket, and keys come in pairs; the message never shows a key.</summary>
public sealed class S3MediaOptionsValidation : IValidateOptions<MediaOptions>
{
    public ValidateOptionsResult Validate(string? name, MediaOptions options)
    {
        if (options.Storage != MediaStorageKind.S3)
        {
            return ValidateOptionsResult.Success;
        }

        var s3 = options.S3;
        if (string.IsNullOrWhiteSpace(s3.Bucket))
        {
            return ValidateOptionsResult.Fail($"{MediaOptions.Section}:S3:Bucket is required when {MediaOptions.Section}:Storage is S3.");
        }

        if (string.IsNullOrEmpty(s3.AccessKey) != string.IsNullOrEmpty(s3.SecretKey))
        {
            return ValidateOptionsResult.Fail($"{MediaOptions.Section}:S3:AccessKey and SecretKey are set together, or neither (the SDK's credential chain is used then).");
        }

        if (!string.IsNullOrWhiteSpace(s3.ServiceUrl) && !Uri.TryCreate(s3.ServiceUrl, UriKind.Absolute, out _))
        {
            return ValidateOptionsResult.Fail($"{MediaOptions.Section}:S3:ServiceUrl must be an absolute URL.");
        }

        return string.IsNullOrWhiteSpace(s3.Region)
            ? ValidateOptionsResult.Fail($"{MediaOptions.Section}:S3:Region is required when {MediaOptions.Section}:Storage is S3.")
            : ValidateOptionsResult.Success;
    }
}
