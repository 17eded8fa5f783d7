using System.Globalization;
using System.Text.Json;

namespace Nexus.Api.Platforms.Meta;

/// <summary>
/// The error body every Meta Graph API (graph.facebook.com, graph.instagram.com) returns:
/// <c>{"error":{"message","type","code","error_subcode","error_user_msg","is_transient","fbtrace_id"}}</c>.
/// Instagram Login's token endpoint (api.instagram.com) still answers in the older flat shape
/// <c>{"error_type","code","error_message"}</c>, read here too.
/// </summary>
public sealed record MetaGraphError(string Message, string? Type, int? Code, int? Subcode, bool? IsTransient, string? TraceId)
{
    /// <summary>The error in a body, or null when the body is not a Meta error.</summary>
    public static MetaGraphError? Parse(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            if (root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            {
                var message = error.Str("message") ?? "Meta reported an error without a message.";
                // error_user_msg is Meta's explanation for people; keep both when they differ.
                if (error.Str("error_user_msg") is { Length: > 0 } userMessage && userMessage != message)
                {
                    message = $"{message} {userMessage}";
                }

                return new MetaGraphError(message, error.Str("type"), error.Int("code"), error.Int("error_subcode"),
                    error.TryGetProperty("is_transient", out var transient) && transient.ValueKind is JsonValueKind.True or JsonValueKind.False ? transient.GetBoolean() : null,
                    error.Str("fbtrace_id"));
            }

            if (root.Str("error_message") is { } legacyMessage)
            {
                // The flat shape's "code" is the HTTP status, not a Graph error code.
                return new MetaGraphError(legacyMessage, root.Str("error_type"), null, null, null, null);
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }

    /// <summary><c>code</c> or <c>code/subcode</c>, the form Meta's error tables use.</summary>
    public string? PlatformCode => Code is not { } code ? Type : Subcode is { } subcode ? $"{code}/{subcode}" : code.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Classifies Meta Graph API failures (shared/PLATFORMS.md, "Limits" of Instagram: the Instagram and Meta-wide error
/// codes) into <see cref="PlatformException"/>s.
/// </summary>
public static class MetaErrors
{
    /// <summary>Used when Meta throttles without saying for how long.</summary>
    public static readonly TimeSpan DefaultRateLimitWait = TimeSpan.FromHours(1);

    /// <summary>The classification of a Graph error code and subcode; null when the code alone does not decide it.</summary>
    public static PlatformFailureKind? KindOf(int? code, int? subcode) => subcode switch
    {
        // Instagram's subcodes are more precise than the codes they come with (4/2207051 is spam, not throttling).
        2207042 => PlatformFailureKind.RateLimited, // publishing cap reached
        2207027 => PlatformFailureKind.Transient, // media not ready: wait for FINISHED
        2207008 => PlatformFailureKind.Transient, // container missing/expired: a retry builds a new one
        2207051 or 2207052 or 2207020 or 2207004 or 2207009 or 2207010 or 2207040 or 2207026 => PlatformFailureKind.Rejected,
        _ => code switch
        {
            // 190: the token is invalid or expired, whatever the subcode (458 app removed, 459 checkpoint,
            // 460 password changed, 463 expired, 464 unconfirmed, 467 invalid, 492 invalid Page session).
            // 102: the session is invalid. 10 and 200-299: a permission is missing or was removed; only a new
            // consent brings it back, so the connection needs the user either way.
            190 or 102 or 10 or (>= 200 and <= 299) => PlatformFailureKind.AuthExpired,
            // 4 app, 17 user, 32 Pages, 613 custom throttling; 80000-80099 Business Use Case throttling (80001 Pages,
            // 80002 Instagram, ...); 9 with Instagram's cap subcode.
            4 or 17 or 32 or 613 or 9 or (>= 80000 and <= 80099) => PlatformFailureKind.RateLimited,
            // 1 unknown, 2 service: Meta's own "try again later"; 9007 media not ready; 24 container not found yet.
            1 or 2 or 9007 or 24 => PlatformFailureKind.Transient,
            // 100 invalid parameter, 9004 media URL can't be fetched, -2 media expired, 36000-36004 image size/aspect/
            // caption, 352 video format, 368 blocked for policy, 506 duplicate post.
            100 or 9004 or -2 or (>= 36000 and <= 36004) or 352 or 368 or 506 => PlatformFailureKind.Rejected,
            _ => null,
        },
    };

    /// <summary>
    /// The exception for a failed Graph response. <paramref name="secrets"/> (the tokens and app secret of the call)
    /// are cut out of the message: Meta sometimes echoes what it was sent.
    /// </summary>
    public static PlatformException FromResponse(PlatformId platform, HttpResponseMessage response, string body, DateTimeOffset now, IEnumerable<string?> secrets)
    {
        var error = MetaGraphError.Parse(body);
        var kind = (error is null ? null : KindOf(error.Code, error.Subcode))
                   ?? (error?.IsTransient == true ? PlatformFailureKind.Transient : PlatformHttp.KindOf(response.StatusCode));
        var message = error?.Message ?? $"{platform} answered HTTP {(int)response.StatusCode} ({response.ReasonPhrase}).";
        var code = error?.PlatformCode ?? ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
        return new PlatformException(platform, kind, Scrub(message, secrets), code,
            kind == PlatformFailureKind.RateLimited ? RetryAt(response, now) : null);
    }

    /// <summary>
    /// When a throttled caller may call again. Meta's Business Use Case throttling says it in
    /// <c>X-Business-Use-Case-Usage</c>: per business object, <c>estimated_time_to_regain_access</c> in minutes (the
    /// longest one wins). Otherwise a <c>Retry-After</c>, if any. App-level (<c>X-App-Usage</c>) and custom (613)
    /// throttling give no time at all: an hour is the usual window of Meta's app and Page limits, so Nexus waits
    /// that long instead of hammering a limited app.
    /// </summary>
    public static DateTimeOffset RetryAt(HttpResponseMessage response, DateTimeOffset now)
    {
        if (response.Headers.TryGetValues("X-Business-Use-Case-Usage", out var values))
        {
            var minutes = values.Select(RegainMinutes).DefaultIfEmpty(0).Max();
            if (minutes > 0)
            {
                return now.AddMinutes(minutes);
            }
        }

        return PlatformHttp.ResetTime(response, now) ?? now + DefaultRateLimitWait;
    }

    /// <summary>Replaces every secret in a text with <c>[redacted]</c>.</summary>
    public static string Scrub(string text, IEnumerable<string?> secrets)
    {
        foreach (var secret in secrets)
        {
            if (!string.IsNullOrEmpty(secret))
            {
                text = text.Replace(secret, "[redacted]", StringComparison.Ordinal);
            }
        }

        return text;
    }

    // {"<business-id>":[{"type":"pages","call_count":100,"total_cputime":10,"total_time":10,"estimated_time_to_regain_access":12}]}
    private static double RegainMinutes(string header)
    {
        try
        {
            using var document = JsonDocument.Parse(header);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return 0;
            }

            double longest = 0;
            foreach (var business in document.RootElement.EnumerateObject())
            {
                var entries = business.Value.ValueKind == JsonValueKind.Array ? business.Value.EnumerateArray().ToList() : [business.Value];
                foreach (var entry in entries)
                {
                    if (entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("estimated_time_to_regain_access", out var regain) &&
                        regain.ValueKind == JsonValueKind.Number && regain.TryGetDouble(out var value))
                    {
                        longest = Math.Max(longest, value);
                    }
                }
            }

            return longest;
        }
        catch (JsonException)
        {
            return 0;
        }
    }
}

/// <summary>Small readers for Meta's JSON, where ids and counts come as strings or numbers depending on the endpoint.</summary>
public static class MetaJson
{
    public static string? Str(this JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number => value.GetRawText(),
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                _ => null,
            }
            : null;

    public static int? Int(this JsonElement element, string property) => element.Long(property) is { } value and >= int.MinValue and <= int.MaxValue ? (int)value : null;

    public static long? Long(this JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.Number when value.TryGetInt64(out var number) => number,
                JsonValueKind.String when long.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) => number,
                _ => null,
            }
            : null;

    public static JsonElement? Obj(this JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind is JsonValueKind.Object or JsonValueKind.Array
            ? value
            : null;
}
