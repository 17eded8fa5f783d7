using System.Net;
using System.Text.Json.Nodes;

namespace Nexus.Api.Platforms.TikTok;

/// <summary>
/// Turns TikTok's answers into <see cref="PlatformException"/>s. API errors come as
/// <c>{"data":{…},"error":{"code":"…","message":"…","log_id":"…"}}</c> (code <c>ok</c> on success); the token endpoint
/// answers <c>{"error":"invalid_grant","error_description":"…"}</c>.
/// </summary>
internal static class TikTokErrors
{
    // TikTok's per-token windows are a minute long (init 6/min, status 30/min).
    private static readonly TimeSpan RateWindow = TimeSpan.FromMinutes(1);

    // The app-wide cap of publishing users (5 per 24 h before the audit) rolls over a day.
    private static readonly TimeSpan ActiveUserWindow = TimeSpan.FromHours(24);

    public static PlatformException FromResponse(HttpResponseMessage response, JsonNode? body, DateTimeOffset now)
    {
        var (code, message) = Describe(body);
        code ??= ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        message ??= $"TikTok answered {(int)response.StatusCode} {response.ReasonPhrase}.";
        var retryAt = PlatformHttp.ResetTime(response, now);
        return code switch
        {
            "access_token_invalid" or "scope_not_authorized" or "scope_permission_missed" =>
                new PlatformException(PlatformId.TikTok, PlatformFailureKind.AuthExpired, message, code),
            "rate_limit_exceeded" =>
                new PlatformException(PlatformId.TikTok, PlatformFailureKind.RateLimited, message, code, retryAt ?? now + RateWindow),
            "reached_active_user_cap" =>
                new PlatformException(PlatformId.TikTok, PlatformFailureKind.RateLimited, message, code, retryAt ?? now + ActiveUserWindow),
            // PLATFORMS.md: spam_risk* (incl. the creator's daily cap spam_risk_too_many_posts) is not retryable.
            _ when code.StartsWith("spam_risk", StringComparison.Ordinal) =>
                new PlatformException(PlatformId.TikTok, PlatformFailureKind.Rejected, message, code),
            "internal_error" => new PlatformException(PlatformId.TikTok, PlatformFailureKind.Transient, message, code),
            _ => ByStatus(response, message, code, retryAt ?? now + RateWindow),
        };
    }

    /// <summary>
    /// A token-endpoint failure. <c>invalid_grant</c> on refresh means the grant is dead (AuthExpired); on a code exchange
    /// the code was bad or used (Rejected).
    /// </summary>
    public static PlatformException FromTokenResponse(HttpResponseMessage response, JsonNode? body, bool refreshing, DateTimeOffset now)
    {
        var error = PlatformErrors.Text(body?["error"]);
        if (string.IsNullOrEmpty(error))
        {
            return FromResponse(response, body, now);
        }

        var message = PlatformErrors.Text(body?["error_description"]) is { Length: > 0 } description ? description : $"TikTok refused the token request ({error}).";
        var kind = error switch
        {
            "invalid_grant" => refreshing ? PlatformFailureKind.AuthExpired : PlatformFailureKind.Rejected,
            "rate_limit_exceeded" => PlatformFailureKind.RateLimited,
            "internal_error" or "server_error" or "temporarily_unavailable" => PlatformFailureKind.Transient,
            _ when (int)response.StatusCode >= 500 => PlatformFailureKind.Transient,
            _ => PlatformFailureKind.Rejected,
        };
        return new PlatformException(PlatformId.TikTok, kind, message, error,
            kind == PlatformFailureKind.RateLimited ? PlatformHttp.ResetTime(response, now) ?? now + RateWindow : null);
    }

    /// <summary>
    /// A publish whose status ended <c>FAILED</c>. PLATFORMS.md: <c>internal</c> and <c>video_pull_failed</c> are worth
    /// another try; <c>auth_removed</c> means the creator revoked Nexus (reconnect); the rest (<c>spam_risk*</c>,
    /// <c>*_check_failed</c>, <c>publish_cancelled</c>, anything unknown) are final.
    /// </summary>
    public static PlatformException FromFailReason(string? failReason, string publishId)
    {
        var reason = string.IsNullOrEmpty(failReason) ? "unknown" : failReason;
        var kind = reason switch
        {
            "internal" or "video_pull_failed" => PlatformFailureKind.Transient,
            "auth_removed" => PlatformFailureKind.AuthExpired,
            _ => PlatformFailureKind.Rejected,
        };
        return new PlatformException(PlatformId.TikTok, kind, $"TikTok could not publish the post (publish_id {publishId}): {reason}.", reason);
    }

    /// <summary>
    /// A request that got no answer. When it may have created a post (<paramref name="mayHavePublished"/>) the outcome is
    /// unknown and must not be retried blindly; connection failures happen before anything is sent and are transient.
    /// </summary>
    public static PlatformException FromTransport(Exception exception, string what, bool mayHavePublished) =>
        PlatformErrors.FromTransport(PlatformId.TikTok, exception, what, mayHavePublished, "The post");

    private static bool IsCircuitOpen(Exception exception) => PlatformHttp.IsCircuitOpen(exception);

    /// <summary>A JSON string or number as text (TikTok sends some ids as numbers).</summary>
    public static bool IsOk(JsonNode? body) => body?["error"] is not JsonObject error || PlatformErrors.Text(error["code"]) is null or "ok";

    private static (string? Code, string? Message) Describe(JsonNode? body) => body?["error"] switch
    {
        JsonObject error => (PlatformErrors.Text(error["code"]), PlatformErrors.Text(error["message"]) is { Length: > 0 } m ? m : null),
        JsonValue error when PlatformErrors.Text(error) is { Length: > 0 } code => (code, PlatformErrors.Text(body["error_description"])),
        _ => (null, null),
    };

    private static PlatformException ByStatus(HttpResponseMessage response, string message, string code, DateTimeOffset retryAt)
    {
        // A 200 that carries an error code is TikTok refusing the request.
        var kind = response.IsSuccessStatusCode ? PlatformFailureKind.Rejected : PlatformHttp.KindOf(response.StatusCode);
        if (response.StatusCode >= HttpStatusCode.InternalServerError)
        {
            kind = PlatformFailureKind.Transient;
        }

        return new PlatformException(PlatformId.TikTok, kind, message, code, kind == PlatformFailureKind.RateLimited ? retryAt : null);
    }
}
