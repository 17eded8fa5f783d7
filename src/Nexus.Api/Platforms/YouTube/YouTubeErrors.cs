using System.Net;
using System.Text.Json.Nodes;

namespace Nexus.Api.Platforms.YouTube;

/// <summary>
/// Turns Google's answers into <see cref="PlatformException"/>s. The Data API answers
/// <c>{"error":{"code":403,"message":"…","errors":[{"reason":"quotaExceeded","domain":"youtube.quota"}]}}</c>; the
/// token endpoint <c>{"error":"invalid_grant","error_description":"…"}</c>.
/// </summary>
internal static class YouTubeErrors
{
    private static readonly TimeSpan ShortWindow = TimeSpan.FromMinutes(1);
    private static readonly Lazy<TimeZoneInfo> Pacific = new(() => TimeZoneInfo.FindSystemTimeZoneById("America/Los_Angeles"));

    public static PlatformException FromResponse(HttpResponseMessage response, JsonNode? body, DateTimeOffset now)
    {
        var error = body?["error"] as JsonObject;
        var reason = error?["errors"] is JsonArray { Count: > 0 } errors ? PlatformErrors.Text(errors[0]?["reason"]) : PlatformErrors.Text(error?["status"]);
        var message = PlatformErrors.Text(error?["message"]) is { Length: > 0 } m ? m : $"YouTube answered {(int)response.StatusCode} {response.ReasonPhrase}.";
        var status = response.StatusCode;
        return reason switch
        {
            _ when status == HttpStatusCode.Unauthorized => new(PlatformId.YouTube, PlatformFailureKind.AuthExpired, message, reason),
            // The daily quota (and videos.insert's own 100-a-day bucket) resets at midnight Pacific time.
            "quotaExceeded" or "uploadLimitExceeded" or "dailyLimitExceeded" =>
                new(PlatformId.YouTube, PlatformFailureKind.RateLimited, message, reason, NextPacificMidnight(now)),
            "rateLimitExceeded" or "userRateLimitExceeded" =>
                new(PlatformId.YouTube, PlatformFailureKind.RateLimited, message, reason, PlatformHttp.ResetTime(response, now) ?? now + ShortWindow),
            _ when status == HttpStatusCode.TooManyRequests =>
                new(PlatformId.YouTube, PlatformFailureKind.RateLimited, message, reason, PlatformHttp.ResetTime(response, now) ?? now + ShortWindow),
            _ when status >= HttpStatusCode.InternalServerError => new(PlatformId.YouTube, PlatformFailureKind.Transient, message, reason),
            _ when status >= HttpStatusCode.BadRequest => new(PlatformId.YouTube, PlatformFailureKind.Rejected, message, reason),
            _ => new(PlatformId.YouTube, PlatformFailureKind.Unknown, message, reason),
        };
    }

    /// <summary><c>invalid_grant</c> on refresh: the refresh token expired, was revoked or dropped (reconnect).</summary>
    public static PlatformException FromTokenResponse(HttpResponseMessage response, JsonNode? body, bool refreshing, DateTimeOffset now)
    {
        var error = PlatformErrors.Text(body?["error"]);
        if (string.IsNullOrEmpty(error))
        {
            return FromResponse(response, body, now);
        }

        var message = PlatformErrors.Text(body?["error_description"]) is { Length: > 0 } description ? description : $"Google refused the token request ({error}).";
        var kind = error switch
        {
            "invalid_grant" => refreshing ? PlatformFailureKind.AuthExpired : PlatformFailureKind.Rejected,
            _ when response.StatusCode == HttpStatusCode.TooManyRequests => PlatformFailureKind.RateLimited,
            _ when response.StatusCode >= HttpStatusCode.InternalServerError => PlatformFailureKind.Transient,
            _ => PlatformFailureKind.Rejected,
        };
        return new PlatformException(PlatformId.YouTube, kind, message, error,
            kind == PlatformFailureKind.RateLimited ? PlatformHttp.ResetTime(response, now) ?? now + ShortWindow : null);
    }

    /// <summary>
    /// A request that got no answer. When it may have created the video (<paramref name="mayHavePublished"/>) the outcome
    /// is unknown; connection failures happen before anything is sent and are transient.
    /// </summary>
    public static PlatformException FromTransport(Exception exception, string what, bool mayHavePublished) =>
        PlatformErrors.FromTransport(PlatformId.YouTube, exception, what, mayHavePublished, "The video");

    /// <summary>The next midnight in America/Los_Angeles (PST or PDT), when YouTube's daily quotas reset.</summary>
    public static DateTimeOffset NextPacificMidnight(DateTimeOffset now)
    {
        var zone = Pacific.Value;
        var midnight = TimeZoneInfo.ConvertTime(now, zone).Date.AddDays(1);
        // DST switches at 02:00 there, so midnight always exists exactly once.
        return new DateTimeOffset(midnight, zone.GetUtcOffset(midnight)).ToUniversalTime();
    }

    private static bool IsCircuitOpen(Exception exception) => PlatformHttp.IsCircuitOpen(exception);
}
