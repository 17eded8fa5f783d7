using System.Text.Json;
using GraphQL.Types;
using GraphQLParser.AST;

namespace Nexus.Api.GraphQL.Scalars;

/// <summary>
/// <c>JSON</c>: any JSON value, written as is into the response (an event's stored data). Output only: no argument
/// takes it, so input is refused.
/// </summary>
public sealed class JsonScalar : ScalarGraphType
{
    public JsonScalar()
    {
        Name = "JSON";
        Description = "Any JSON value, as is (output only).";
    }

    public override object? Serialize(object? value) => value switch
    {
        null => null,
        JsonElement element => element,
        string json => JsonDocument.Parse(json).RootElement.Clone(),
        _ => ThrowSerializationError(value),
    };

    public override object? ParseLiteral(GraphQLValue value) => ThrowLiteralConversionError(value, "JSON is output only.");

    public override object? ParseValue(object? value) => ThrowValueConversionError(value);

    public override bool CanParseLiteral(GraphQLValue value) => false;

    public override bool CanParseValue(object? value) => false;
}
