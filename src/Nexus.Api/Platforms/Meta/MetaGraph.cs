using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace Nexus.Api.Platforms.Meta;

/// <summary>What a Graph call does, which decides what a call that got no answer means.</summary>
public enum MetaCall
{
    /// <summary>A read: safe to repeat, retried by the resilience pipeline; a lost answer is transient.</summary>
    Read,

    /// <summary>
    /// A write that makes nothing public (a media container, an upload session or upload, an unpublished photo, a
    /// revocation): repeating it is harmless, so a lost answer is transient and a retry starts the flow over.
    /// </summary>
    Write,

    /// <summary>
    /// The write that publishes (<c>media_publish</c>, a feed post, a photo or video post, a reel's finish): a lost
    /// answer is <see cref="PlatformFailureKind.Unknown"/>, because the post may be live and a blind retry would
    /// publish it twice.
    /// </summary>
    Publish,
}

/// <summary>
/// Sends Graph API requests and turns every failure into a classified <see cref="PlatformException"/>.
/// Access tokens travel in the <c>Authorization</c> header wherever Meta accepts it, so they stay out of URLs; the
/// few documented endpoints that take secrets in the query string (token exchanges) are called through clients
/// whose HTTP logging is removed (see the registrations), and no request URI is ever logged or put in a message.
/// </summary>
public static class MetaGraph
{
    /// <summary>An absolute URL under <paramref name="baseUrl"/> (which may carry a path prefix), with a query.</summary>
    public static Uri Url(Uri baseUrl, string path, params (string Name, string? Value)[] query)
    {
        var url = baseUrl.ToString().TrimEnd('/') + (path.Length == 0 ? "" : "/" + path.TrimStart('/'));
        foreach (var (name, value) in query)
        {
            if (value is not null)
            {
                url = QueryHelpers.AddQueryString(url, name, value);
            }
        }

        return new Uri(url);
    }

    /// <summary>An id as one path segment. Meta's ids are digits, or <c>upload:…</c> for upload sessions.</summary>
    public static string Segment(string id) => Uri.EscapeDataString(id).Replace("%3A", ":", StringComparison.Ordinal);

    /// <summary>A request that carries <paramref name="accessToken"/> as a bearer token (never in the URL).</summary>
    public static HttpRequestMessage Request(HttpMethod method, Uri url, string? accessToken, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, url) { Content = content };
        if (accessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        return request;
    }

    /// <summary>A form body from the parameters that have a value.</summary>
    public static FormUrlEncodedContent Form(params (string Name, string? Value)[] fields) =>
        new(fields.Where(f => f.Value is not null).Select(f => new KeyValuePair<string, string>(f.Name, f.Value!)));

    /// <summary>
    /// Sends <paramref name="request"/> (and disposes it) and returns the JSON answer. Failures become
    /// <see cref="PlatformException"/>s: Meta's error codes classified by <see cref="MetaErrors"/>, and calls that got
    /// no answer by <paramref name="call"/>. <paramref name="secrets"/> are cut out of every message.
    /// </summary>
    public static async Task<JsonElement> SendAsync(HttpClient http, PlatformId platform, HttpRequestMessage request, MetaCall call,
        TimeProvider clock, IReadOnlyCollection<string?> secrets, CancellationToken cancellationToken)
    {
        using (request)
        {
            HttpResponseMessage response;
            try
            {
                // ResponseContentRead: the body is read inside this try, so a connection lost mid-answer is caught here.
                response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e) when (PlatformHttp.IsCircuitOpen(e))
            {
                // The request was never sent: safe to try again later, even for a publish.
                throw new PlatformException(platform, PlatformFailureKind.Transient,
                    $"{platform} has been failing; Nexus paused its calls for a moment. Nothing was sent.", "circuit-open");
            }
            catch (HttpRequestException e) when (e.HttpRequestError is HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError
                                                     or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError)
            {
                throw new PlatformException(platform, PlatformFailureKind.Transient,
                    $"Nexus could not connect to {platform} ({e.HttpRequestError}). Nothing was sent.", "connection", inner: e);
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException || PlatformHttp.IsAttemptTimeout(e))
            {
                throw call == MetaCall.Publish
                    ? new PlatformException(platform, PlatformFailureKind.Unknown,
                        $"The connection to {platform} was lost before it answered the publish request; the post may or may not be live, so it is not sent again blindly.",
                        "no-answer", inner: e)
                    : new PlatformException(platform, PlatformFailureKind.Transient,
                        $"{platform} did not answer in time or the connection was lost.", "no-answer", inner: e);
            }

            using (response)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    throw MetaErrors.FromResponse(platform, response, body, clock.GetUtcNow(), secrets);
                }

                try
                {
                    using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(body) ? "{}" : body);
                    return document.RootElement.Clone();
                }
                catch (JsonException)
                {
                    throw Unreadable(platform, call);
                }
            }
        }
    }

    /// <summary>A string property the answer must carry (an id, a handle); its absence is a malformed answer.</summary>
    public static string Require(JsonElement answer, string property, PlatformId platform, MetaCall call) =>
        answer.Str(property) is { Length: > 0 } value ? value : throw Unreadable(platform, call);

    // A publish that succeeded but whose answer cannot be read leaves Nexus not knowing the post's id or even whether
    // it is live: unknown, never repeated blindly.
    private static PlatformException Unreadable(PlatformId platform, MetaCall call) => call == MetaCall.Publish
        ? new PlatformException(platform, PlatformFailureKind.Unknown, $"{platform} accepted the publish request but its answer could not be read.", "unreadable")
        : new PlatformException(platform, PlatformFailureKind.Transient, $"{platform} answered with something Nexus could not read.", "unreadable");
}
