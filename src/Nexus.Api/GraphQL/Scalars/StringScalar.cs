using GraphQL.Types;
using GraphQLParser.AST;

namespace Nexus.Api.GraphQL.Scalars;

/// <summary>
/// A scalar written as a string that must parse to <typeparamref name="T"/>; input that does not parse is a
/// document error (400) with <see cref="Expectation"/> in the message.
/// </summary>
public abstract class StringScalar<T> : ScalarGraphType where T : notnull
{
    /// <summary>What a valid value looks like, for error messages.</summary>
    protected abstract string Expectation { get; }

    protected abstract bool TryParse(string text, out T value);

    protected abstract string Format(T value);

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

    public override bool CanParseLiteral(GraphQLValue value) =>
        value is GraphQLNullValue || (value is GraphQLStringValue s && TryParse((string)s.Value, out _));

    public override bool CanParseValue(object? value) =>
        value is null or T || (value is string s && TryParse(s, out _));

    private T Parse(string text) =>
        TryParse(text, out var value) ? value : throw new FormatException($"'{text}' is not {Expectation}.");
}
