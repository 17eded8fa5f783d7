using FluentValidation;
using GraphQL;
using GraphQL.Builders;
using GraphQL.Types;
using Nexus.Api.GraphQL.Errors;
using Wolverine;

namespace Nexus.Api.GraphQL;

/// <summary>
/// What a command handler answers: a value, or the domain errors that stopped it. Expected failures are values,
/// not exceptions, so they reach the payload typed.
/// </summary>
public sealed record Outcome<T>
{
    private Outcome(T? value, IReadOnlyList<MutationError> errors) => (Value, Errors) = (value, errors);

    public T? Value { get; }

    public IReadOnlyList<MutationError> Errors { get; }

    public bool Succeeded => Errors.Count == 0;

    public static Outcome<T> Ok(T value) => new(value, []);

    public static Outcome<T> Fail(params MutationError[] errors) => new(default, errors);

    public static Outcome<T> Fail(IReadOnlyList<MutationError> errors) => new(default, errors);
}

/// <summary>The conventions every mutation field follows: one <c>input</c>, a payload, typed errors.</summary>
public static class Mutations
{
    /// <summary>Declares <c>name(input: TInput!): TPayload!</c>.</summary>
    public static FieldBuilder<object?, object> MutationField<TInputType, TPayloadType>(this ObjectGraphType root, string name, string description)
        where TInputType : IInputObjectGraphType
        where TPayloadType : IComplexGraphType =>
        root.Field<NonNullGraphType<TPayloadType>>(name)
            .Description(description)
            .Argument<NonNullGraphType<TInputType>>("input");

    /// <summary>
    /// Validates <paramref name="command"/> with its nested <c>Validator</c> (when it has one) and, when valid,
    /// sends it through Wolverine. Validation failures come back as <c>VALIDATION</c> errors with input paths;
    /// the handler never sees an invalid command.
    /// </summary>
    public static async Task<Outcome<TResult>> SendAsync<TCommand, TResult>(this IResolveFieldContext context, TCommand command)
        where TCommand : notnull
    {
        var errors = await ValidateAsync(context, command);
        return errors.Count > 0
            ? Outcome<TResult>.Fail(errors)
            : await context.RequestServices!.GetRequiredService<IMessageBus>().InvokeAsync<Outcome<TResult>>(command, context.CancellationToken);
    }

    /// <summary>The <c>VALIDATION</c> errors of <paramref name="command"/> by its nested <c>Validator</c>; none when it has no validator.</summary>
    public static async Task<IReadOnlyList<MutationError>> ValidateAsync<TCommand>(IResolveFieldContext context, TCommand command)
        where TCommand : notnull
    {
        if (context.RequestServices!.GetService<IValidator<TCommand>>() is not { } validator)
        {
            return [];
        }

        var validation = await validator.ValidateAsync(command, context.CancellationToken);
        return validation.IsValid ? [] : [.. validation.Errors.Select(ToValidationError)];
    }

    internal static ValidationError ToValidationError(FluentValidation.Results.ValidationFailure failure) =>
        new(failure.ErrorMessage, InputPath(failure.PropertyName));

    /// <summary><c>Targets[0].Text</c> becomes <c>["input", "targets", "0", "text"]</c>.</summary>
    internal static IReadOnlyList<string> InputPath(string propertyName)
    {
        var path = new List<string> { "input" };
        foreach (var segment in propertyName.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var bracket = segment.IndexOf('[', StringComparison.Ordinal);
            var member = bracket < 0 ? segment : segment[..bracket];
            path.Add(JsonCamelCase(member));
            if (bracket >= 0)
            {
                path.Add(segment[(bracket + 1)..].TrimEnd(']'));
            }
        }

        return path;
    }

    private static string JsonCamelCase(string name) =>
        string.IsNullOrEmpty(name) ? name : char.ToLowerInvariant(name[0]) + name[1..];
}
