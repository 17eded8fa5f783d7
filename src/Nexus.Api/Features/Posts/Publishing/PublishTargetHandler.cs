using Marten;
using Nexus.Api.Features.Connections;
using Nexus.Api.Infrastructure;
using Nexus.Api.Platforms;
using Wolverine;
using Wolverine.Runtime.Handlers;

namespace Nexus.Api.Features.Posts.Publishing;

/// <summary>
/// Publishes one target, exactly once, in steps of one transaction each:
/// <list type="number">
/// <item><b>load</b>: the post, this attempt's record and the target's connection, in one round trip;</item>
/// <item><b>claim</b>: the attempt is recorded (<see cref="PublishAttempt"/> and <see cref="TargetPublishAttempted"/>) and committed before the platform is called;</item>
/// <item><b>call</b>: the platform is called with the target's idempotency key, and its answer is saved on the attempt at once;</item>
/// <item><b>record</b>: <see cref="Attempts.Decide"/> and <see cref="Attempts.Record"/> turn the answer into events and messages, committed with this message.</item>
/// </list>
/// A delivery that finds the attempt recorded but unanswered (a crash or a duplicate delivery mid-call) never calls
/// again blindly: it waits while the attempt's lease (<see cref="AttemptLeases"/>) says a call is under way on some
/// node, and otherwise asks the platform where the platform can tell (<see cref="IPlatformPublicationLookup"/>), or
/// marks the target UNCONFIRMED for a person to decide.
/// </summary>
// The platform call runs between the claim and the record: no transaction of the handler stays open across it.
[OutsideTheTransaction]
public static class PublishTargetHandler
{
    public static void Configure(HandlerChain chain) => Publication.RetryLater(chain);

    public static async Task<TargetState> LoadAsync(PublishTarget message, IQuerySession session, CancellationToken ct)
    {
        var batch = session.CreateBatchQuery();
        var post = batch.Load<Post>(message.PostId);
        var attempt = batch.Load<PublishAttempt>(PublishAttempt.IdOf(message.TargetId, message.Attempt));
        var connectionId = message.ConnectionId;
        var connection = connectionId == Guid.Empty ? null : batch.Load<Connection>(connectionId);
        var secrets = connectionId == Guid.Empty ? null : batch.Load<ConnectionSecrets>(connectionId);
        await batch.Execute(ct);
        var state = new TargetState(await post, await attempt, connection is null ? null : await connection, secrets is null ? null : await secrets);
        if (connection is not null || state.Post?.Target(message.TargetId) is not { } target)
        {
            return state;
        }

        // A message sent before it named the connection: read the connection after the post.
        var second = session.CreateBatchQuery();
        var loadingConnection = second.Load<Connection>(target.ConnectionId);
        var loadingSecrets = second.Load<ConnectionSecrets>(target.ConnectionId);
        await second.Execute(ct);
        return state with { Connection = await loadingConnection, Secrets = await loadingSecrets };
    }

    public static async Task<OutgoingMessages> Handle(PublishTarget message, TargetState state, IDocumentSession session, PlatformCalls calls, TimeProvider clock, CancellationToken ct)
    {
        if (state.Post?.Target(message.TargetId) is not { } target || !Attempts.Expects(target, message.Attempt))
        {
            return [];
        }

        var post = state.Post;
        if (state.Attempt?.Outcome is { } known)
        {
            // This attempt was answered, but recording the answer did not commit (a conflict, a crash): record it now.
            return await AnsweredAsync(session, message, state, post, known, calls, clock, ct);
        }

        if (state.Attempt is not null)
        {
            return await UnansweredAsync(session, message, state, post, calls, clock, ct);
        }

        if (!Attempts.CanCall(state, calls.HasPublisher(target.Platform)))
        {
            return Commit(session, post, Attempts.Record(post, message, Attempts.NotConnected(state.Connection), clock.GetUtcNow()), state.Connection);
        }

        var credentials = calls.Credentials(state.Connection!, state.Secrets!);
        if (await calls.ClaimAsync(post, message, clock.GetUtcNow(), ct) is not { } claimed)
        {
            return await UnansweredAsync(session, message, state, post, calls, clock, ct);
        }

        AttemptOutcome outcome;
        // The claim took the attempt's lease: renewed while the platform answers, released with the answer's record.
        await using (var lease = calls.Leases.Hold(claimed.Attempt.Id))
        {
            post = claimed.Post;
            outcome = await calls.CallAsync(post, post.Target(message.TargetId)!, claimed.Attempt, credentials, ct);
            lease.Answered();
        }

        return await AnsweredAsync(session, message, state, post, outcome, calls, clock, ct);
    }

