using System.Net;
using System.Text.Json;

namespace Nexus.Api.Platforms.X;

/// <summary>
/// Turns X's answers into <see cref="PlatformException"/>s. X reports errors as RFC 7807 problems
/// (<c>title</c>, <c>detail</c>, <c>type</c>), as <c>{"errors":[{"code","message"}]}</c> (429 is code 88), or, at
/// the token endpoint, as OAuth errors (<c>error</c>, <c>error_description</c>). Messages come from those fields
/// only, never from the request, so no token can leak into them.
/// </summary>
internal static class XHttp
{
    private const int MaxMessageLength = 500;

    private static readonly PlatformHttp.Failures Failures = new(PlatformId.X, PlatformErrors.IsTransport, FromTransport, FromResponseAsync);

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

        var retryAt = kind == PlatformFailureKind.RateLimited ? PlatformHttp.ResetTime(response, now, "x-rate-limit-reset") : null;
        message ??= $"X answered {(int)status} {response.ReasonPhrase}".TrimEnd();
        return new PlatformException(PlatformId.X, kind, message, code, retryAt);
    }

    /// <summary>
    /// A request that got no answer. When <paramref name="outcomeUnknown"/> (the post-creating POST) X may have
    /// acted on it, so it is <see cref="PlatformFailureKind.Unknown"/> and must not be repeated blindly; any other
    /// step created nothing visible and is worth retrying.
    /// </summary>
    public static PlatformException FromTransport(Exception exception, string step, bool outcomeUnknown)
    {
        if (PlatformHttp.IsCircuitOpen(exception))
        {
            // The circuit breaker refused to send anything: safe to retry later whatever the step.
            return new PlatformException(PlatformId.X, PlatformFailureKind.Transient, $"X is failing; calls are paused ({step}).", inner: exception);
        }

        var what = PlatformHttp.IsAttemptTimeout(exception) || exception is OperationCanceledException ? "timed out" : "failed in transit";
        return outcomeUnknown
            ? new PlatformException(PlatformId.X, PlatformFailureKind.Unknown, $"The request to X {what} ({step}); X may have published the post.", inner: exception)
            : new PlatformException(PlatformId.X, PlatformFailureKind.Transient, $"The request to X {what} ({step}).", inner: exception);
    }

    public static PlatformException Unexpected(string what, bool outcomeUnknown = false) =>
        new(PlatformId.X, outcomeUnknown ? PlatformFailureKind.Unknown : PlatformFailureKind.Transient, $"X answered without {what}.");

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

            var firstError = root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0
                ? errors[0]
                : default;
            var message = PlatformErrors.Text(root, "detail") ?? PlatformErrors.Text(firstError, "message") ?? PlatformErrors.Text(root, "error_description") ?? PlatformErrors.Text(root, "title") ?? PlatformErrors.Text(root, "error");
            var type = PlatformErrors.Text(root, "type");
            var code = PlatformErrors.Text(root, "error") ?? PlatformErrors.Text(firstError, "code") ?? (type is null or "about:blank" ? null : type) ?? PlatformErrors.Text(root, "title");
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
