using System.Globalization;
using GraphQL.Types;
using GraphQLParser.AST;

namespace Nexus.Api.GraphQL.Scalars;

/// <summary>
/// <c>DateTime</c>: an instant as ISO-8601 with an explicit offset (<c>2026-03-29T01:30:00+01:00</c>).
/// Input without an offset is refused, because a wall time without a zone is ambiguous; output is UTC.
/// </summary>
public sealed class DateTimeScalar : ScalarGraphType
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
        DateTimeOffset d => d,
        _ => ThrowValueConversionError(value),
    };

    public override object? Serialize(object? value) => value switch
    {
        null => null,
        DateTimeOffset d => d.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture),
        DateTime d when d.Kind == DateTimeKind.Utc => d.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture),
        _ => ThrowSerializationError(value),
    };

    public override bool CanParseLiteral(GraphQLValue value) =>
        value is GraphQLNullValue || (value is GraphQLStringValue s && TryParse((string)s.Value, out _));

    public override bool CanParseValue(object? value) =>
        value is null or DateTimeOffset || (value is string s && TryParse(s, out _));

    internal static bool TryParse(string text, out DateTimeOffset result)
    {
        result = default;
        // 'K' also matches an empty offset, so insist on 'Z' or '+hh:mm' / '-hh:mm' at the end.
        var hasOffset = text.EndsWith('Z') || text.EndsWith('z') ||
            (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');
        return hasOffset && DateTimeOffset.TryParseExact(text, Formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out result);
    }

    private static DateTimeOffset Parse(string text) =>
        TryParse(text, out var result)
            ? result
            : throw new FormatException($"'{text}' is not an ISO-8601 date-time with an offset (e.g. 2026-03-29T01:30:00+01:00).");
}
