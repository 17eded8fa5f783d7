using System.Text.Json;

namespace Nexus.Api.Features.Billing.Subscribing;

/// <summary>
/// Reading the raw JSON of a Stripe event's object: a field of the wrong kind or missing reads as null, because an
/// event is only a pointer to what Nexus then fetches from Stripe, never trusted for more.
/// </summary>
public static class StripeJson
{
    public static string? Str(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static long? Long(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) ? n : null;

    /// <summary>A Unix time in seconds, within what <see cref="DateTimeOffset"/> holds.</summary>
    public static DateTimeOffset? Seconds(JsonElement obj, string name) =>
        Long(obj, name) is { } s && s is > 0 and < 253402300799 ? DateTimeOffset.FromUnixTimeSeconds(s) : null;

    public static Guid? GuidOf(string? value) => Guid.TryParse(value, out var id) ? id : null;

    /// <summary>A key of the object's <c>metadata</c>, which Nexus sets when it creates the object.</summary>
    public static string? Metadata(JsonElement obj, string key) =>
        obj.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object ? Str(metadata, key) : null;

    public static Guid? WorkspaceIn(JsonElement obj) => GuidOf(Metadata(obj, "workspaceId"));
}
