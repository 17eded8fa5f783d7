using GraphQL.Types;
using GraphQLParser.AST;

namespace Nexus.Api.GraphQL.Scalars;

/// <summary>
/// <c>TimeZone</c>: an IANA time-zone id (<c>Europe/Berlin</c>). Windows ids and fixed offsets are refused so
/// that daylight-saving rules always come from the tz database.
/// </summary>
public sealed class TimeZoneScalar : ScalarGraphType
{
    public TimeZoneScalar()
    {
        Name = "TimeZone";
        Description = "An IANA time-zone id, e.g. `Europe/Berlin`.";
    }

    public override object? ParseLiteral(GraphQLValue value) => value switch
    {
        GraphQLNullValue => null,
        GraphQLStringValue s => Parse((string)s.Value),
        _ => ThrowLiteralConversionError(value),
    };

    public override object? ParseValue(object? value) => value switch
    {
        null => null,
        string s => Parse(s),
        TimeZoneInfo tz => tz,
        _ => ThrowValueConversionError(value),
    };

    public override object? Serialize(object? value) => value switch
    {
        null => null,
        TimeZoneInfo tz => tz.Id,
        string s when TryFind(s, out var tz) => tz.Id,
        _ => ThrowSerializationError(value),
    };

    /// <summary>Finds an IANA zone by id; false for unknown ids and for Windows ids.</summary>
    public static bool TryFind(string id, out TimeZoneInfo zone)
    {
        zone = TimeZoneInfo.Utc;
        if (string.IsNullOrWhiteSpace(id) || id.Length > 64 || !TimeZoneInfo.TryFindSystemTimeZoneById(id, out var found) || !found.HasIanaId)
        {
            return false;
        }

        zone = found;
        return true;
    }

    private static TimeZoneInfo Parse(string id) =>
        TryFind(id, out var zone) ? zone : throw new FormatException($"'{id}' is not an IANA time-zone id (e.g. Europe/Berlin).");
}
