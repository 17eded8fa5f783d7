using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace Nexus.Api.Platforms.Pinterest;

/// <summary>
/// Turns Pinterest's answers (<c>{"code": 2, "message": "…"}</c>) into <see cref="PlatformException"/>s: 401 is an
/// expired or revoked token, 429 a rate limit (until <c>Retry-After</c> or <c>x-ratelimit-reset</c>), 400/409 and
/// other 4xx a refusal, 5xx transient.
/// </summary>
internal static class PinterestErrors
{
    private static readonly TimeSpan DefaultWindow = TimeSpan.FromMinutes(1);

    public static PlatformException FromResponse(HttpResponseMessage response, JsonNode? body, DateTimeOffset now)
    {
        var code = PlatformErrors.Text(body?["code"]) ?? PlatformErrors.Text(body?["error"]);
        var message = (PlatformErrors.Text(body?["message"]) ?? PlatformErrors.Text(body?["error_description"])) is { Length: > 0 } m
            ? m
            : $"Pinterest answered {(int)response.StatusCode} {response.ReasonPhrase}.";
        var kind = response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => PlatformFailureKind.AuthExpired,
            HttpStatusCode.TooManyRequests => PlatformFailureKind.RateLimited,
            >= HttpStatusCode.InternalServerError => PlatformFailureKind.Transient,
            >= HttpStatusCode.BadRequest => PlatformFailureKind.Rejected,
            _ => PlatformFailureKind.Unknown,
        };
        return new PlatformException(PlatformId.Pinterest, kind, message, code, kind == PlatformFailureKind.RateLimited ? ResetTime(response, now) : null);
    }

    /// <summary>
    /// A token-endpoint failure. A refused refresh (invalid_grant, or any other 4xx: the refresh token is the only thing
    /// that varies) means the connection must be made again; a refused code exchange is a rejected request.
    /// </summary>
    public static PlatformException FromTokenResponse(HttpResponseMessage response, JsonNode? body, bool refreshing, DateTimeOffset now)
    {
        var failure = FromResponse(response, body, now);
        var isClientError = response.StatusCode is >= HttpStatusCode.BadRequest and < HttpStatusCode.InternalServerError and not HttpStatusCode.TooManyRequests;
        return isClientError
            ? new PlatformException(PlatformId.Pinterest, refreshing ? PlatformFailureKind.AuthExpired : PlatformFailureKind.Rejected, failure.Message, failure.PlatformCode)
            : failure;
    }

    /// <summary>
    /// When a rate limit resets: <c>Retry-After</c>, else <c>x-ratelimit-reset</c>, which Pinterest's pages describe both
    /// as an epoch time and as seconds to wait (small values are read as seconds), else a minute from now.
    /// </summary>
    public static DateTimeOffset ResetTime(HttpResponseMessage response, DateTimeOffset now)
    {
        if (PlatformHttp.ResetTime(response, now) is { } retryAfter)
        {
            return retryAfter;
        }

        if (response.Headers.TryGetValues("x-ratelimit-reset", out var values) &&
            long.TryParse(values.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var reset) && reset >= 0)
        {
            return reset > 1_000_000_000 ? DateTimeOffset.FromUnixTimeSeconds(reset) : now.AddSeconds(reset);
        }

        return now + DefaultWindow;
    }

    /// <summary>
    /// A request that got no answer. When it may have created the Pin (<paramref name="mayHavePublished"/>) the outcome
    /// is unknown; connection failures happen before anything is sent and are transient.
    /// </summary>
    public static PlatformException FromTransport(Exception exception, string what, bool mayHavePublished) =>
        PlatformErrors.FromTransport(PlatformId.Pinterest, exception, what, mayHavePublished, "The Pin");

    private static bool IsCircuitOpen(Exception exception) => PlatformHttp.IsCircuitOpen(exception);
}
