using GraphQL;

namespace Nexus.Api.GraphQL.Errors;

/// <summary>
/// The <c>extensions.code</c> values of top-level errors: transport, authentication and document problems.
/// Domain failures are never top-level; they are typed mutation errors (see <see cref="MutationError"/>).
/// </summary>
public static class ErrorCodes
{
    public const string BadRequest = "BAD_REQUEST";
    public const string Unauthenticated = "UNAUTHENTICATED";
    public const string Forbidden = "FORBIDDEN";
    public const string MaxDepth = "MAX_DEPTH";
    public const string MaxComplexity = "MAX_COMPLEXITY";
    public const string MaxAliases = "MAX_ALIASES";
    public const string ResponseTooLarge = "RESPONSE_TOO_LARGE";
    public const string IntrospectionDisabled = "INTROSPECTION_DISABLED";
    public const string Internal = "INTERNAL";
    public const string RateLimited = "RATE_LIMITED";
    public const string TooManySubscriptions = "TOO_MANY_SUBSCRIPTIONS";
    public const string PlatformError = "PLATFORM_ERROR";
}

/// <summary>A field-level or request-level error caused by the client's input (code <c>BAD_REQUEST</c>).</summary>
public sealed class BadRequestError : ExecutionError
{
    public BadRequestError(string message) : base(message) => Code = ErrorCodes.BadRequest;
}

/// <summary>A field that reads from a social platform could not (code <c>PLATFORM_ERROR</c>): the platform's reason, in words.</summary>
public sealed class PlatformError : ExecutionError
{
    public PlatformError(string message) : base(message) => Code = ErrorCodes.PlatformError;
}

/// <summary>The caller is signed in but may not do this (code <c>FORBIDDEN</c>).</summary>
public sealed class ForbiddenError : ExecutionError
{
    public ForbiddenError(string message) : base(message) => Code = ErrorCodes.Forbidden;
}

/// <summary>
/// A document refused before execution for a reason with its own code (a limit, a missing sign-in) rather than
/// for being malformed.
/// </summary>
public sealed class RequestRejectedError : global::GraphQL.Validation.ValidationError
{
    public RequestRejectedError(string code, string message) : base(message) => Code = code;
}
