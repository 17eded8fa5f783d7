using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Marten;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Media.Storage;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Infrastructure.Identity;
using Nexus.Api.Platforms;

namespace Nexus.Api.Features.Media.Uploading;

/// <summary>
/// Resumable uploads at <c>/media/uploads</c>: the tus 1.0.0 core protocol with the creation, expiration, termination
/// and checksum extensions. A client creates an upload (<c>POST</c> with <c>Upload-Length</c> and
/// <c>Upload-Metadata</c>: <c>workspaceId</c>, <c>filename</c>), sends its bytes in any number of <c>PATCH</c>es, asks
/// where it stands after a dropped connection (<c>HEAD</c>: every byte received before the drop was kept), and goes on
/// from there. The PATCH that completes the file answers the new item's global id in <c>Nexus-Media-Id</c> (so does
/// HEAD afterwards). The type comes from the first bytes: a file of no accepted kind, or larger than its kind's limit,
/// is refused at the first PATCH with a JSON <c>{ code, message }</c> and the upload ends. A PATCH with
/// <c>Upload-Checksum</c> counts only if its whole body has that digest: else it answers 460 and nothing of it is kept.
/// </summary>
public static class ResumableUpload
{
    public const string Version = "1.0.0";
    public const string Extensions = "creation,expiration,termination,checksum";
    public const string ChecksumAlgorithms = "sha1,sha256";

    /// <summary>tus's status for a PATCH whose body does not have the digest its <c>Upload-Checksum</c> names.</summary>
    public const int ChecksumMismatch = 460;
    public const string OffsetOctetStream = "application/offset+octet-stream";
    public const string MediaIdHeader = "Nexus-Media-Id";

