using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Marten;
using Wolverine.Runtime.Handlers;

namespace Nexus.Api.Features.Posts.Publishing;

/// <summary>
/// The durable scheduled message that starts a post's publication at its due time. It is never cancelled:
/// <see cref="ScheduleVersion"/> makes a message for an older schedule (rescheduled, cancelled, already
/// started) a no-op.
/// </summary>
public sealed record PublishDuePost(Guid PostId, int ScheduleVersion);

/// <summary>Publishes one target (one attempt). Targets of a post are independent messages, so they run concurrently.</summary>
/// <remarks><c>ConnectionId</c> lets the handler read the target's connection with the post, in one round trip (empty: read after).</remarks>
public sealed record PublishTarget(Guid PostId, Guid TargetId, int Attempt, Guid ConnectionId = default);

public static class Publication
{
    /// <summary>
    /// Anything but a write conflict that escapes a publishing handler (the database away, a bug) is tried again later
    /// rather than parked in the dead letters: a post must not sit PUBLISHING behind one bad moment.
    /// <see cref="StalledPublicationCheck"/> backs this up.
    /// </summary>
    public static void RetryLater(HandlerChain chain)
    {
        // Many targets of one post answering at once conflict on its stream: run again soon, then later, never park.
        chain.OnException<JasperFx.ConcurrencyException>()
            .RetryWithCooldown(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(250),
                TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1))
            .Then.ScheduleRetry(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2));
        chain.OnException(e => e is not JasperFx.ConcurrencyException)
            .RetryWithCooldown(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5))
            .Then.ScheduleRetry(TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30));
    }

}

public static class PublishDuePostHandler
{
    public static void Configure(HandlerChain chain) => Publication.RetryLater(chain);

    public static (Events, OutgoingMessages) Handle(PublishDuePost message, [WriteAggregate(Required = false)] Post? post, DateTimeOffset now)
    {
        if (post is not { Status: PostStatus.Scheduled } || post.ScheduleVersion != message.ScheduleVersion)
        {
            return ([], []);
        }

        var (started, targets) = post.StartPublication(immediate: false, byUserId: null, now);
        return ([started], [.. targets]);
    }
}
