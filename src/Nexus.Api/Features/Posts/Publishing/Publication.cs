using JasperFx.Events;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Runtime.Handlers;

namespace Nexus.Api.Features.Posts.Publishing;

/// <summary>
/// The durable scheduled message that starts a post's publication at its due time. It is never cancelled:
/// <see cref="ScheduleVersion"/> makes a message for an older schedule (rescheduled, cancelled, already
/// started) a no-op.
/// </summary>
public sealed record PublishDuePost(Guid PostId, int ScheduleVersion);

/// <summary>Publishes one target (one attempt). Targets of a post are independent messages, so they run concurrently.</summary>
public sealed record PublishTarget(Guid PostId, Guid TargetId, int Attempt);

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

    /// <summary>Marks the post as publishing and sends every target's first attempt.</summary>
    public static OutgoingMessages Start(IEventStream<Post> stream, bool immediate, Guid? byUserId, DateTimeOffset now)
    {
        var post = stream.Aggregate!;
        stream.AppendOne(new PostPublicationStarted(post.Id, immediate, byUserId, now));
        var messages = new OutgoingMessages();
        foreach (var target in post.Targets)
        {
            messages.Add(new PublishTarget(post.Id, target.Id, target.Attempts + 1));
        }

        return messages;
    }
}

public static class PublishDuePostHandler
{
    public static void Configure(HandlerChain chain) => Publication.RetryLater(chain);

    public static async Task<OutgoingMessages> Handle(PublishDuePost message, Marten.IDocumentSession session, DateTimeOffset now, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Post>(message.PostId, ct);
        if (stream.Aggregate is not { Status: PostStatus.Scheduled } post || post.ScheduleVersion != message.ScheduleVersion)
        {
            return [];
        }

        return Publication.Start(stream, immediate: false, byUserId: null, now);
    }
}