    public static void Options(HttpContext http, IOptions<MediaOptions> media)
    {
        http.Response.Headers["Tus-Resumable"] = Version;
        http.Response.Headers["Tus-Version"] = Version;
        http.Response.Headers["Tus-Extension"] = Extensions;
        http.Response.Headers["Tus-Max-Size"] = Largest(media.Value).ToString(CultureInfo.InvariantCulture);
        http.Response.Headers["Tus-Checksum-Algorithm"] = ChecksumAlgorithms;
        http.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    public static async Task CreateAsync(HttpContext http, IQuerySession session, UploadStaging staging, IOptions<MediaOptions> media, IOptions<UploadOptions> uploads)
    {
        if (await RefusedAsync(http) || await UploadAccess.RateLimitedAsync(http))
        {
            return;
        }

        var request = http.Request;
        if (request.Headers.ContainsKey("Upload-Defer-Length"))
        {
            await BadAsync(http, "Upload-Defer-Length is not supported: send Upload-Length.");
            return;
        }

        if (!long.TryParse(request.Headers["Upload-Length"], NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length < 1)
        {
            await BadAsync(http, "Upload-Length (the file's size in bytes, at least 1) is required.");
            return;
        }

        var largest = Largest(media.Value);
        if (length > largest)
        {
            await UploadAnswers.RejectedAsync(http, UploadAnswers.TooLarge(largest));
            return;
        }

        var metadata = request.Headers["Upload-Metadata"].ToString();
        if (metadata.Length > uploads.Value.MaxMetadataLength)
        {
            await BadAsync(http, $"Upload-Metadata is longer than {uploads.Value.MaxMetadataLength} characters.");
            return;
        }

        if (ParseMetadata(metadata) is not { } pairs)
        {
            await BadAsync(http, "Upload-Metadata is not comma-separated pairs of a key and a base64 value.");
            return;
        }

        Guid workspaceId;
        try
        {
            workspaceId = WorkspaceAccess.ParseWorkspaceId(pairs.GetValueOrDefault("workspaceId"));
        }
        catch (BadRequestError)
        {
            await BadAsync(http, "Upload-Metadata needs `workspaceId`: the workspace's global id.");
            return;
        }

        var fileName = pairs.GetValueOrDefault("filename") ?? "";
        if (fileName.Length > uploads.Value.MaxFileNameLength)
        {
            await BadAsync(http, $"The file name is longer than {uploads.Value.MaxFileNameLength} characters.");
            return;
        }

        if (await UploadAccess.CheckAsync(http.User, workspaceId, session, naming: true, http.RequestAborted) is { } refusal)
        {
            await UploadAccess.RefuseAsync(http, refusal);
            return;
        }

        var row = await staging.CreateAsync(workspaceId, http.User.ActorId()!.Value, fileName, length, http.RequestAborted);
        if (row is null)
        {
            await UploadAnswers.ErrorAsync(http, StatusCodes.Status429TooManyRequests, "TOO_MANY_UPLOADS",
                $"The workspace has {uploads.Value.MaxOpenPerWorkspace} unfinished uploads: finish or delete one first.");
            return;
        }

        http.Response.Headers.Location = $"{request.PathBase}{UploadEndpoints.Path}/{row.Id:N}";
        http.Response.Headers["Upload-Expires"] = Expires(row);
        http.Response.StatusCode = StatusCodes.Status201Created;
    }

    public static async Task HeadAsync(HttpContext http, string id, IQuerySession session, UploadStaging staging)
    {
        if (await RefusedAsync(http) || await FindAsync(http, id, session, staging) is not { } row)
        {
            return;
        }

        Describe(http, row);
        http.Response.Headers["Upload-Length"] = row.Length.ToString(CultureInfo.InvariantCulture);
        http.Response.StatusCode = StatusCodes.Status200OK;
    }

    public static async Task DeleteAsync(HttpContext http, string id, IQuerySession session, UploadStaging staging)
    {
        if (await RefusedAsync(http) || await FindAsync(http, id, session, staging) is not { } row)
        {
            return;
        }

        http.Response.StatusCode = await staging.TerminateAsync(row.Id, http.RequestAborted) ? StatusCodes.Status204NoContent : StatusCodes.Status404NotFound;
    }

    public static async Task PatchAsync(HttpContext http, string id, IQuerySession session, UploadStaging staging, IOptions<MediaOptions> media, IOptions<UploadOptions> uploads)
    {
        if (await RefusedAsync(http))
        {
            return;
        }

        if (!string.Equals(http.Request.ContentType, OffsetOctetStream, StringComparison.OrdinalIgnoreCase))
        {
            await UploadAnswers.ErrorAsync(http, StatusCodes.Status415UnsupportedMediaType, "BAD_CONTENT_TYPE", $"A PATCH carries Content-Type: {OffsetOctetStream}.");
            return;
        }

        if (!long.TryParse(http.Request.Headers["Upload-Offset"], NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
        {
            await BadAsync(http, "Upload-Offset (where this PATCH's bytes start) is required.");
            return;
        }

        var (checksum, checksumError) = ParseChecksum(http.Request.Headers["Upload-Checksum"].ToString());
        if (checksumError is not null)
        {
            await BadAsync(http, checksumError);
            return;
        }

        if (await FindAsync(http, id, session, staging) is not { } row)
        {
            return;
        }

        if (offset != row.Received)
        {
            http.Response.Headers["Upload-Offset"] = row.Received.ToString(CultureInfo.InvariantCulture);
            await UploadAnswers.ErrorAsync(http, StatusCodes.Status409Conflict, "OFFSET_MISMATCH",
                $"The upload is at offset {row.Received}, not {offset}: HEAD it and send from there.");
            return;
        }

        if (http.Request.ContentLength > row.Length - row.Received)
        {
            await BadAsync(http, $"The body goes past Upload-Length: {row.Length - row.Received} bytes are left.");
            return;
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            // Bounded below by what is left of the declared length, which this counts itself.
            limit.MaxRequestBodySize = null;
        }

        var received = await ReceiveAsync(http, row, staging, media.Value, uploads.Value, checksum);
        if (received.Answered || received.Dropped)
        {
            return;
        }

        row = received.Row;
        if (row.Complete && row.MediaId is null)
        {
            var finished = await staging.FinishAsync(row.Id, http.RequestAborted);
            if (finished.Rejected is { } rejected)
            {
                await UploadAnswers.RejectedAsync(http, rejected);
                return;
            }

            row = row with { MediaId = finished.MediaId };
        }

        Describe(http, row);
        http.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private sealed record Received(UploadRow Row, bool Answered, bool Dropped);

    /// <summary>An <c>Upload-Checksum</c>: the algorithm and the digest the PATCH's body must have.</summary>
    internal sealed record UploadChecksum(HashAlgorithmName Algorithm, byte[] Digest);

    /// <summary>
    /// Reads the body into parts of at most <see cref="UploadOptions.PartBytes"/>, storing and recording each as it fills
    /// and the last one at the end, also when the connection drops. The first bytes decide the kind before any are kept.
    /// With a <paramref name="checksum"/> the body is hashed as it streams and its parts are stored but counted only
    /// once the whole body has the digest: a mismatch, a drop (what arrived cannot be checked) or a body past the
    /// length keeps nothing of it.
    /// </summary>
    private static async Task<Received> ReceiveAsync(HttpContext http, UploadRow row, UploadStaging staging, MediaOptions media, UploadOptions uploads, UploadChecksum? checksum)
    {
        var head = row.Head;
        var mime = row.Mime;
        var left = row.Length - row.Received;
        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        var part = TempFile.New(".part");
        var output = new FileStream(part.Path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read, 81920, FileOptions.Asynchronous);
        using var hash = checksum is null ? null : IncrementalHash.CreateHash(checksum.Algorithm);
        // A checked PATCH's parts: stored, named on the row as pending, counted only after the digest matched.
        var staged = new List<string>();
        long inStaged = 0;
        long inPart = 0;
        var dropped = false;
        var overflow = false;
        MediaRejectedException? refused = null;
        try
        {
            while (true)
            {
                int read;
                try
                {
                    read = await http.Request.Body.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left + 1)), http.RequestAborted);
                }
                catch (Exception)
                {
                    // The client went away (a reset, an aborted request, a body cut short): what arrived is kept below.
                    dropped = true;
                    break;
                }

                if (read == 0)
                {
                    break;
                }

                if (read > left)
                {
                    overflow = true;
                    read = (int)left;
                }

                if (mime is null && refused is null)
                {
                    if (head.Length < MediaTypes.SniffLength)
                    {
                        head = [.. head, .. buffer.AsSpan(0, Math.Min(read, MediaTypes.SniffLength - head.Length))];
                    }

                    if (head.Length >= Math.Min(MediaTypes.SniffLength, row.Length))
                    {
                        try
                        {
                            mime = Sniff(head, row.Length, media);
                        }
                        catch (MediaRejectedException rejected) when (hash is not null)
                        {
                            // First bytes damaged in transit must not end the upload: a checked body is refused only
                            // once its digest shows these are the bytes the client meant. Until then it is only hashed.
                            refused = rejected;
                        }
                    }
                }

                if (refused is not null)
                {
                    hash!.AppendData(buffer, 0, read);
                    left -= read;
                    if (overflow)
                    {
                        break;
                    }

                    continue;
                }

                await output.WriteAsync(buffer.AsMemory(0, read), http.RequestAborted);
                hash?.AppendData(buffer, 0, read);
                inPart += read;
                left -= read;
                if (overflow)
                {
                    break;
                }

                if (inPart >= uploads.PartBytes)
                {
                    if (hash is null)
                    {
                        row = await CommitAsync(staging, row, part.Path, output, inPart, head, mime, http.RequestAborted) ?? throw new UploadConflict();
                    }
                    else
                    {
                        staged.Add(await StagePartAsync(staging, row, part.Path, output, http.RequestAborted) ?? throw new UploadConflict());
                        inStaged += inPart;
                    }

                    inPart = 0;
                }
            }

            if (hash is not null)
            {
                if (dropped || overflow)
                {
                    await staging.DiscardAsync(row.Id, staged);
                    staged.Clear();
                }
                else
                {
                    if (inPart > 0 && refused is null)
                    {
                        staged.Add(await StagePartAsync(staging, row, part.Path, output, http.RequestAborted) ?? throw new UploadConflict());
                        inStaged += inPart;
                    }

                    if (!CryptographicOperations.FixedTimeEquals(hash.GetHashAndReset(), checksum!.Digest))
                    {
                        await staging.DiscardAsync(row.Id, staged);
                        staged.Clear();
                        Describe(http, row);
                        await UploadAnswers.ErrorAsync(http, ChecksumMismatch, "CHECKSUM_MISMATCH",
                            "The body does not have the digest Upload-Checksum names; nothing of it was kept: send it again from Upload-Offset.");
                        return new(row, true, false);
                    }

                    if (refused is not null)
                    {
                        throw refused;
                    }

                    if (inStaged > 0)
                    {
                        string[] keys = [.. staged];
                        // RecordAsync deletes them itself when it cannot count them.
                        staged.Clear();
                        row = await staging.RecordAsync(row.Id, row.Received, keys, inStaged, head, mime, http.RequestAborted) ?? throw new UploadConflict();
                    }
                }
            }
            else if (inPart > 0)
            {
                // A dropped request's token is cancelled, and these bytes are what it leaves behind to resume from.
                row = await CommitAsync(staging, row, part.Path, output, inPart, head, mime, dropped ? CancellationToken.None : http.RequestAborted)
                    ?? throw new UploadConflict();
            }
        }
        catch (MediaRejectedException rejected)
        {
            await staging.TerminateAsync(row.Id, CancellationToken.None);
            staged.Clear();
            await UploadAnswers.RejectedAsync(http, rejected);
            return new(row, true, dropped);
        }
        catch (UploadConflict)
        {
            if (!dropped)
            {
                await UploadAnswers.ErrorAsync(http, StatusCodes.Status409Conflict, "OFFSET_MISMATCH", "Another request wrote to this upload meanwhile, or it was deleted: HEAD it.");
            }

            return new(row, true, dropped);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            await output.DisposeAsync();
            part.Dispose();
            if (staged.Count > 0)
            {
                // Whatever else ended the request (a failed store, the client gone while a part was stored): none of it counts.
                await staging.DiscardAsync(row.Id, staged);
            }
        }

        if (overflow)
        {
            Describe(http, row);
            await BadAsync(http, hash is null
                ? "The body went past Upload-Length; the bytes up to it were kept."
                : "The body went past Upload-Length; none of it was kept (its checksum covers all of it).");
            return new(row, true, dropped);
        }

        return new(row, false, dropped);
    }

    /// <summary>The type the first bytes show; refused when they show no accepted kind, or <paramref name="length"/> is over its kind's limit.</summary>
    private static string Sniff(byte[] head, long length, MediaOptions media)
    {
        var (sniffed, kind) = MediaTypes.Sniff(head) ?? throw new MediaRejectedException(MediaRejectedException.Unsupported,
            "The file is not a kind of media Nexus accepts (JPEG, PNG, GIF, WebP images; MP4, MOV, WebM videos; M4A, MP3, AAC, WAV, OGG audio).");
        var limit = LimitOf(kind, media);
        return length <= limit ? sniffed : throw new MediaRejectedException(MediaRejectedException.TooLarge, string.Create(CultureInfo.InvariantCulture,
            $"The {kind.ToString().ToLowerInvariant()} is {length / 1024.0 / 1024.0:0.#} MB; the largest accepted is {limit / 1024.0 / 1024.0:0.#} MB."));
    }

    private static async Task<UploadRow?> CommitAsync(UploadStaging staging, UploadRow row, string path, FileStream output, long bytes, byte[] head, string? mime, CancellationToken ct)
    {
        await output.FlushAsync(ct);
        var updated = await staging.AppendAsync(row.Id, row.Received, path, bytes, head, mime, ct);
        output.SetLength(0);
        return updated;
    }

    private static async Task<string?> StagePartAsync(UploadStaging staging, UploadRow row, string path, FileStream output, CancellationToken ct)
    {
        await output.FlushAsync(ct);
        var key = await staging.StageAsync(row.Id, path, ct);
        output.SetLength(0);
        return key;
    }

    /// <summary>
    /// <c>Upload-Checksum: &lt;algorithm&gt; &lt;base64 digest&gt;</c>: the checksum, or none when the header is absent, or
    /// why it cannot be used (an algorithm not in <see cref="ChecksumAlgorithms"/>, a digest that is not one of it).
    /// </summary>
    internal static (UploadChecksum? Checksum, string? Error) ParseChecksum(string header)
    {
        if (header.Length == 0)
        {
            return (null, null);
        }

        var parts = header.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2)
        {
            return (null, "Upload-Checksum is `<algorithm> <base64 digest>`.");
        }

        (HashAlgorithmName Name, int Bytes)? algorithm = parts[0].ToLowerInvariant() switch
        {
            "sha1" => (HashAlgorithmName.SHA1, 20),
            "sha256" => (HashAlgorithmName.SHA256, 32),
            _ => null,
        };
        if (algorithm is not { } known)
        {
            return (null, $"Upload-Checksum's algorithm `{Truncate(parts[0])}` is not supported: use one of {ChecksumAlgorithms}.");
        }

        var digest = new byte[known.Bytes];
        return Convert.TryFromBase64String(parts[1], digest, out var written) && written == known.Bytes
            ? (new UploadChecksum(known.Name, digest), null)
            : (null, $"Upload-Checksum's digest is not a base64 {parts[0].ToLowerInvariant()} digest ({known.Bytes} bytes).");
    }

    private static string Truncate(string text) => text.Length <= 20 ? text : text[..20] + "…";

    private sealed class UploadConflict : Exception;

    private static long LimitOf(MediaKind kind, MediaOptions media) => kind switch
    {
        MediaKind.Video => media.MaxVideoBytes,
        MediaKind.Audio => media.MaxAudioBytes,
        _ => media.MaxImageBytes,
    };

    private static long Largest(MediaOptions media) => Math.Max(media.MaxVideoBytes, Math.Max(media.MaxAudioBytes, media.MaxImageBytes));

    /// <summary>The headers of an upload's state: where it stands, until when it is kept, and the item it became.</summary>
    private static void Describe(HttpContext http, UploadRow row)
    {
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers["Upload-Offset"] = row.Received.ToString(CultureInfo.InvariantCulture);
        http.Response.Headers["Upload-Expires"] = Expires(row);
        if (row.MediaId is { } mediaId)
        {
            http.Response.Headers[MediaIdHeader] = GlobalId.Encode(MediaItemType.TypeName, mediaId);
        }
    }

    private static string Expires(UploadRow row) => row.ExpiresAt.ToUniversalTime().ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The upload the caller may touch, or the answer already sent (404 for every other case, so ids reveal nothing).</summary>
    private static async Task<UploadRow?> FindAsync(HttpContext http, string id, IQuerySession session, UploadStaging staging)
    {
        var row = Guid.TryParseExact(id, "N", out var uploadId) ? await staging.FindAsync(uploadId, http.RequestAborted) : null;
        if (row is not null && await UploadAccess.CheckAsync(http.User, row.WorkspaceId, session, naming: false, http.RequestAborted) is { } refusal)
        {
            if (refusal.Status != StatusCodes.Status404NotFound)
            {
                await UploadAccess.RefuseAsync(http, refusal);
                return null;
            }

            row = null;
        }

        if (row is null)
        {
            http.Response.Headers.CacheControl = "no-store";
            await UploadAnswers.ErrorAsync(http, StatusCodes.Status404NotFound, UploadAnswers.NotFound, "This upload does not exist (any more).");
        }

        return row;
    }

    /// <summary>Tus-Resumable, then the bearer token: true when the request was answered.</summary>
    private static async Task<bool> RefusedAsync(HttpContext http)
    {
        http.Response.Headers["Tus-Resumable"] = Version;
        if (http.Request.Headers["Tus-Resumable"].ToString() != Version)
        {
            http.Response.Headers["Tus-Version"] = Version;
            await UploadAnswers.ErrorAsync(http, StatusCodes.Status412PreconditionFailed, "UNSUPPORTED_TUS_VERSION", $"Send Tus-Resumable: {Version}.");
            return true;
        }

        return await BearerEndpoints.RefusedAnonymousAsync(http);
    }

    private static Task BadAsync(HttpContext http, string message) =>
        UploadAnswers.ErrorAsync(http, StatusCodes.Status400BadRequest, UploadAnswers.BadRequest, message);

    /// <summary>tus metadata: <c>key base64value</c> pairs separated by commas (a key alone has an empty value); null when malformed.</summary>
    internal static Dictionary<string, string>? ParseMetadata(string header)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(header))
        {
            return pairs;
        }

        foreach (var pair in header.Split(','))
        {
            var parts = pair.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length is 0 or > 2 || pairs.ContainsKey(parts[0]))
            {
                return null;
            }

            try
            {
                pairs[parts[0]] = parts.Length == 2 ? Encoding.UTF8.GetString(Convert.FromBase64String(parts[1])) : "";
            }
            catch (FormatException)
            {
                return null;
            }
        }

        return pairs;
    }
}
