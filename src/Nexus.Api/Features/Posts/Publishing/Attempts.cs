using Nexus.Api.Features.Connections;
using Nexus.Api.Features.Posts.Notifying;
using Nexus.Api.Platforms;
using Wolverine;

namespace Nexus.Api.Features.Posts.Publishing;

/// <summary>What one delivery of <see cref="PublishTarget"/> reads, in one round trip: the post, this attempt's record, the target's connection.</summary>
public sealed record TargetState(Post? Post, PublishAttempt? Attempt, Connection? Connection, ConnectionSecrets? Secrets);

/// <summary>The fate of one attempt.</summary>
public sealed record Decision(string? ExternalId, string? ExternalUrl, bool Reconciled, string? Code, string? Message, bool Retryable, DateTimeOffset? RetryAt, bool Unconfirm)
{
    public static Decision Published(string externalId, string? url, bool reconciled) => new(externalId, url, reconciled, null, null, false, null, false);

    public static Decision Retry(string code, string message, DateTimeOffset at) => new(null, null, false, code, message, true, at, false);

    public static Decision Failed(string code, string message, bool retryable) => new(null, null, false, code, message, retryable, null, false);

    public static Decision Unconfirmed(PostTarget target) => new(null, null, false, "UNCONFIRMED",
        $"{target.Platform} did not answer whether the post was made, and cannot be asked. It may or may not be on the account: check it, then retry with force to publish it again.",
        true, null, true);
}

/// <summary>What recording a decision writes: events of the post, events of the target's connection, and messages.</summary>
public sealed record Recorded(IReadOnlyList<object> PostEvents, IReadOnlyList<object> ConnectionEvents, OutgoingMessages Messages)
{
    public static Recorded Nothing => new([], [], []);
}

/// <summary>
/// The pure steps of publishing one target. <see cref="Claim"/> records an attempt before the platform is called;
/// <see cref="Decide"/> reads the platform's answer; <see cref="Record"/> turns the decision into events and messages.
/// Time and the retry jitter are inputs, so every transition is a function call in the tests.
/// </summary>
public static class Attempts
{
    /// <summary>Whether a delivery for this attempt still has work: the target is publishing and the attempt is not settled.</summary>
    public static bool Expects(PostTarget target, int attempt) =>
        target.Status == TargetStatus.Publishing && attempt > target.Settled && attempt <= target.NextAttempt;

    /// <summary>The attempt's record and the event saying it was made, committed before the call.</summary>
    public static (PublishAttempt Attempt, TargetPublishAttempted Event) Claim(Post post, PostTarget target, int attempt, Guid owner, DateTimeOffset now) =>
        (new PublishAttempt(PublishAttempt.IdOf(target.Id, attempt), post.Id, target.Id, attempt, now, null, owner),
            new TargetPublishAttempted(post.Id, target.Id, attempt, target.IdempotencyKey, now));

    /// <summary>Whether the platform can be called for the target at all: an active connection with its tokens, a publisher.</summary>
    public static bool CanCall(TargetState state, bool hasPublisher) =>
        state.Connection is { Status: ConnectionStatus.Active } && state.Secrets is not null && hasPublisher;

    /// <summary>
    /// The target's connection cannot publish. A connection already waiting to be reconnected is the incident its admins
    /// were told of once; the targets it fails afterwards say so (NEEDS_REAUTH) instead of each mailing as a failure of its own.
    /// </summary>
    public static Decision NotConnected(Connection? connection) =>
        Decision.Failed(connection is { Status: ConnectionStatus.NeedsReauth } ? "NEEDS_REAUTH" : "NOT_CONNECTED", Preflight.NotConnected(connection) + " Then retry this target.", retryable: true);

