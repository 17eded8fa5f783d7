using System.Net;

namespace Nexus.Api.Platforms;

/// <summary>
/// Fetches a post's media from <see cref="MediaItem.Url"/> for platforms that need the bytes (uploads). The body is
/// streamed, never held whole in memory; when the source does not say its length, it is spooled to a temporary file
/// first, because upload sessions (X's <c>initialize</c>, LinkedIn's <c>initializeUpload</c>) need the size up front.
/// A source that fails is Rejected (4xx: the URL is wrong) or Transient (429, timeouts, 5xx), never the platform's fault.
/// </summary>
public static class MediaDownloads
{
    public static async Task<MediaContent> OpenAsync(HttpClient http, PlatformId platform, MediaItem item, int index,
        Func<Exception, CancellationToken, bool> isTransport, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync(item.Url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (Exception exception) when (isTransport(exception, cancellationToken))
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
        catch (Exception exception) when (isTransport(exception, cancellationToken) || exception is IOException)
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
