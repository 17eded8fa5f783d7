using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Nexus.Api.Platforms.YouTube;

/// <summary>One YouTube Data API or Google OAuth call: bearer in the header (never in the URL), failures classified.</summary>
internal static class YouTubeApi
{
    public static HttpRequestMessage Request(HttpMethod method, Uri uri, string? accessToken, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, uri) { Content = content };
        if (accessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        return request;
    }

    /// <summary>Sends <paramref name="request"/>; returns the parsed body (null when empty) and the Location header.</summary>
    public static async Task<(JsonNode? Body, Uri? Location)> SendAsync(HttpClient http, HttpRequestMessage request, TimeProvider time, string what,
        bool tokenEndpoint, bool refreshing, CancellationToken cancellationToken)
    {
        using (request)
        {
            // Nothing sent through here creates a video: only the upload itself does (see YouTubeMediaTransfer).
            var (response, text) = await PlatformHttp.ExchangeAsync(http, request, e => YouTubeErrors.FromTransport(e, what, mayHavePublished: false), cancellationToken);

            using (response)
            {
                var body = PlatformErrors.Parse(text);
                if (response.IsSuccessStatusCode)
                {
                    return (body, response.Headers.Location);
                }

                throw tokenEndpoint
                    ? YouTubeErrors.FromTokenResponse(response, body, refreshing, time.GetUtcNow())
                    : YouTubeErrors.FromResponse(response, body, time.GetUtcNow());
            }
        }
    }
}
