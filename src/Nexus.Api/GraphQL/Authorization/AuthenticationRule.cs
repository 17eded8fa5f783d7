using GraphQL.Builders;
using GraphQL.Types;
using GraphQL.Validation;
using GraphQLParser.AST;
using Nexus.Api.GraphQL.Errors;

namespace Nexus.Api.GraphQL.Authorization;

/// <summary>
/// Every root field needs a signed-in caller unless it is marked <see cref="FieldAccess.Public{TSource, TReturn}"/>.
/// Checked once, while the document is validated, so no resolver has to remember it; a refused document is
/// answered 401 with <c>UNAUTHENTICATED</c>.
/// </summary>
public sealed class AuthenticationRule : ValidationRuleBase
{
    public static readonly AuthenticationRule Instance = new();

    private static readonly INodeVisitor Visitor = new MatchingNodeVisitor<GraphQLField>((field, context) =>
    {
        if (context.User?.Identity?.IsAuthenticated == true ||
            context.TypeInfo.GetParentType() is not { } parent || !IsRoot(context.Schema, parent) ||
            context.TypeInfo.GetFieldDef() is not { } definition || definition.Name.StartsWith("__", StringComparison.Ordinal) ||
            definition.IsPublic())
        {
            return;
        }

        context.ReportError(new RequestRejectedError(ErrorCodes.Unauthenticated, $"Sign in to use `{definition.Name}`."));
    });

    public override ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context) => new(Visitor);

    private static bool IsRoot(ISchema schema, IGraphType type) =>
        ReferenceEquals(type, schema.Query) || ReferenceEquals(type, schema.Mutation) || ReferenceEquals(type, schema.Subscription);
}

/// <summary>Access markers on fields, read by <see cref="AuthenticationRule"/>.</summary>
public static class FieldAccess
{
    private const string PublicKey = "nexus:public";

    /// <summary>Anyone may call this root field, signed in or not.</summary>
    public static FieldBuilder<TSource, TReturn> Public<TSource, TReturn>(this FieldBuilder<TSource, TReturn> field)
    {
        field.FieldType.Metadata[PublicKey] = true;
        return field;
    }

    public static bool IsPublic(this IFieldType field) => field.GetMetadata(PublicKey, false);
}
