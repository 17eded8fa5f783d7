namespace Nexus.Api.GraphQL.Scalars;

/// <summary>
/// <c>TimeZone</c>: an IANA time-zone id (<c>Europe/Berlin</c>). Windows ids and fixed offsets are refused so
/// that daylight-saving rules always come from the tz database.
/// </summary>
public sealed class TimeZoneScalar : StringScalar<TimeZoneInfo>
{
    public TimeZoneScalar()
    {
        Name = "TimeZone";
        Description = "An IANA time-zone id, e.g. `Europe/Berlin`.";
    }

    protected override string Expectation => "an IANA time-zone id (e.g. Europe/Berlin)";

    protected override bool TryParse(string text, out TimeZoneInfo value) => TryFind(text, out value);

    protected override string Format(TimeZoneInfo value) => value.Id;

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
}