    /// <summary>What the answer means for the target: published, a retry at a time, or a failure with a reason. <paramref name="jitter"/> is in [0, 1).</summary>
    public static Decision Decide(AttemptOutcome outcome, PostTarget target, string? accountName, int attempt, bool reconciled, PublishingOptions options, double jitter, DateTimeOffset now)
    {
        var platform = target.Platform.ToString();
        var round = target.AttemptsInRound(attempt);
        switch (outcome.Failure)
        {
            case null:
                return Decision.Published(outcome.ExternalId!, outcome.ExternalUrl, reconciled);
            case PlatformFailureKind.Transient when round < options.MaxAttempts:
                var backoff = now + options.BackoffFor(round, jitter);
                return Decision.Retry("PLATFORM_UNAVAILABLE", $"{platform} is unavailable: {outcome.Message}", outcome.RetryAt > backoff ? outcome.RetryAt.Value : backoff);
            case PlatformFailureKind.Transient:
                return Decision.Failed("PLATFORM_UNAVAILABLE", $"{platform} stayed unavailable through {round} attempts: {outcome.Message} Retry this target later.", retryable: true);
            case PlatformFailureKind.RateLimited when round < options.MaxAttempts + options.ExtraRateLimitAttempts:
                // Wait for the platform's reset, spread a little so a burst of targets does not hit it at the same instant.
                var reset = outcome.RetryAt is { } at && at > now ? at : now + options.BackoffFor(round, jitter);
                return Decision.Retry("RATE_LIMITED", $"{platform}'s rate limit was reached: {outcome.Message}", reset + TimeSpan.FromMilliseconds(Math.Floor(jitter * 2000)));
            case PlatformFailureKind.RateLimited:
                return Decision.Failed("RATE_LIMITED", $"{platform} kept refusing for its rate limit through {round} attempts: {outcome.Message} Retry this target later.", retryable: true);
            case PlatformFailureKind.AuthExpired:
                return Decision.Failed("NEEDS_REAUTH",
                    $"{platform} refused Nexus's access to {accountName ?? "the account"}: {outcome.Message} Reconnect the account, then retry this target.", retryable: true);
            case PlatformFailureKind.Rejected:
                return Decision.Failed("PLATFORM_REJECTED", $"{platform} refused the post: {outcome.Message}", retryable: false);
            default:
                return Decision.Unconfirmed(target);
        }
    }

    /// <summary>
    /// The decision as events and messages. Nothing when the attempt is settled already, except a platform's
    /// "published", which always counts even after the target was given up: the post exists, and saying otherwise
    /// would invite a second one.
    /// </summary>
    public static Recorded Record(Post post, PublishTarget message, Decision decision, DateTimeOffset now)
    {
        var target = post.Target(message.TargetId);
        var latePublished = decision.ExternalId is not null && target is { Status: not TargetStatus.Published };
        if (target is null || (!latePublished && (target.Settled >= message.Attempt || target.Status != TargetStatus.Publishing)))
        {
            return Recorded.Nothing;
        }

        if (decision.ExternalId is { } externalId)
        {
            return new([new TargetPublished(post.Id, target.Id, message.Attempt, externalId, decision.ExternalUrl, decision.Reconciled, now)], [], []);
        }

        if (decision.Unconfirm)
        {
            return new([new TargetUnconfirmed(post.Id, target.Id, message.Attempt, decision.Message!, now)], [], [new NotifyTargetFailed(post.Id, target.Id, message.Attempt)]);
        }

        var failed = new TargetPublishFailed(post.Id, target.Id, message.Attempt, decision.Code!, decision.Message!, decision.Retryable, decision.RetryAt, now);
        // A refused connection is one incident however many targets it fails: the admins hear of the connection, not of each target.
        OutgoingMessages messages = decision.RetryAt is { } retryAt ? [new PublishTarget(post.Id, target.Id, message.Attempt + 1, target.ConnectionId).ScheduledAt(retryAt)]
            : decision.Code != "NEEDS_REAUTH" ? [new NotifyTargetFailed(post.Id, target.Id, message.Attempt)]
            : [];
        return new([failed], [], messages);
    }

    /// <summary>
    /// The platform refused the connection's tokens: the connection needs reconnecting. Tied to the tokens that were
    /// refused, so that tokens renewed during the call stay.
    /// </summary>
    public static Recorded NeedsReauth(Recorded recorded, Connection connection, AttemptOutcome outcome, DateTimeOffset now)
    {
        if (outcome.Failure != PlatformFailureKind.AuthExpired || connection.Status != ConnectionStatus.Active)
        {
            return recorded;
        }

        var messages = new OutgoingMessages();
        messages.AddRange(recorded.Messages);
        messages.Add(new NotifyConnectionNeedsReauth(connection.Id, connection.TokenGeneration));
        return recorded with
        {
            ConnectionEvents = [new ConnectionNeedsReauth(connection.Id,
                $"{connection.Platform} refused the connection's tokens while publishing: {outcome.Message} Reconnect the account.", now, connection.TokenGeneration)],
            Messages = messages,
        };
    }

    /// <summary>The platform could not be asked about an interrupted attempt now: it is asked again at <paramref name="next"/>, and the target says why it waits.</summary>
    public static Recorded Deferred(Post post, PublishTarget message, string reason, DateTimeOffset next, DateTimeOffset now) =>
        post.Target(message.TargetId) is not { Status: TargetStatus.Publishing } target ? Recorded.Nothing
        : new([new TargetReconcileDeferred(post.Id, target.Id, message.Attempt,
                $"{target.Platform} could not be asked whether attempt {message.Attempt} was published ({reason}); asking again at {next:HH:mm:ss} UTC.", next, now)],
            [], [message.ScheduledAt(next)]);
}
