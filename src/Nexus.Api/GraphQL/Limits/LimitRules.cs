using GraphQL.Validation;
using GraphQL.Validation.Complexity;
using GraphQL.Validation.Rules.Custom;
using Nexus.Api.GraphQL.Errors;

namespace Nexus.Api.GraphQL.Limits;

/// <summary>
/// graphql-dotnet's complexity analysis, reporting depth and cost overruns as two distinct top-level errors
/// (<c>MAX_DEPTH</c>, <c>MAX_COMPLEXITY</c>) so clients can tell which limit they hit.
/// </summary>
public sealed class QueryLimitsRule(ComplexityOptions options) : ComplexityValidationRule(options)
{
    private readonly ComplexityOptions _options = options;

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
