using GraphQL.Validation;
using GraphQL.Types;
using GraphQL.Validation.Complexity;
using GraphQL.Validation.Rules.Custom;
using GraphQLParser.AST;
using Nexus.Api.GraphQL.Errors;

namespace Nexus.Api.GraphQL.Limits;

/// <summary>
/// graphql-dotnet's complexity analysis, reporting depth and cost overruns as two distinct top-level errors
/// (<c>MAX_DEPTH</c>, <c>MAX_COMPLEXITY</c>) so clients can tell which limit they hit.
/// </summary>
public sealed class QueryLimitsRule(ComplexityOptions options) : ComplexityValidationRule(options)
{
    /// <summary>
    /// What <c>__schema</c> costs, whatever is selected inside it. graphql-dotnet prices introspection by the schema's
    /// real sizes (GraphiQL's query: 27,000+, growing with every type), so left as is no client could introspect; left
    /// out (as before), aliased copies of it cost nothing and answered 35 MB. A flat price does not grow with the schema:
    /// GraphiQL's or Apollo's full query costs 2,000 of the default 5,000, so it runs, and a third copy does not.
    /// The answer's size is bounded by <c>MaxResponseBytes</c>.
    /// </summary>
    public const double SchemaIntrospectionCost = 2000;

    /// <summary>What <c>__type(name:)</c> costs, flat: one type's description, a small fraction of <c>__schema</c>.</summary>
    public const double TypeIntrospectionCost = 100;

    private readonly ComplexityOptions _options = options;

    /// <summary>The limits of <paramref name="settings"/>, with introspection counted (see <see cref="SchemaIntrospectionCost"/>).</summary>
    public static QueryLimitsRule For(GraphQLOptions settings)
    {
        var options = new ComplexityOptions { MaxDepth = settings.MaxDepth, MaxComplexity = settings.MaxComplexity };
        var standard = options.DefaultComplexityImpactDelegate;
        options.DefaultComplexityImpactDelegate = context => context.FieldDefinition.Name switch
        {
            // Clients add __typename to every selection set, and it is answered without a lookup.
            "__typename" => new FieldComplexityResult(0, 0),
            // A child multiplier of 0 leaves what is selected inside out of the price (see SchemaIntrospectionCost).
            "__schema" => new FieldComplexityResult(SchemaIntrospectionCost, 0),
            "__type" => new FieldComplexityResult(TypeIntrospectionCost, 0),
            _ => WithDefaultPage(context, standard(context)),
        };
        return new QueryLimitsRule(options);
    }

    /// <summary>
    /// A connection's list priced by its field's default <c>first</c> when the query gives none. The standard estimate
    /// reads <c>first</c> from the arguments the query wrote, and a field written with no arguments at all has none to
    /// read (not even defaults), so a nested <c>products { edges }</c> would be priced at the generic 20 instead of its
    /// declared default page (see <c>StorefrontQuery.DefaultPageSize</c>).
    /// </summary>
    private static FieldComplexityResult WithDefaultPage(FieldImpactContext context, FieldComplexityResult standard)
    {
        if (context.FieldDefinition.ResolvedType is not (ListGraphType or NonNullGraphType { ResolvedType: ListGraphType }) ||
            context.Arguments?.ContainsKey("first") == true || context.Parent is not { } parent ||
            parent.FieldDefinition.ResolvedType is ListGraphType or NonNullGraphType { ResolvedType: ListGraphType } ||
            parent.Arguments?.ContainsKey("first") == true || parent.Arguments?.ContainsKey("last") == true ||
            parent.FieldDefinition.Arguments?.Find("first")?.DefaultValue is not int page)
        {
            return standard;
        }

        return new FieldComplexityResult(standard.FieldImpact, page);
    }

    protected override ValueTask ValidateComplexityAsync(ValidationContext context, double totalComplexity, int maxDepth)
    {
        if (maxDepth > _options.MaxDepth)
        {
            context.ReportError(new RequestRejectedError(ErrorCodes.MaxDepth,
                $"The query is nested {maxDepth} levels deep; at most {_options.MaxDepth} are allowed."));
        }
        else if (totalComplexity > _options.MaxComplexity)
        {
            context.ReportError(new RequestRejectedError(ErrorCodes.MaxComplexity,
                $"The query's estimated cost is {totalComplexity:0}; at most {_options.MaxComplexity} is allowed."));
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// At most <c>MaxAliases</c> aliased fields in one document (<c>MAX_ALIASES</c>): aliases are how one request asks
/// for the same expensive field hundreds of times, and the cost estimate alone cannot tell copies from real work.
/// Counted over the whole document, fragments included, before anything runs.
/// </summary>
public sealed class AliasLimitRule(int maxAliases) : ValidationRuleBase
{
    public override ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context)
    {
        var aliases = CountAliases(context.Document);
        if (aliases > maxAliases)
        {
            context.ReportError(new RequestRejectedError(ErrorCodes.MaxAliases,
                $"The document uses {aliases} aliases; at most {maxAliases} are allowed."));
        }

        return default;
    }

    internal static int CountAliases(GraphQLDocument document)
    {
        var count = 0;
        // A stack, not recursion: the parser's depth limit is the only bound on nesting here.
        var pending = new Stack<GraphQLSelectionSet>();
        foreach (var definition in document.Definitions)
        {
            if (definition is GraphQLOperationDefinition { SelectionSet: { } operation })
            {
                pending.Push(operation);
            }
            else if (definition is GraphQLFragmentDefinition { SelectionSet: { } fragment })
            {
                pending.Push(fragment);
            }
        }

        while (pending.TryPop(out var set))
        {
            foreach (var selection in set.Selections)
            {
                switch (selection)
                {
                    case GraphQLField field:
                        count += field.Alias is null ? 0 : 1;
                        if (field.SelectionSet is { } children)
                        {
                            pending.Push(children);
                        }

                        break;
                    case GraphQLInlineFragment { SelectionSet: { } inline }:
                        pending.Push(inline);
                        break;
                }
            }
        }

        return count;
    }
}
