using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Nexus.Api.Platforms.TikTok;

/// <summary>One TikTok Open API call: bearer in the header (never in the URL), JSON in and out, failures classified.</summary>
internal static class TikTokApi
{
    public static HttpRequestMessage Json(HttpMethod method, Uri uri, string accessToken, JsonNode? body)
    {
        var request = new HttpRequestMessage(method, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        return request;
    }

    /// <summary>
    /// Sends <paramref name="request"/> and returns the parsed body, or throws a classified <see cref="PlatformException"/>.
    /// <paramref name="mayHavePublished"/> marks calls that can create a post, whose lost answers are outcome-unknown.
    /// </summary>
    public static async Task<JsonNode> SendAsync(HttpClient http, HttpRequestMessage request, TimeProvider time, string what, bool mayHavePublished, CancellationToken cancellationToken)
    {
        using (request)
        {
            var (response, text) = await PlatformHttp.ExchangeAsync(http, request, e => TikTokErrors.FromTransport(e, what, mayHavePublished), cancellationToken);

            using (response)
            {
                var body = PlatformErrors.Parse(text);
                if (response.IsSuccessStatusCode && body is null)
                {
                    throw new PlatformException(PlatformId.TikTok, mayHavePublished ? PlatformFailureKind.Unknown : PlatformFailureKind.Transient,
                        $"{what}: TikTok answered {(int)response.StatusCode} without a readable body.");
                }

                if (response.IsSuccessStatusCode && TikTokErrors.IsOk(body))
                {
                    return body!;
                }

                throw TikTokErrors.FromResponse(response, body, time.GetUtcNow());
            }
        }
    }
}
