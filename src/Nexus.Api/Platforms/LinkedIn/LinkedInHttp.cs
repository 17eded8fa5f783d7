using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Nexus.Api.Platforms.LinkedIn;

/// <summary>
/// Turns LinkedIn's answers into <see cref="PlatformException"/>s. The REST APIs answer
/// <c>{"status","code","serviceErrorCode","message"}</c>; the OAuth endpoints <c>{"error","error_description"}</c>.
/// 401 is an expired or revoked token; 429 a daily limit, which resets at midnight UTC; 400/422 refused content;
/// 5xx worth retrying. Messages come from those fields only, never from the request, so no token can leak.
/// </summary>
internal static class LinkedInHttp
{
    private const int MaxMessageLength = 500;

    // Polly 7 also comes in (through another package) with exception types of the same names, so the resilience
    // pipeline's (Polly 8) are told apart by assembly.
    /// <summary>
    /// A call to LinkedIn's versioned REST API (<c>/rest/...</c>): bearer token, <c>LinkedIn-Version</c> and
    /// <c>X-Restli-Protocol-Version: 2.0.0</c>, as every such call needs.
    /// </summary>
    public static HttpRequestMessage Rest(HttpMethod method, Uri uri, string accessToken, string apiVersion)
    {
        var request = Bearer(method, uri, accessToken);
        request.Headers.Add("LinkedIn-Version", apiVersion);
        request.Headers.Add("X-Restli-Protocol-Version", "2.0.0");
        return request;
    }

    public static HttpRequestMessage Bearer(HttpMethod method, Uri uri, string accessToken)
    {
        var request = new HttpRequestMessage(method, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return request;
    }

    public static StringContent Json(JsonObject body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    private static readonly PlatformHttp.Failures Failures = new(PlatformId.LinkedIn, PlatformErrors.IsTransport, FromTransport, FromResponseAsync);

    /// <summary>Sends <paramref name="request"/> and returns the successful response, or throws it classified.</summary>
    public static Task<HttpResponseMessage> SendAsync(HttpClient http, HttpRequestMessage request, TimeProvider time, string step, bool outcomeUnknown, CancellationToken cancellationToken) =>
        PlatformHttp.SendAsync(http, request, Failures, time, step, outcomeUnknown, cancellationToken);

    /// <summary>Sends <paramref name="request"/> and parses the successful answer's JSON body.</summary>
    public static Task<JsonDocument> SendForJsonAsync(HttpClient http, HttpRequestMessage request, TimeProvider time, string step, bool outcomeUnknown, CancellationToken cancellationToken) =>
        PlatformHttp.SendForJsonAsync(http, request, Failures, time, step, outcomeUnknown, cancellationToken);

    public static async Task<PlatformException> FromResponseAsync(HttpResponseMessage response, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var status = response.StatusCode;
        var (message, code) = Describe(await PlatformErrors.ReadBodyAsync(response, cancellationToken));
        var kind = status switch
        {
            HttpStatusCode.TooManyRequests => PlatformFailureKind.RateLimited,
            HttpStatusCode.Unauthorized => PlatformFailureKind.AuthExpired,
            >= HttpStatusCode.InternalServerError => PlatformFailureKind.Transient,
            _ => PlatformHttp.KindOf(status),
        };

        // The token endpoint says invalid_grant when a code or refresh token is dead: the user must reconnect.
        if (code == "invalid_grant")
        {
            kind = PlatformFailureKind.AuthExpired;
        }

        // LinkedIn's daily limits reset at midnight UTC and it sends no reset header; honour Retry-After if it does.
        DateTimeOffset? retryAt = kind == PlatformFailureKind.RateLimited ? PlatformHttp.ResetTime(response, now) ?? NextMidnightUtc(now) : null;
        message ??= $"LinkedIn answered {(int)status} {response.ReasonPhrase}".TrimEnd();
        return new PlatformException(PlatformId.LinkedIn, kind, message, code, retryAt);
    }

    /// <summary>
    /// A request that got no answer. When <paramref name="outcomeUnknown"/> (the post-creating POST) LinkedIn may have
    /// acted on it, so it is <see cref="PlatformFailureKind.Unknown"/> and must not be repeated blindly; any other
    /// step created nothing visible and is worth retrying.
    /// </summary>
    public static PlatformException FromTransport(Exception exception, string step, bool outcomeUnknown)
    {
        if (PlatformHttp.IsCircuitOpen(exception))
        {
            // The circuit breaker refused to send anything: safe to retry later whatever the step.
            return new PlatformException(PlatformId.LinkedIn, PlatformFailureKind.Transient, $"LinkedIn is failing; calls are paused ({step}).", inner: exception);
        }

        var what = PlatformHttp.IsAttemptTimeout(exception) || exception is OperationCanceledException ? "timed out" : "failed in transit";
        return outcomeUnknown
            ? new PlatformException(PlatformId.LinkedIn, PlatformFailureKind.Unknown, $"The request to LinkedIn {what} ({step}); LinkedIn may have published the post.", inner: exception)
            : new PlatformException(PlatformId.LinkedIn, PlatformFailureKind.Transient, $"The request to LinkedIn {what} ({step}).", inner: exception);
    }

    internal static DateTimeOffset NextMidnightUtc(DateTimeOffset now) => new(now.UtcDateTime.Date.AddDays(1), TimeSpan.Zero);

    public static PlatformException Unexpected(string what, bool outcomeUnknown = false) =>
        new(PlatformId.LinkedIn, outcomeUnknown ? PlatformFailureKind.Unknown : PlatformFailureKind.Transient, $"LinkedIn answered without {what}.");

    private static (string? Message, string? Code) Describe(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return (null, null);
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }

            var message = PlatformErrors.Text(root, "message") ?? PlatformErrors.Text(root, "error_description") ?? PlatformErrors.Text(root, "error");
            var code = PlatformErrors.Text(root, "error") ?? PlatformErrors.Text(root, "code") ?? PlatformErrors.Text(root, "serviceErrorCode");
            return (Truncate(message), code);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private static string? Truncate(string? message) =>
        message is { Length: > MaxMessageLength } ? message[..MaxMessageLength] : message;
}
