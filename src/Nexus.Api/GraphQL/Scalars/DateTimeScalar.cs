using System.Globalization;

namespace Nexus.Api.GraphQL.Scalars;

/// <summary>
/// <c>DateTime</c>: an instant as ISO-8601 with an explicit offset (<c>2026-03-29T01:30:00+01:00</c>).
/// Input without an offset is refused, because a wall time without a zone is ambiguous; output is UTC.
/// </summary>
public sealed class DateTimeScalar : StringScalar<DateTimeOffset>
{
    private static readonly string[] Formats =
    [
        "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd'T'HH:mmK",
    ];

    public DateTimeScalar()
    {
        Name = "DateTime";
        Description = "An instant in ISO-8601 with an offset, e.g. `2026-03-29T01:30:00+01:00`; returned in UTC (`Z`).";
    }

    protected override string Expectation => "an ISO-8601 date-time with an offset (e.g. 2026-03-29T01:30:00+01:00)";

    protected override bool TryParse(string text, out DateTimeOffset value) => TryParseInstant(text, out value);

    protected override string Explain(string text) =>
        DateTime.TryParseExact(text, Formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
            ? $"'{TextInput.Excerpt(text)}' has no offset, so the instant it means is ambiguous: add 'Z' for UTC or the offset of its zone, e.g. {text}+01:00."
            : base.Explain(text);

    protected override string Format(DateTimeOffset value) =>
        value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    internal static bool TryParseInstant(string text, out DateTimeOffset result)
    {
        result = default;
        // 'K' also matches an empty offset, so insist on 'Z' or '+hh:mm' / '-hh:mm' at the end.
        var hasOffset = text.EndsWith('Z') || text.EndsWith('z') ||
            (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');
        return hasOffset && DateTimeOffset.TryParseExact(text, Formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out result);
    }
}
