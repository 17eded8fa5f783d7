using GraphQL;
using GraphQL.Execution;
using GraphQL.Validation.Errors.Custom;

namespace Nexus.Api.GraphQL.Errors;

/// <summary>
/// Shapes every top-level error as <c>{ message, locations, path, extensions: { code } }</c> (PLAN_LIMIT adds <c>data</c>: limit, usage, max, plan, liftedBy) with the codes of
/// <see cref="ErrorCodes"/>, and never lets an exception's own message or stack reach the client.
/// </summary>
public sealed class NexusErrorInfoProvider : IErrorInfoProvider
{
    public ErrorInfo GetInfo(ExecutionError executionError)
    {
        var (code, message) = Classify(executionError);
        var extensions = new Dictionary<string, object?> { ["code"] = code };
        // A query refused by a plan limit: what to upgrade to is the useful part (a mutation has them in its payload).
        if (executionError is Features.Billing.PlanLimitExceeded plan)
        {
            extensions["data"] = plan.Fields;
        }

        return new ErrorInfo { Message = message, Extensions = extensions };
    }

    internal static (string Code, string Message) Classify(ExecutionError error) => error switch
    {
        BadRequestError or ForbiddenError or RequestRejectedError or Limits.RateLimitedError => (error.Code!, error.Message),
        NoIntrospectionError => (ErrorCodes.IntrospectionDisabled, "Introspection is disabled on this server."),
        UnhandledError => (ErrorCodes.Internal, "An internal error occurred; it has been logged."),
        // A variable our scalars refused: their reason (a control character, a missing offset) is the useful part.
        global::GraphQL.Validation.InvalidVariableError { InnerException: FormatException reason } => (ErrorCodes.BadRequest, $"{error.Message} {reason.Message}"),
        // Parse, validation, variable and operation-selection errors: all are faults in the request.
        DocumentError => (ErrorCodes.BadRequest, error.Message),
        _ when error.InnerException is null => (error.Code ?? ErrorCodes.BadRequest, error.Message),
        _ => (ErrorCodes.Internal, "An internal error occurred; it has been logged."),
    };
}
