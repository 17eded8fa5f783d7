using System.Net.Http.Headers;
using Microsoft.Extensions.Options;
using Nexus.Api.Infrastructure.Outbound;

namespace Nexus.Api.Platforms.Pinterest;

/// <summary>
/// Moves video bytes for Pinterest: downloads the post's video into a temporary file (never into memory) and sends it
/// to the <c>upload_url</c> of a registered media upload as a multipart form, every <c>upload_parameters</c> field
/// first and the file last, without Pinterest's bearer (the parameters are the authorization; 204 on success). Its
/// own typed client, because a transfer may take minutes where an API call takes seconds.
/// </summary>
public sealed class PinterestMediaTransfer(HttpClient http, OutboundHttp downloads, IOptions<PinterestOptions> options)
{
    private readonly PinterestOptions _options = options.Value;

    internal Task<TempMediaFile> DownloadAsync(MediaItem media, long maxBytes, CancellationToken cancellationToken) =>
        MediaFiles.ToTempFileAsync(downloads, PlatformId.Pinterest, media, maxBytes, _options.TransferAttemptTimeout, "video/mp4", () => TooLarge(), cancellationToken);

    /// <summary>
    /// Posts the file to the upload URL. Nothing is pinned yet, so every failure here is worth a fresh attempt (a new
    /// media registration): Transient.
    /// </summary>
    internal async Task UploadAsync(Uri uploadUrl, IReadOnlyDictionary<string, string> parameters, TempMediaFile file, CancellationToken cancellationToken)
    {
        using var form = new MultipartFormDataContent();
        foreach (var (name, value) in parameters)
        {
            form.Add(new StringContent(value), name);
        }

        var video = new StreamContent(file.OpenRead());
        video.Headers.ContentType = new MediaTypeHeaderValue(file.ContentType ?? "video/mp4");
        video.Headers.ContentLength = file.Length;
        // The storage service takes the file from the last field.
        form.Add(video, "file", "video");
        using var request = new HttpRequestMessage(HttpMethod.Post, uploadUrl) { Content = form };
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (Exception e) when (PlatformErrors.IsTransport(e, cancellationToken))
        {
            throw PinterestErrors.FromTransport(e, "Uploading the video to Pinterest", mayHavePublished: false);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new PlatformException(PlatformId.Pinterest, PlatformFailureKind.Transient,
                    $"Pinterest's media storage refused the video upload ({(int)response.StatusCode}).", "media_upload_failed");
            }
        }
    }

    private static PlatformException TooLarge() =>
        new(PlatformId.Pinterest, PlatformFailureKind.Rejected, "The video is larger than Pinterest's limit of 2 GB.", "video_too_large");
}
