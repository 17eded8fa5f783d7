using GraphQL.Validation;
using GraphQLParser.AST;
using Nexus.Api.Features.Apps;
using Nexus.Api.GraphQL.Errors;
using OpenIddict.Abstractions;

namespace Nexus.Api.GraphQL.Authorization;

/// <summary>
/// What an app's token may select, checked once while the document is validated (beside <see cref="AuthenticationRule"/>),
/// so no resolver has to remember it: every field that declares a scope (<see cref="FieldScopes"/>) needs that scope among
/// the token's; a field declared first-party only is refused; and a root field that declares nothing is refused too, so a
/// field added without thinking about apps stays closed to them. Nexus's own tokens (the <c>nexus</c> scope) pass.
/// A refused document is answered <c>FORBIDDEN</c> naming the scope (HTTP 403 with RFC 6750's
/// <c>insufficient_scope</c>; over WebSocket an <c>error</c> message), and nothing of it runs.
/// </summary>
public sealed class ScopeRule : ValidationRuleBase
{
    public static readonly ScopeRule Instance = new();

    /// <summary>User-context key: the scope a refused document lacked, for the HTTP answer's <c>WWW-Authenticate</c>.</summary>
    public const string MissingScopeKey = "nexus:missing-scope";

    private static readonly INodeVisitor Visitor = new MatchingNodeVisitor<GraphQLField>((field, context) =>
    {
        if (!context.User.IsApp() || context.TypeInfo.GetFieldDef() is not { } definition ||
            definition.Name.StartsWith("__", StringComparison.Ordinal))
        {
            return;
        }

        if (definition.NeededScope() is { } scope)
        {
            if (!context.User!.HasScope(scope))
            {
                context.UserContext[MissingScopeKey] = scope;
                context.ReportError(new RequestRejectedError(ErrorCodes.Forbidden, Refusal(scope, $"`{definition.Name}`")));
            }

            return;
        }

        if (definition.IsFirstPartyOnly() ||
            (!definition.IsOpenToAnyApp() && context.TypeInfo.GetParentType() is { } parent && IsRoot(context.Schema, parent)))
        {
            context.ReportError(new RequestRejectedError(ErrorCodes.Forbidden,
                $"`{definition.Name}` is not open to apps: only Nexus's own clients may use it."));
        }
    });

    public override ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context) => new(Visitor);

    /// <summary>The words of a refusal for a missing scope; <paramref name="what"/> names what needed it.</summary>
    public static string Refusal(string scope, string what) =>
        $"This app's token was not granted the `{scope}` scope, which {what} needs.";

    private static bool IsRoot(global::GraphQL.Types.ISchema schema, global::GraphQL.Types.IGraphType type) =>
        ReferenceEquals(type, schema.Query) || ReferenceEquals(type, schema.Mutation) || ReferenceEquals(type, schema.Subscription);
}
