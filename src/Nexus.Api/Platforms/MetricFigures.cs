using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Nexus.Api.Platforms;

/// <summary>
/// Reads one figure out of a platform's JSON for the metrics clients. Platforms send counts as numbers or as strings
/// (YouTube, Meta), and leave a figure out when they do not have it: that is null, never 0.
/// </summary>
public static class MetricFigures
{
    public static long? Count(JsonNode? node) => node is JsonValue value
        ? value.GetValueKind() switch
        {
            JsonValueKind.Number when value.TryGetValue<long>(out var whole) => whole,
            JsonValueKind.Number when value.TryGetValue<double>(out var real) => (long)Math.Round(real),
            JsonValueKind.String when long.TryParse(value.GetValue<string>(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => null,
        }
        : null;

    public static double? Real(JsonNode? node) => node is JsonValue value
        ? value.GetValueKind() switch
        {
            JsonValueKind.Number when value.TryGetValue<double>(out var real) => real,
            JsonValueKind.String when double.TryParse(value.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => null,
        }
        : null;

    public static long? Count(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) ? Count(value) : null;

    public static long? Count(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number when value.TryGetInt64(out var whole) => whole,
        JsonValueKind.Number when value.TryGetDouble(out var real) => (long)Math.Round(real),
        JsonValueKind.String when long.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => null,
    };

    public static double? Real(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.String when double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => null,
    };

    /// <summary>The sum of figures of which at least one is given; null when none is.</summary>
    public static long? Sum(params long?[] figures) => figures.Any(f => f.HasValue) ? figures.Sum(f => f ?? 0) : null;
}
