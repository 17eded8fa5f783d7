using FluentValidation;
using GraphQL;
using Nexus.Api.GraphQL.Errors;

namespace Nexus.Api.GraphQL;

/// <summary>The validation step every generated mutation runs before its handler (see <see cref="Mutation{TInput, TCommand, TResult}"/>).</summary>
public static class Mutations
{
    /// <summary>
    /// The <c>VALIDATION</c> errors of <paramref name="command"/> by its nested <c>Validator</c>, with input paths;
    /// none when it has no validator. The handler never sees an invalid command.
    /// </summary>
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
