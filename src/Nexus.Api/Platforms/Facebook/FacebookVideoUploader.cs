using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Nexus.Api.Infrastructure.Outbound;
using Nexus.Api.Platforms.Meta;

namespace Nexus.Api.Platforms.Facebook;

/// <summary>
/// The calls that move video, on a client with <see cref="FacebookOptions.UploadTimeout"/> per attempt:
/// the Resumable Upload API for Page videos, and reels' upload to rupload.facebook.com.
/// </summary>
public sealed class FacebookVideoUploader(HttpClient http, OutboundHttp downloads, IOptions<FacebookOptions> options, TimeProvider clock)
{
    private const PlatformId Facebook = PlatformId.Facebook;

    private FacebookOptions Options => options.Value;

    /// <summary>
    /// Streams the video from its URL into an upload session and returns the uploaded file's handle, for
    /// <c>fbuploader_video_file_chunk</c>: <c>POST /{app-id}/uploads?file_name&amp;file_length&amp;file_type</c> opens the
    /// session, <c>POST /upload:{session}</c> with <c>file_offset: 0</c> sends the bytes. Meta's guide opens the
    /// session with the user's token. The whole file goes in one request; when it breaks, nothing is published
    /// and the failure is transient, so the publication starts over with a new session.
    /// </summary>
    public async Task<string> UploadAsync(MediaItem video, string userToken, CancellationToken cancellationToken)
    {
        if (video.File is { } library)
        {
            // A library item: the bytes come from storage, never back over HTTP, and the size is known up front.
            await using var stored = await library.OpenAsync(cancellationToken);
            return await SendAsync(stored, library.Length, library.ContentType, "video" + Features.Media.MediaTypes.ExtensionOf(library.ContentType), userToken, cancellationToken);
        }

        using var download = await DownloadAsync(video.Url, cancellationToken);
        var type = video.MimeType ?? download.Content.Headers.ContentType?.MediaType ?? "video/mp4";
        var name = video.Url.Segments.LastOrDefault()?.Trim('/') is { Length: > 0 } segment ? Uri.UnescapeDataString(segment) : "video.mp4";

        // The session needs the size up front. When neither the media item nor the download says it (a chunked
        // answer), the video is spooled to a temporary file first.
        await using var source = await download.Content.ReadAsStreamAsync(cancellationToken);
        var knownLength = video.SizeBytes ?? download.Content.Headers.ContentLength;
        FileStream? spool;
        try
        {
            spool = knownLength is null ? await SpoolAsync(source, cancellationToken) : null;
        }
        catch (OutboundException refused)
        {
            throw MediaDownloads.Refused(Facebook, "The video", refused);
        }

        await using var spooled = spool;
        return await SendAsync(spooled ?? source, knownLength ?? spooled!.Length, type, name, userToken, cancellationToken);
    }

    private async Task<string> SendAsync(Stream content, long length, string type, string name, string userToken, CancellationToken cancellationToken)
    {

        // No secret in this query: the token is in the Authorization header.
        var session = await SendAsync(MetaGraph.Request(HttpMethod.Post,
            MetaGraph.Url(Options.GraphBaseUrl, $"{Options.ApiVersion}/{MetaGraph.Segment(AppId)}/uploads",
                ("file_name", name),
                ("file_length", length.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                ("file_type", type)), userToken), [userToken], cancellationToken);
        var sessionId = MetaGraph.Require(session, "id", Facebook, MetaCall.Write);

        var bytes = new StreamContent(content);
        bytes.Headers.ContentLength = length;
        bytes.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var upload = new HttpRequestMessage(HttpMethod.Post, MetaGraph.Url(Options.GraphBaseUrl, $"{Options.ApiVersion}/{MetaGraph.Segment(sessionId)}")) { Content = bytes };
        upload.Headers.Authorization = new AuthenticationHeaderValue("OAuth", userToken);
        upload.Headers.Add("file_offset", "0");
        var uploaded = await SendAsync(upload, [userToken], cancellationToken);
        return MetaGraph.Require(uploaded, "h", Facebook, MetaCall.Write);
    }

    /// <summary>
    /// Hands a reel's video to Meta: <c>POST rupload.facebook.com/video-upload/{version}/{video-id}</c> with the Page
    /// token as <c>Authorization: OAuth</c> and the public URL in <c>file_url</c>, so Meta fetches it (as Instagram
    /// does) instead of Nexus relaying the bytes.
    /// </summary>
    public async Task UploadReelAsync(string videoId, Uri videoUrl, string pageToken, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, MetaGraph.Url(Options.RuploadBaseUrl, $"video-upload/{Options.ApiVersion}/{MetaGraph.Segment(videoId)}"));
        request.Headers.Authorization = new AuthenticationHeaderValue("OAuth", pageToken);
        request.Headers.Add("file_url", videoUrl.ToString());
        await SendAsync(request, [pageToken], cancellationToken);
    }

    private static async Task<FileStream> SpoolAsync(Stream source, CancellationToken cancellationToken)
    {
        var file = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 81920,
            FileOptions.Asynchronous | FileOptions.DeleteOnClose);
        try
        {
            await source.CopyToAsync(file, cancellationToken);
            file.Position = 0;
            return file;
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    private async Task<HttpResponseMessage> DownloadAsync(Uri url, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            // The user's URL: through the outbound guard (public addresses only, a size cap, a deadline).
            response = await downloads.GetAsync(url, null, cancellationToken);
        }
        catch (OutboundException refused)
        {
            throw MediaDownloads.Refused(Facebook, "The video", refused);
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested) ||
                                  PlatformHttp.IsAttemptTimeout(e))
        {
            throw new PlatformException(Facebook, PlatformFailureKind.Transient, "The video could not be downloaded from its URL for the upload to Facebook.", "media-download", inner: e);
        }

        if (!response.IsSuccessStatusCode)
        {
            var status = (int)response.StatusCode;
            response.Dispose();
            throw new PlatformException(Facebook, status >= 500 ? PlatformFailureKind.Transient : PlatformFailureKind.Rejected,
                $"The video could not be downloaded from its URL for the upload to Facebook (HTTP {status}).", "media-download");
        }

        return response;
    }

    private string AppId => Options.ClientId ?? throw new InvalidOperationException("Facebook is not configured: set Nexus:Platforms:Facebook:ClientId (the Meta app id).");

    private Task<JsonElement> SendAsync(HttpRequestMessage request, IReadOnlyCollection<string?> secrets, CancellationToken cancellationToken) =>
        MetaGraph.SendAsync(http, Facebook, request, MetaCall.Write, clock, secrets, cancellationToken);
}
