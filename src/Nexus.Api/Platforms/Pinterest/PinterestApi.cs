using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Nexus.Api.Platforms.Pinterest;

/// <summary>One Pinterest API v5 call: bearer in the header (never in the URL), JSON in and out, failures classified.</summary>
internal static class PinterestApi
{
    public static HttpRequestMessage Json(HttpMethod method, Uri uri, string accessToken, JsonNode? body = null)
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
    /// <paramref name="mayHavePublished"/> marks the call that creates the Pin, whose lost answer is outcome-unknown.
    /// </summary>
    public static async Task<JsonNode> SendAsync(HttpClient http, HttpRequestMessage request, TimeProvider time, string what, bool mayHavePublished,
        CancellationToken cancellationToken, Func<HttpResponseMessage, JsonNode?, PlatformException>? classify = null)
    {
        using (request)
        {
            var (response, text) = await PlatformHttp.ExchangeAsync(http, request, e => PinterestErrors.FromTransport(e, what, mayHavePublished), cancellationToken);

            using (response)
            {
                var body = PlatformErrors.Parse(text);
                if (response.IsSuccessStatusCode)
                {
                    return body ?? throw new PlatformException(PlatformId.Pinterest,
                        mayHavePublished ? PlatformFailureKind.Unknown : PlatformFailureKind.Transient,
                        $"{what}: Pinterest answered {(int)response.StatusCode} without a readable body.");
                }

                throw classify?.Invoke(response, body) ?? PinterestErrors.FromResponse(response, body, time.GetUtcNow());
            }
        }
    }
}
