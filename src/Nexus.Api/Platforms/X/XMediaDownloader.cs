using System.Net;

namespace Nexus.Api.Platforms.X;

/// <summary>
/// Fetches a post's media from <see cref="MediaItem.Url"/> so it can be uploaded to X in segments. The body is
/// streamed, never held whole in memory; when the source does not say its length, it is spooled to a temporary
/// file first, because X's <c>initialize</c> needs <c>total_bytes</c>.
/// </summary>
public sealed class XMediaDownloader(HttpClient http)
{
    internal async Task<XMediaContent> OpenAsync(MediaItem item, int index, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync(item.Url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (Exception exception) when (XHttp.IsTransport(exception, cancellationToken))
        {
            throw new PlatformException(PlatformId.X, PlatformFailureKind.Transient, $"media[{index}] could not be downloaded.", inner: exception);
        }

        try
        {
            if (!response.IsSuccessStatusCode)
            {
                var kind = response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout or >= HttpStatusCode.InternalServerError
                    ? PlatformFailureKind.Transient
                    : PlatformFailureKind.Rejected;
                throw new PlatformException(PlatformId.X, kind, $"media[{index}] could not be downloaded: its source answered {(int)response.StatusCode}.");
            }

            var contentType = response.Content.Headers.ContentType?.MediaType;
            var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            if (response.Content.Headers.ContentLength is { } length)
            {
                return new XMediaContent(body, length, contentType, response);
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
            return new XMediaContent(spool, spool.Length, contentType, owner: null);
        }
        catch (Exception exception) when (XHttp.IsTransport(exception, cancellationToken) || exception is IOException)
        {
            response.Dispose();
            throw new PlatformException(PlatformId.X, PlatformFailureKind.Transient, $"media[{index}] could not be downloaded.", inner: exception);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }
}

/// <summary>A downloaded media body with its length and the content type its source declared.</summary>
internal sealed class XMediaContent(Stream content, long length, string? contentType, IDisposable? owner) : IAsyncDisposable
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
