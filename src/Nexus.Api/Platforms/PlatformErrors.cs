using System.Text.Json;
using System.Text.Json.Nodes;

namespace Nexus.Api.Platforms;

/// <summary>Failure handling every platform client shares.</summary>
public static class PlatformErrors
{
    /// <summary>A transport failure (no usable answer) rather than the caller cancelling.</summary>
    public static bool IsTransport(Exception exception, CancellationToken cancellationToken) =>
        exception is HttpRequestException || PlatformHttp.IsAttemptTimeout(exception) || PlatformHttp.IsCircuitOpen(exception)
        || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    /// <summary>
    /// A request that got no answer. When it may have created something on the platform
    /// (<paramref name="mayHavePublished"/>) the outcome is unknown and it must not be repeated blindly; failures that
    /// happen before anything is sent (open circuit, no connection) are transient.
    /// </summary>
    /// <param name="platform">The platform.</param>
    /// <param name="exception">What the transport threw.</param>
    /// <param name="what">The step, as the message should name it.</param>
    /// <param name="mayHavePublished">Whether the request could have created a post.</param>
    /// <param name="created">What it may have created, for the message ("The Pin").</param>
    public static PlatformException FromTransport(PlatformId platform, Exception exception, string what, bool mayHavePublished, string created)
    {
        var circuitOpen = PlatformHttp.IsCircuitOpen(exception);
        var notSent = circuitOpen
            || exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError };
        var kind = mayHavePublished && !notSent ? PlatformFailureKind.Unknown : PlatformFailureKind.Transient;
        var reason = circuitOpen ? $"{platform} is failing repeatedly; calls are paused for a moment"
            : exception is TaskCanceledException || PlatformHttp.IsAttemptTimeout(exception) ? $"{platform} did not answer in time"
            : $"the connection to {platform} failed";
        var outcome = kind == PlatformFailureKind.Unknown ? $" {created} may or may not have been created." : string.Empty;
        // Nothing is sent while the circuit is open: come back when it may close rather than spend attempts on it.
        var retryAt = circuitOpen ? DateTimeOffset.UtcNow + (PlatformHttp.CircuitRetryAfter(exception) ?? PlatformHttp.CircuitBreakDuration) : (DateTimeOffset?)null;
        return new PlatformException(platform, kind, $"{what}: {reason}.{outcome}", retryAt: retryAt, inner: exception);
    }

    /// <summary>A response body as JSON, or null when it is empty or not JSON (error pages, proxies).</summary>
    public static JsonNode? Parse(string text)
    {
        try
        {
            return string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A JSON string or number as text; null for anything else.</summary>
    public static string? Text(JsonNode? node) => node is JsonValue value
        ? value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.Number => value.ToJsonString(),
            _ => null,
        }
        : null;

    /// <summary>A string property of a JSON object, or null (numbers are returned as their text).</summary>
    public static string? Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number => value.GetRawText(),
                _ => null,
            }
            : null;

    /// <summary>A nested object property, or <c>default</c> (<see cref="JsonValueKind.Undefined"/>).</summary>
    public static JsonElement Child(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Object
            ? value
            : default;

    /// <summary>A copy of <paramref name="element"/> that outlives its document (<c>default</c> stays <c>default</c>).</summary>
    public static JsonElement Detach(JsonElement element) =>
        element.ValueKind == JsonValueKind.Undefined ? default : element.Clone();

    /// <summary>An error answer's body, or null when even that could not be read.</summary>
    public static async Task<string?> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }
}
