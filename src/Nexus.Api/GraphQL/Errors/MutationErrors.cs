using GraphQL.Types;

namespace Nexus.Api.GraphQL.Errors;

/// <summary>
/// A domain failure reported in a mutation payload's <c>errors</c>. Each subtype becomes a GraphQL object type
/// of the same name implementing the <c>Error</c> interface; <see cref="Code"/> is SCREAMING_SNAKE and stable,
/// <see cref="Path"/> points at the input field concerned (e.g. <c>["input", "email"]</c>).
/// </summary>
public abstract record MutationError(string Code, string Message, IReadOnlyList<string>? Path);

/// <summary>Input that breaks a rule of the command (FluentValidation failures).</summary>
public sealed record ValidationError(string Message, IReadOnlyList<string> Path)
    : MutationError("VALIDATION", Message, Path);

/// <summary>The GraphQL <c>Error</c> interface every mutation error implements.</summary>
public sealed class ErrorInterface : InterfaceGraphType<MutationError>
{
    public ErrorInterface()
    {
        Name = "Error";
        Description = "A domain error returned in a mutation payload.";
        Field(e => e.Code).Description("Stable, machine-readable code in SCREAMING_SNAKE case.");
        Field(e => e.Message).Description("Human-readable explanation, safe to show to the user.");
        Field(e => e.Path, type: typeof(ListGraphType<NonNullGraphType<StringGraphType>>))
            .Description("Path of the input field concerned, when there is one.");
    }
}

/// <summary>The object type of one <see cref="MutationError"/> subtype, named after it.</summary>
public sealed class ErrorType<TError> : ObjectGraphType<TError> where TError : MutationError
{
    public ErrorType()
    {
        Name = typeof(TError).Name;
        Interface<ErrorInterface>();
        Field(e => e.Code);
        Field(e => e.Message);
        Field(e => e.Path, type: typeof(ListGraphType<NonNullGraphType<StringGraphType>>));
        if (typeof(TError).GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IErrorFields<>)))
        {
            typeof(ErrorFields).GetMethod(nameof(ErrorFields.Add))!.MakeGenericMethod(typeof(TError)).Invoke(null, [this]);
        }
    }
}

/// <summary>
/// An error with more to say than its message, as fields a client can read (e.g. the ids of the posts that keep a
/// media item from being deleted): it adds them to its own GraphQL type. Errors without it stay code, message, path.
/// </summary>
public interface IErrorFields<TSelf> where TSelf : MutationError, IErrorFields<TSelf>
{
    static abstract void AddFields(ObjectGraphType<TSelf> type);
}

internal static class ErrorFields
{
    public static void Add<TError>(ObjectGraphType<TError> type) where TError : MutationError, IErrorFields<TError> => TError.AddFields(type);
}
