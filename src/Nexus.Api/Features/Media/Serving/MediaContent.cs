using System.Globalization;
using System.Text;
using Marten;
using Microsoft.AspNetCore.Http.Headers;
using Microsoft.Net.Http.Headers;
using Nexus.Api.Features.Media.Storage;

namespace Nexus.Api.Features.Media.Serving;

/// <summary>
/// <c>GET|HEAD /media/{id}/content?token=…</c>: a library item's bytes for whoever holds a signed URL
/// (<see cref="MediaUrls"/>), with no sign-in, since platforms fetch it. A token that is not this item's, is forged or has
/// expired gets the same 403 whether or not the item exists; an item deleted since gets 404. One byte range
/// (<c>Range: bytes=…</c>) is served as 206, as video players and platforms' fetchers ask. Bytes stream from the store,
/// never held whole, and the answer is the same from every node (the tokens' keys are shared in PostgreSQL).
/// </summary>
public static class MediaContent
{
    public static IEndpointRouteBuilder MapMediaContent(this IEndpointRouteBuilder app)
    {
        app.MapMethods(MediaUrls.ContentPath, [HttpMethods.Get, HttpMethods.Head], ServeAsync).AllowAnonymous();
        return app;
    }

    private static async Task ServeAsync(HttpContext http, string id, MediaUrls urls, IQuerySession session, IMediaStore store, TimeProvider clock)
    {
        var response = http.Response;
        response.Headers.CacheControl = "no-store";
        response.Headers.XContentTypeOptions = "nosniff";
        // A token that was checked names an item; one that was not says nothing, not even whether the id is well-formed.
        if (!Guid.TryParse(id, out var mediaId) || urls.ExpiryOf(mediaId, http.Request.Query["token"]) is not { } expiry)
        {
            await PlainAsync(response, StatusCodes.Status403Forbidden, "This media link is not valid, or has expired.");
            return;
        }

        var asset = await session.LoadAsync<MediaAsset>(mediaId, http.RequestAborted);
        if (asset is null or { Deleted: true })
        {
            await PlainAsync(response, StatusCodes.Status404NotFound, "This media item no longer exists.");
            return;
        }

        // A stored file never changes (a processed result is a new item), so the item's id is a strong validator.
        var etag = new EntityTagHeaderValue($"\"{asset.Id:N}\"");
        var request = http.Request.GetTypedHeaders();
        response.Headers.ETag = etag.ToString();
        response.Headers.AcceptRanges = "bytes";
        if (request.IfNoneMatch.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(etag, useStrongComparison: false)))
        {
            SetCaching(response, expiry, clock);
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        var total = asset.Facts.SizeBytes;
        ByteRange? range = null;
        if (RequestedRange(request, etag) is { } asked)
        {
            range = Resolve(asked, total);
            if (range is null)
            {
                response.Headers.ContentRange = new ContentRangeHeaderValue(total).ToString();
                await PlainAsync(response, StatusCodes.Status416RangeNotSatisfiable, "The range asked for is outside the file.");
                return;
            }
        }

        await using var stored = await store.OpenAsync(asset.StorageKey, range, http.RequestAborted);
        if (stored is null)
        {
            await PlainAsync(response, StatusCodes.Status404NotFound, "This media item no longer exists.");
            return;
        }

        response.StatusCode = range is null ? StatusCodes.Status200OK : StatusCodes.Status206PartialContent;
        if (range is not null)
        {
            response.Headers.ContentRange = new ContentRangeHeaderValue(range.From, range.From + stored.Length - 1, stored.TotalLength).ToString();
        }

        response.ContentType = asset.Facts.Mime;
        response.ContentLength = stored.Length;
        response.Headers.ContentDisposition = Disposition(asset);
        // The file is bound to the link: no shared cache keeps it, and no cache keeps it past the token's life.
        SetCaching(response, expiry, clock);
        if (HttpMethods.IsHead(http.Request.Method))
        {
            return;
        }

        try
        {
            await stored.Content.CopyToAsync(response.Body, 81920, http.RequestAborted);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away mid-file (a player seeking, a fetcher giving up): nothing to answer.
        }
    }

    /// <summary>The one range asked for, when it applies: a multi-range or non-byte request, or a stale If-Range, gets the whole file.</summary>
    private static RangeItemHeaderValue? RequestedRange(RequestHeaders request, EntityTagHeaderValue etag)
    {
        if (request.Range is not { Unit.Value: "bytes", Ranges.Count: 1 } header)
        {
            return null;
        }

        if (request.IfRange is { } ifRange && (ifRange.EntityTag is not { } tag || !tag.Compare(etag, useStrongComparison: true)))
        {
            return null;
        }

        return header.Ranges.Single();
    }

    /// <summary>The range within a file of <paramref name="total"/> bytes; null when none of it is (416).</summary>
    private static ByteRange? Resolve(RangeItemHeaderValue asked, long total)
    {
        if (asked.From is { } from)
        {
            return from < total ? new ByteRange(from, Math.Min(asked.To ?? total - 1, total - 1)) : null;
        }

        // "bytes=-N": the last N bytes.
        return asked.To is > 0 and var suffix && total > 0 ? new ByteRange(Math.Max(0, total - suffix), total - 1) : null;
    }

    private static void SetCaching(HttpResponse response, DateTimeOffset expiry, TimeProvider clock)
    {
        var seconds = Math.Max(0, (long)(expiry - clock.GetUtcNow()).TotalSeconds);
        response.Headers.CacheControl = string.Create(CultureInfo.InvariantCulture, $"private, max-age={seconds}");
    }

    /// <summary>
    /// Shown, not downloaded, under the item's name: control characters, quotes and path separators replaced, the
    /// type's extension added when the name lacks it, and non-ASCII names as RFC 5987 filename*.
    /// </summary>
    internal static string Disposition(MediaAsset asset)
    {
        var name = new StringBuilder(asset.Name.Length);
        foreach (var c in asset.Name.Trim())
        {
            name.Append(char.IsControl(c) || c is '"' or '\\' or '/' or ':' or '*' or '?' or '<' or '>' or '|' or ';' or '%' ? '_' : c);
        }

        var safe = name.ToString().Trim('.', ' ');
        if (safe.Length > 150)
        {
            safe = safe[..(char.IsHighSurrogate(safe[149]) ? 149 : 150)];
        }

        if (safe.Length == 0)
        {
            safe = "media";
        }

        var extension = asset.Facts.Extension;
        if (!safe.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
        {
            safe += extension;
        }

        var header = new ContentDispositionHeaderValue("inline");
        header.SetHttpFileName(safe);
        return header.ToString();
    }

    private static Task PlainAsync(HttpResponse response, int status, string message)
    {
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        return HttpMethods.IsHead(response.HttpContext.Request.Method) ? Task.CompletedTask : response.WriteAsync(message);
    }
}
