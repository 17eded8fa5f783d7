using Nexus.Api.Infrastructure;

namespace Nexus.Api.GraphQL.Errors;

/// <summary>
/// Answers a mutation whose command lost every retry of a write race (see <see cref="Persistence"/>) with a typed error
/// of its union instead of INTERNAL. An area registers one for the commands it knows how to answer.
/// </summary>
public interface IMutationConflictAnswer
{
    /// <summary>The error for <paramref name="command"/>, one of <paramref name="errors"/>; null when this area does not answer it.</summary>
    Task<MutationError?> AnswerAsync(object command, IReadOnlyList<Type> errors, Exception conflict, CancellationToken ct);
}

public static class MutationConflicts
{
    /// <summary>The typed error for a command that kept losing a write race, or null when no area answers it.</summary>
    internal static async Task<MutationError?> AnswerAsync(IServiceProvider services, object command, IReadOnlyList<Type> errors, Exception conflict, CancellationToken ct)
    {
        foreach (var answer in services.GetServices<IMutationConflictAnswer>())
        {
            if (await answer.AnswerAsync(command, errors, conflict, ct) is { } error)
            {
                return error;
            }
        }

        return null;
    }
}