    private static async Task<OutgoingMessages> AnsweredAsync(IDocumentSession session, PublishTarget message, TargetState state, Post post, AttemptOutcome outcome,
        PlatformCalls calls, TimeProvider clock, CancellationToken ct)
    {
        if (outcome.Failure == PlatformFailureKind.Unknown)
        {
            // No answer: whether the post exists is for the platform to say, where it can.
            return await ReconcileAsync(session, message, state, post, calls, clock, ct);
        }

        var now = clock.GetUtcNow();
        var target = post.Target(message.TargetId)!;
        var decision = Attempts.Decide(outcome, target, state.Connection?.Name, message.Attempt, reconciled: false, calls.Options, Random.Shared.NextDouble(), now);
        var recorded = Attempts.Record(post, message, decision, now);
        return Commit(session, post, state.Connection is { } connection ? Attempts.NeedsReauth(recorded, connection, outcome, now) : recorded, state.Connection, message, calls);
    }

    /// <summary>
    /// An attempt recorded but unanswered: still being called, on this node or another (a duplicate or re-sent
    /// delivery) — come back when its lease runs out; otherwise its caller is gone (a crash, a restart) — take the lease
    /// and ask the platform.
    /// </summary>
    private static async Task<OutgoingMessages> UnansweredAsync(IDocumentSession session, PublishTarget message, TargetState state, Post post,
        PlatformCalls calls, TimeProvider clock, CancellationToken ct)
    {
        var id = PublishAttempt.IdOf(message.TargetId, message.Attempt);
        var (taken, remaining) = await calls.Leases.TryTakeAsync(id, ct);
        if (!taken)
        {
            // A live caller renews its lease; one that died lets it run out. Either way the next look settles it.
            return [message.ScheduledAt(clock.GetUtcNow() + remaining + TimeSpan.FromSeconds(1))];
        }

        // Read again: the call may have been answered, and the post moved on, since this delivery started.
        var batch = session.CreateBatchQuery();
        var loadingAttempt = batch.Load<PublishAttempt>(id);
        var loadingPost = batch.Load<Post>(message.PostId);
        await batch.Execute(ct);
        var attempt = await loadingAttempt;
        post = await loadingPost ?? post;
        state = state with { Post = post, Attempt = attempt };
        return attempt?.Outcome is { } answered
            ? await AnsweredAsync(session, message, state, post, answered, calls, clock, ct)
            : await ReconcileAsync(session, message, state, post, calls, clock, ct);
    }

    /// <summary>
    /// The attempt was recorded but never answered. Ask the platform where it can tell; where it cannot, mark the
    /// target unconfirmed rather than risk a second post.
    /// </summary>
    private static async Task<OutgoingMessages> ReconcileAsync(IDocumentSession session, PublishTarget message, TargetState state, Post post,
        PlatformCalls calls, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var target = post.Target(message.TargetId)!;
        if (!calls.CanLookUp(target.Platform) || state.Connection is not { Status: ConnectionStatus.Active } connection || state.Secrets is null)
        {
            return Commit(session, post, Attempts.Record(post, message, Decision.Unconfirmed(target), now), state.Connection, message, calls);
        }

        var attempt = state.Attempt ?? Attempts.Claim(post, target, message.Attempt, calls.Leases.NodeId, now).Attempt;
        try
        {
            var outcome = await calls.LookUpAsync(target, attempt, calls.Credentials(connection, state.Secrets), ct);
            var decision = Attempts.Decide(outcome, target, connection.Name, message.Attempt, reconciled: outcome.Failure is null, calls.Options, Random.Shared.NextDouble(), now);
            return Commit(session, post, Attempts.Record(post, message, decision, now), connection, message, calls);
        }
        catch (PlatformException ex)
        {
            if (ex.Kind is PlatformFailureKind.AuthExpired or PlatformFailureKind.Rejected || now - attempt.StartedAt > calls.Options.ReconcileFor)
            {
                return Commit(session, post, Attempts.Record(post, message, Decision.Unconfirmed(target), now), connection, message, calls);
            }

            calls.LogDeferred(target, ex.Kind);
            // Recorded, so that the target shows why it waits and the stall check does not send the message again.
            var next = ex.RetryAt ?? now + calls.Options.BackoffFor(1, Random.Shared.NextDouble());
            return Commit(session, post, Attempts.Deferred(post, message, ex.Message, next, now), connection, message, calls);
        }
    }

    /// <summary>
    /// Appends what was recorded, at the version of the post it was decided on (a conflict runs the handler again, which
    /// finds the saved answer). Given the message of an attempt this delivery called or asked about, the attempt's lease
    /// goes in the same transaction.
    /// </summary>
    private static OutgoingMessages Commit(IDocumentSession session, Post post, Recorded recorded, Connection? connection, PublishTarget? attempt = null, PlatformCalls? calls = null)
    {
        if (attempt is not null && calls is not null)
        {
            calls.Leases.ReleaseWith(session, PublishAttempt.IdOf(attempt.TargetId, attempt.Attempt));
        }

        PostStream.Append(session, post, recorded.PostEvents);
        if (recorded.ConnectionEvents.Count > 0 && connection is not null)
        {
            session.Events.Append(connection.Id, [.. recorded.ConnectionEvents]);
        }

        return recorded.Messages;
    }
}
