using GraphQL.Types;
using GraphQLParser.AST;

namespace Nexus.Api.GraphQL.Scalars;

/// <summary>
/// A scalar written as a string that must parse to <typeparamref name="T"/>; input that does not parse is a
/// document error (400 <c>BAD_REQUEST</c>) whose message says why (<see cref="Explain"/>), for literals as for
/// variables: <see cref="CanParseLiteral"/> accepts any string so that <see cref="ParseLiteral"/>'s reason is the
/// one reported.
/// </summary>
public abstract class StringScalar<T> : ScalarGraphType where T : notnull
{
    /// <summary>What a valid value looks like, for error messages.</summary>
    protected abstract string Expectation { get; }

    protected abstract bool TryParse(string text, out T value);

    protected abstract string Format(T value);

    /// <summary>Why <paramref name="text"/> is refused; by default, what a valid value looks like.</summary>
    protected virtual string Explain(string text) => $"'{TextInput.Excerpt(text)}' is not {Expectation}.";

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
        T parsed => parsed,
        _ => ThrowValueConversionError(value),
    };

    public override object? Serialize(object? value) => value switch
    {
        null => null,
        T typed => Format(typed),
        _ => ThrowSerializationError(value),
    };

    public override bool CanParseLiteral(GraphQLValue value) => value is GraphQLNullValue or GraphQLStringValue;

    public override bool CanParseValue(object? value) => value is null or T or string;

    private T Parse(string text) =>
        TextInput.Problem(text) is null && TryParse(text, out var value) ? value : throw new FormatException(TextInput.Problem(text) ?? Explain(text));
}
