using System.Net;
using Nexus.Api.Infrastructure.Outbound;

namespace Nexus.Api.Platforms;

/// <summary>
/// Fetches a post's media from <see cref="MediaItem.Url"/> for platforms that need the bytes (uploads), through
/// <see cref="OutboundHttp"/>: only public addresses (on every redirect), a size cap while it streams, a deadline. The
/// body is streamed, never held whole in memory; when the source does not say its length, it is spooled to a
/// temporary file first, because upload sessions (X's <c>initialize</c>, LinkedIn's <c>initializeUpload</c>) need the
/// size up front. A source that fails is Rejected (4xx, a refused address, too large: the URL is wrong) or Transient
/// (429, timeouts, 5xx), never the platform's fault. A library item (<see cref="MediaItem.File"/>) is read from
/// storage instead.
/// </summary>
public static class MediaDownloads
{
    /// <param name="http">The guarded client.</param>
    /// <param name="platform">The platform the media is for.</param>
    /// <param name="item">The media.</param>
    /// <param name="index">Its position in the post, for messages.</param>
    /// <param name="maxBytes">The platform's size limit for this media, when it has one (the guard's cap applies too).</param>
    /// <param name="cancellationToken">Cancels the download.</param>
    public static async Task<MediaContent> OpenAsync(OutboundHttp http, PlatformId platform, MediaItem item, int index, long? maxBytes,
        CancellationToken cancellationToken)
    {
        if (item.File is { } library)
        {
            // A library item: its bytes are read from storage, never fetched back over HTTP, and its size is known.
            if (library.Length > maxBytes)
            {
                throw new PlatformException(platform, PlatformFailureKind.Rejected, $"media[{index}] is larger than {platform} accepts ({library.Length} bytes).", "media_too_large");
            }

            return new MediaContent(await library.OpenAsync(cancellationToken), library.Length, library.ContentType, owner: null);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync(item.Url, new OutboundLimits(maxBytes), cancellationToken);
        }
        catch (OutboundException refused)
        {
            throw Refused(platform, $"media[{index}]", refused);
        }
        catch (Exception exception) when (PlatformErrors.IsTransport(exception, cancellationToken))
        {
            throw new PlatformException(platform, PlatformFailureKind.Transient, $"media[{index}] could not be downloaded.", inner: exception);
        }

        try
        {
            if (!response.IsSuccessStatusCode)
            {
                var kind = response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout or >= HttpStatusCode.InternalServerError
                    ? PlatformFailureKind.Transient
                    : PlatformFailureKind.Rejected;
                throw new PlatformException(platform, kind, $"media[{index}] could not be downloaded: its source answered {(int)response.StatusCode}.");
            }

            var contentType = response.Content.Headers.ContentType?.MediaType;
            var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            if (response.Content.Headers.ContentLength is { } length)
            {
                return new MediaContent(body, length, contentType, response);
            }

            var spool = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
            try
            {
                await body.CopyToAsync(spool, cancellationToken);
                spool.Position = 0;
            }
            catch
            {
                await spool.DisposeAsync();
                throw;
            }

            response.Dispose();
            return new MediaContent(spool, spool.Length, contentType, owner: null);
        }
        catch (OutboundException refused)
        {
            response.Dispose();
            throw Refused(platform, $"media[{index}]", refused);
        }
        catch (Exception exception) when (PlatformErrors.IsTransport(exception, cancellationToken) || exception is IOException)
        {
            response.Dispose();
            throw new PlatformException(platform, PlatformFailureKind.Transient, $"media[{index}] could not be downloaded.", inner: exception);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>
    /// What a download <see cref="OutboundHttp"/> stopped means for a publication: a forbidden address, scheme or
    /// redirect chain and a body over the cap will fail the same way every time (Rejected, so the target ends FAILED
    /// with the reason instead of being retried); a timeout may not (Transient).
    /// </summary>
    /// <param name="platform">The platform the media was for.</param>
    /// <param name="what">The media, as the message names it ("media[0]", "The video").</param>
    /// <param name="refused">What the guard threw.</param>
    public static PlatformException Refused(PlatformId platform, string what, OutboundException refused) => refused.Failure switch
    {
        OutboundFailure.TooLarge => new PlatformException(platform, PlatformFailureKind.Rejected, $"{what} could not be downloaded: {refused.Message}", "media_too_large", inner: refused),
        OutboundFailure.TimedOut => new PlatformException(platform, PlatformFailureKind.Transient, $"{what} could not be downloaded: its source did not answer in time.", "media_download_failed", inner: refused),
        _ => new PlatformException(platform, PlatformFailureKind.Rejected, $"{what} could not be downloaded: {refused.Message}", "media_url_forbidden", inner: refused),
    };
}

/// <summary>A downloaded media body with its length and the content type its source declared.</summary>
public sealed class MediaContent(Stream content, long length, string? contentType, IDisposable? owner) : IAsyncDisposable
{
    public Stream Content { get; } = content;

    public long Length { get; } = length;

    public string? ContentType { get; } = contentType;

    public async ValueTask DisposeAsync()
    {
        await Content.DisposeAsync();
        owner?.Dispose();
    }
}
