using System.Text.Json;

namespace Nexus.Api.Platforms.Meta;

/// <summary>
/// Reads a Graph <c>/insights</c> answer: <c>{"data":[{"name","period","values":[{"value":N}]}]}</c>, or with
/// <c>total_value: {"value": N}</c> (the newer Instagram shape). Each metric's latest value, by name; a metric Meta
/// left out is absent, so its figure stays null.
/// </summary>
public static class MetaInsights
{
    public static IReadOnlyDictionary<string, double> Values(JsonElement answer)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        if (answer.ValueKind != JsonValueKind.Object || !answer.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
        {
            return values;
        }

        foreach (var metric in data.EnumerateArray())
        {
            if (metric.Str("name") is not { } name)
            {
                continue;
            }

            double? value = null;
            if (metric.TryGetProperty("total_value", out var total) && total.ValueKind == JsonValueKind.Object && total.TryGetProperty("value", out var totalValue))
            {
                value = MetricFigures.Real(totalValue);
            }
            else if (metric.TryGetProperty("values", out var series) && series.ValueKind == JsonValueKind.Array && series.GetArrayLength() > 0 &&
                     series[series.GetArrayLength() - 1].TryGetProperty("value", out var latest))
            {
                value = MetricFigures.Real(latest);
            }

            if (value is { } figure)
            {
                values[name] = figure;
            }
        }

        return values;
    }

    public static long? Count(this IReadOnlyDictionary<string, double> values, string name) =>
        values.TryGetValue(name, out var value) ? (long)Math.Round(value) : null;

    /// <summary>A duration Meta gives in milliseconds, in seconds.</summary>
    public static double? Seconds(this IReadOnlyDictionary<string, double> values, string name) =>
        values.TryGetValue(name, out var value) ? value / 1000d : null;

    /// <summary>
    /// The object does not exist (deleted) or cannot be loaded: code 100 with subcode 33, or 803/"does not exist".
    /// Such a post is absent from a metrics answer rather than a failure of its batch.
    /// </summary>
    public static bool IsGone(PlatformException failure) => failure.PlatformCode is "100/33" or "803";
}
