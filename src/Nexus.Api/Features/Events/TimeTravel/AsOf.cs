using GraphQL;
using GraphQL.Builders;
using GraphQL.DataLoader;
using Marten;
using Nexus.Api.Features.Posts;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.GraphQL.Scalars;

// Not Nexus.Api.Features.Events: a namespace of that name would hide Wolverine's Events type from every Features.* slice.
namespace Nexus.Api.Features.EventStreams.TimeTravel;

/// <summary>
/// <c>post(id, asOf)</c> and <c>workspace(id, asOf)</c>: the aggregate rebuilt from its stream's events committed at
/// or before an instant, through the same <c>Create</c>/<c>Apply</c> methods that project it inline (Marten's live
/// aggregation), so there is one definition of what an event does to it. Who may ask is decided now: the field's
/// access check runs on the current workspace and role before this does.
/// </summary>
public static class AsOf
{
    public const string Argument = "asOf";

    public const string PostDescription =
        "The post as it stood at this instant, rebuilt from its events committed until then (null before it was drafted " +
        "or once discarded). Access is decided by your membership now. An instant in the future is refused (BAD_REQUEST). " +
        "Fields read from elsewhere show the present: author, warnings, history, metrics and each target's connection.";

    public const string WorkspaceDescription =
        "The workspace as it stood at this instant, rebuilt from its events committed until then (null before it was " +
        "created). Access is decided by your membership now, and `myRole` is your role now. An instant in the future is " +
        "refused (BAD_REQUEST). Its own fields (name, time zone, members, invitations, posting schedule, version) are " +
        "historical; fields read from elsewhere (posts, connections, calendar, activity, analytics, events...) show the present.";

    /// <summary>Declares the optional <c>asOf</c> argument of a root field.</summary>
    public static FieldBuilder<TSource, TReturn> AsOfArgument<TSource, TReturn>(this FieldBuilder<TSource, TReturn> field, string description) =>
        field.Argument<DateTimeScalar>(Argument, description);

    /// <summary>
    /// The instant asked for, or null for the present. The future is refused rather than read as "now": an answer for an
    /// instant that has not happened yet would change as it arrives, so it could not be quoted as the state at that time.
    /// </summary>
    public static DateTimeOffset? Instant(IResolveFieldContext context)
    {
        if (context.GetArgument<DateTimeOffset?>(Argument) is not { } asOf)
        {
            return null;
        }

        // No event is older than the Unix epoch, and the store's conversions of instants near DateTimeOffset.MinValue fail
        // (the fuzzer's 0001-01-01T00:00:00-14:00 answered INTERNAL): refused as input, not read as "before anything".
        if (asOf < DateTimeOffset.UnixEpoch)
        {
            throw new BadRequestError("asOf is before 1970-01-01T00:00:00Z; nothing in Nexus is older.");
        }

        var now = context.RequestServices!.GetRequiredService<TimeProvider>().GetUtcNow();
        return asOf <= now
            ? asOf
            : throw new BadRequestError("asOf is in the future; leave it out to read the current state.");
    }

    /// <summary>
    /// The post as it stood at <paramref name="asOf"/>; null when it did not exist yet, was discarded by then, or (never
    /// expected: a post does not move) belonged then to another workspace than the one the access check allowed.
    /// </summary>
    public static IDataLoaderResult<Post?> Post(IResolveFieldContext context, Guid postId, DateTimeOffset asOf) =>
        new Deferred<Post?>(async cancellation =>
        {
            var session = context.RequestServices!.GetRequiredService<IQuerySession>();
            var post = await session.Events.AggregateStreamAsync<Post>(postId, timestamp: asOf, token: cancellation);
            // The workspace the access check allowed: the current post's, or a discarded post's first event's.
            var allowed = await PostLookup.WorkspaceOfAsync(context, GlobalId.Encode(PostType.TypeName, postId));
            return post is not null && post.WorkspaceId == allowed ? post : null;
        });

    /// <summary>The workspace as it stood at <paramref name="asOf"/>; null before it was created.</summary>
    public static IDataLoaderResult<Workspace?> Workspace(IResolveFieldContext context, Guid workspaceId, DateTimeOffset asOf) =>
        new Deferred<Workspace?>(async cancellation =>
        {
            var session = context.RequestServices!.GetRequiredService<IQuerySession>();
            var then = await session.Events.AggregateStreamAsync<Workspace>(workspaceId, timestamp: asOf, token: cancellation);
            if (then is not null)
            {
                context.UserContext[NowKey(workspaceId)] = new Shown(then, context.Checked(workspaceId));
            }

            return then;
        });

    /// <summary>
    /// The current state of <paramref name="shown"/> when it is a workspace rebuilt as of an instant in this request,
    /// else <paramref name="shown"/> itself: for fields about the caller (their role), which are always about now.
    /// </summary>
    public static Workspace Now(IResolveFieldContext context, Workspace shown) =>
        context.UserContext.TryGetValue(NowKey(shown.Id), out var value) && value is Shown pair && ReferenceEquals(pair.Then, shown) ? pair.Now : shown;

    private static string NowKey(Guid workspaceId) => "nexus:asOf:workspace:" + workspaceId.ToString("N");

    private sealed record Shown(Workspace Then, Workspace Now);

    private sealed class Deferred<T>(Func<CancellationToken, Task<T>> load) : IDataLoaderResult<T>
    {
        public Task<T> GetResultAsync(CancellationToken cancellationToken = default) => load(cancellationToken);

        async Task<object?> IDataLoaderResult.GetResultAsync(CancellationToken cancellationToken) => await load(cancellationToken);
    }
}
