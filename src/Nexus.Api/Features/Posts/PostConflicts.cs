using Marten;
using Nexus.Api.GraphQL.Errors;

namespace Nexus.Api.Features.Posts;

/// <summary>
/// A post command that lost every retry of its write race (publishers and editors kept committing to the post) answers
/// VERSION_CONFLICT with the post's version now: the caller reloads and applies its change again, as after any change
/// it did not see.
/// </summary>
public sealed class PostConflicts(IDocumentStore store) : IMutationConflictAnswer
{
    public async Task<MutationError?> AnswerAsync(object command, IReadOnlyList<Type> errors, Exception conflict, CancellationToken ct)
    {
        if (!errors.Contains(typeof(VersionConflictError)) || PostIdOf(command) is not { } postId)
        {
            return null;
        }

        await using var session = store.QuerySession();
        var state = await session.Events.FetchStreamStateAsync(postId, ct);
        return state is null ? null : new VersionConflictError(checked((int)state.Version));
    }

    /// <summary>Every command on a post names it as <c>PostId</c>.</summary>
    private static Guid? PostIdOf(object command) =>
        command.GetType().GetProperty("PostId")?.GetValue(command) is Guid id && id != Guid.Empty ? id : null;
}
