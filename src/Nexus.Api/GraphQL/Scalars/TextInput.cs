using System.Globalization;
using GraphQL.Types;
using GraphQLParser.AST;

namespace Nexus.Api.GraphQL.Scalars;

/// <summary>
/// The one check every string input passes, whatever field or input type carries it: no control characters but
/// tab, line feed and carriage return, and well-formed UTF-16 (no unpaired surrogate). PostgreSQL refuses NUL in
/// text and UTF-8 cannot encode a lone surrogate, so either would otherwise fail deep in a write; the other
/// control characters have no business in free text and break what people copy it into.
/// </summary>
public static class TextInput
{
    /// <summary>The reason <paramref name="text"/> is refused, or null when it is acceptable.</summary>
    public static string? Problem(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return $"Text must be valid Unicode: an unpaired surrogate (U+{(int)c:X4}) at position {i}.";
            }
            else if ((c < ' ' && c is not ('\t' or '\n' or '\r')) || c == '\u007F')
            {
                return $"Text may not contain control characters other than tab, line feed and carriage return: U+{(int)c:X4} at position {i}.";
            }
        }

        return null;
    }

    /// <summary>Returns <paramref name="text"/>, or throws the refusal that graphql-dotnet turns into a 400 <c>BAD_REQUEST</c>.</summary>
    public static string Checked(string text) =>
        Problem(text) is { } problem ? throw new FormatException(problem) : text;

    /// <summary>The start of <paramref name="text"/> for an error message, so a long input is not echoed back in full.</summary>
    public static string Excerpt(string text) =>
        text.Length <= 64 ? text : text[..64].ToString(CultureInfo.InvariantCulture) + "…";
}

/// <summary>
/// The built-in <c>String</c>, with <see cref="TextInput"/>'s check on input. Literals are let through
/// <see cref="CanParseLiteral"/> so that <see cref="ParseLiteral"/>'s reason reaches the client instead of a
/// generic "expected type String".
/// </summary>
public sealed class SafeStringGraphType : StringGraphType
{
    // Same name as the built-in, so it replaces it everywhere (fields, variables, introspection).
    public SafeStringGraphType() => Name = "String";

    public override object? ParseLiteral(GraphQLValue value) =>
        value is GraphQLStringValue s ? TextInput.Checked((string)s.Value) : base.ParseLiteral(value);

    public override object? ParseValue(object? value) =>
        value is string s ? TextInput.Checked(s) : base.ParseValue(value);

    public override bool CanParseLiteral(GraphQLValue value) => value is GraphQLStringValue || base.CanParseLiteral(value);

    public override bool CanParseValue(object? value) => value is string || base.CanParseValue(value);
}

/// <summary>The built-in <c>ID</c>, with <see cref="TextInput"/>'s check on string input (see <see cref="SafeStringGraphType"/>).</summary>
public sealed class SafeIdGraphType : IdGraphType
{
    public SafeIdGraphType() => Name = "ID";

    public override object? ParseLiteral(GraphQLValue value) =>
        value is GraphQLStringValue s ? TextInput.Checked((string)s.Value) : base.ParseLiteral(value);

    public override object? ParseValue(object? value) =>
        value is string s ? TextInput.Checked(s) : base.ParseValue(value);

    public override bool CanParseLiteral(GraphQLValue value) => value is GraphQLStringValue || base.CanParseLiteral(value);

    public override bool CanParseValue(object? value) => value is string || base.CanParseValue(value);
}
