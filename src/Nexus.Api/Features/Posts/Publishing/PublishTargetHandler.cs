using JasperFx;
using Marten;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Connections;
using Nexus.Api.Features.Posts.Notifying;
using Nexus.Api.Infrastructure.TokenVault;
using Nexus.Api.Platforms;
using Wolverine;

namespace Nexus.Api.Features.Posts.Publishing;

/// <summary>
/// Publishes one target, exactly once:
/// <list type="number">
/// <item>the attempt is recorded (a <see cref="PublishAttempt"/> and a <see cref="TargetPublishAttempted"/> event,
/// committed) before the platform is called;</item>
/// <item>the platform is called with the target's idempotency key, and its answer is written onto the attempt at once;</item>
/// <item>the answer becomes events (published, retry scheduled, failed) in the handler's own transaction, with the retry
/// as a durable scheduled message.</item>
/// </list>
/// A delivery that finds the attempt recorded but unanswered (a crash or a duplicate delivery mid-call) does not call
/// again blindly: it asks the platform where the platform can tell (<see cref="IPlatformPublicationLookup"/>), and
/// otherwise marks the target UNCONFIRMED for a person to decide.
/// </summary>
public static class PublishTargetHandler
{
    public static void Configure(Wolverine.Runtime.Handlers.HandlerChain chain) => Publication.RetryLater(chain);

    public static async Task<OutgoingMessages> Handle(PublishTarget message, IDocumentSession session, IDocumentStore store, TokenVault vault,
        PlatformClients platforms, InFlightAttempts inFlight, IOptions<PublishingOptions> options, TimeProvider clock, ILogger<PublishTarget> logger, CancellationToken ct)
    {
        Post? post;
        Connection? connection;
        ConnectionSecrets? secrets;
        PublishAttempt? attempt;
        await using (var read = store.QuerySession())
        {
            // Two round trips: the post with this attempt's record, then the target's connection with its tokens.
            var first = read.CreateBatchQuery();
            var loadingPost = first.Load<Post>(message.PostId);
            var loadingAttempt = first.Load<PublishAttempt>(PublishAttempt.IdOf(message.TargetId, message.Attempt));
            await first.Execute(ct);
            post = await loadingPost;
            var target = post?.Target(message.TargetId);
            if (post is null || target is null || !Expects(target, message.Attempt))
            {
                return [];
            }

            attempt = await loadingAttempt;
            var second = read.CreateBatchQuery();
            var loadingConnection = second.Load<Connection>(target.ConnectionId);
            var loadingSecrets = second.Load<ConnectionSecrets>(target.ConnectionId);
            await second.Execute(ct);
            connection = await loadingConnection;
            secrets = await loadingSecrets;
        }

        var targetNow = post.Target(message.TargetId)!;
        AttemptOutcome outcome;
        if (attempt?.Outcome is { } known)
        {
            // This attempt was answered, but recording the answer did not commit (a conflict, a crash): record it now.
            outcome = known;
        }
        else if (attempt is null)
        {
            if (connection is not { Status: ConnectionStatus.Active } || secrets is null || platforms.Publisher(targetNow.Platform) is null)
            {
                // A connection already waiting to be reconnected is the incident its admins were told of once; the
                // targets it fails afterwards say so (NEEDS_REAUTH) instead of each mailing as a failure of its own.
                var code = connection is { Status: ConnectionStatus.NeedsReauth } ? "NEEDS_REAUTH" : "NOT_CONNECTED";
                return await RecordAsync(session, message, Fail(code, Preflight.NotConnected(connection) + " Then retry this target.", retryable: true), clock, ct);
            }

            // Opened before the claim: tokens that cannot be opened must not leave an attempt that never called.
            var credentials = Credentials(connection, secrets, vault);
            var claimed = Claimed(message, clock.GetUtcNow(), inFlight.ProcessId);
            // Listed as in flight from before the claim until the answer is saved, so a second delivery never takes a
            // call still under way for one whose caller is gone.
            using (var tracking = inFlight.Track(claimed.Id))
            {
                if (!await ClaimAsync(store, message, claimed, ct))
                {
                    tracking.Dispose();
                    return await UnansweredAsync(session, store, message, post, targetNow, connection, secrets, vault, platforms, inFlight, options.Value, clock, logger, ct);
                }

                outcome = await CallAsync(post, targetNow, credentials, platforms, logger, ct);
                await SaveOutcomeAsync(store, claimed, outcome);
            }
        }
        else
        {
            return await UnansweredAsync(session, store, message, post, targetNow, connection, secrets, vault, platforms, inFlight, options.Value, clock, logger, ct);
        }

        if (outcome.Failure == PlatformFailureKind.Unknown)
        {
            // No answer: whether the post exists is for the platform to say, where it can.
            return await ReconcileAsync(session, store, message, post, targetNow, connection, secrets, vault, platforms, inFlight, options.Value, clock, logger, ct);
        }

        var recorded = await RecordAsync(session, message, Decide(outcome, targetNow, connection, message.Attempt, reconciled: false, options.Value, clock.GetUtcNow()), clock, ct);
        if (outcome.Failure == PlatformFailureKind.AuthExpired && connection is { Status: ConnectionStatus.Active })
        {
            // Tied to the tokens that were refused: if someone reconnected during the call, the new tokens stay.
            session.Events.Append(connection.Id, new ConnectionNeedsReauth(connection.Id,
                $"{connection.Platform} refused the connection's tokens while publishing: {outcome.Message} Reconnect the account.", clock.GetUtcNow(), connection.TokenGeneration));
            recorded.Add(new NotifyConnectionNeedsReauth(connection.Id, connection.TokenGeneration));
        }

        return recorded;
    }

    /// <summary>Whether a delivery for this attempt still has work: the target is publishing and the attempt is not settled.</summary>
    private static bool Expects(PostTarget target, int attempt) =>
        target.Status == TargetStatus.Publishing && attempt > target.Settled && attempt <= target.NextAttempt;

    /// <summary>
    /// An attempt recorded but unanswered: still being called by this process (a duplicate or re-sent delivery) — come
    /// back after the call; otherwise its caller is gone (a crash, a restart) — ask the platform.
    /// </summary>
    private static async Task<OutgoingMessages> UnansweredAsync(IDocumentSession session, IDocumentStore store, PublishTarget message, Post post, PostTarget target,
        Connection? connection, ConnectionSecrets? secrets, TokenVault vault, PlatformClients platforms, InFlightAttempts inFlight, PublishingOptions options,
        TimeProvider clock, ILogger logger, CancellationToken ct)
    {
        var id = PublishAttempt.IdOf(message.TargetId, message.Attempt);
        if (inFlight.IsCalling(id))
        {
            return [message.ScheduledAt(clock.GetUtcNow() + options.InFlightRecheck)];
        }

        // Read again: the call may have been answered since this delivery started.
        if ((await session.LoadAsync<PublishAttempt>(id, ct))?.Outcome is { } answered)
        {
            return answered.Failure == PlatformFailureKind.Unknown
                ? await ReconcileAsync(session, store, message, post, target, connection, secrets, vault, platforms, inFlight, options, clock, logger, ct)
                : await RecordAsync(session, message, Decide(answered, target, connection, message.Attempt, reconciled: false, options, clock.GetUtcNow()), clock, ct);
        }

        return await ReconcileAsync(session, store, message, post, target, connection, secrets, vault, platforms, inFlight, options, clock, logger, ct);
    }

    /// <summary>Records the attempt before the call, in its own committed transaction. False when it was recorded before.</summary>
    private static async Task<bool> ClaimAsync(IDocumentStore store, PublishTarget message, PublishAttempt claimed, CancellationToken ct)
    {
        for (var tries = 1; ; tries++)
        {
            await using var claim = store.LightweightSession();
            var stream = await claim.Events.FetchForWriting<Post>(message.PostId, ct);
            var target = stream.Aggregate?.Target(message.TargetId);
            if (target is null || !Expects(target, message.Attempt))
            {
                return false;
            }

            claim.Insert(claimed);
            stream.AppendOne(new TargetPublishAttempted(message.PostId, message.TargetId, message.Attempt, target.IdempotencyKey, claimed.StartedAt));
            try
            {
                await claim.SaveChangesAsync(ct);
                return true;
            }
            catch (DocumentAlreadyExistsException)
            {
                return false;
            }
            catch (ConcurrencyException) when (tries < 10)
            {
                // Another target of the same post recorded something meanwhile: read the stream again.
            }
        }
    }

    private static PublishAttempt Claimed(PublishTarget message, DateTimeOffset started, Guid owner) =>
        new(PublishAttempt.IdOf(message.TargetId, message.Attempt), message.PostId, message.TargetId, message.Attempt, started, null, owner);

    private static async Task SaveOutcomeAsync(IDocumentStore store, PublishAttempt attempt, AttemptOutcome outcome)
    {
        // The answer must survive a cancelled handler and a database blip: never lose a platform's "published".
        for (var tries = 1; ; tries++)
        {
            try
            {
                await using var save = store.LightweightSession();
                save.Store(attempt with { Outcome = outcome });
                await save.SaveChangesAsync(CancellationToken.None);
                return;
            }
            catch (Exception) when (tries < 4)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250 * tries), CancellationToken.None);
            }
        }
    }

    private static async Task<AttemptOutcome> CallAsync(Post post, PostTarget target, (PlatformAccount Account, string Token) credentials,
        PlatformClients platforms, ILogger logger, CancellationToken ct)
    {
        var (account, token) = credentials;
        try
        {
            var result = await platforms.Publisher(target.Platform)!.PublishAsync(account, token, Preflight.Request(post, target), ct);
            return new AttemptOutcome(result.ExternalId, result.Url?.ToString(), null, null, null, null);
        }
        catch (PlatformException ex)
        {
            return new AttemptOutcome(null, null, ex.Kind, ex.Message, ex.PlatformCode, ex.RetryAt);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Anything unexpected after the request may have left: the outcome is unknown, never "failed".
            logger.LogWarning(ex, "Publishing target {TargetId} on {Platform} ended unexpectedly", target.Id, target.Platform);
            return new AttemptOutcome(null, null, PlatformFailureKind.Unknown, "The call to the platform ended unexpectedly; the post may or may not exist.", null, null);
        }
    }

    /// <summary>
    /// The attempt was recorded but never answered. Ask the platform where it can tell; where it cannot, mark the
    /// target unconfirmed rather than risk a second post.
    /// </summary>
    private static async Task<OutgoingMessages> ReconcileAsync(IDocumentSession session, IDocumentStore store, PublishTarget message, Post post, PostTarget target,
        Connection? connection, ConnectionSecrets? secrets, TokenVault vault, PlatformClients platforms, InFlightAttempts inFlight, PublishingOptions options,
        TimeProvider clock, ILogger logger, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (platforms.Publisher(target.Platform) is not IPlatformPublicationLookup lookup || connection is not { Status: ConnectionStatus.Active } || secrets is null)
        {
            return await RecordAsync(session, message, Decision.Unconfirmed(Unconfirmed(target)), clock, ct);
        }

        var (account, token) = Credentials(connection, secrets, vault);
        var recorded = await session.LoadAsync<PublishAttempt>(PublishAttempt.IdOf(target.Id, message.Attempt), ct) ?? Claimed(message, now, inFlight.ProcessId);
        try
        {
            if (await lookup.FindAsync(account, token, target.IdempotencyKey, ct) is { } found)
            {
                var outcome = new AttemptOutcome(found.ExternalId, found.Url?.ToString(), null, null, null, null);
                await SaveOutcomeAsync(store, recorded, outcome);
                return await RecordAsync(session, message, Decide(outcome, target, connection, message.Attempt, reconciled: true, options, now), clock, ct);
            }

            // The platform never made it: the attempt is settled as not taken, and the next one may call again.
            var retry = new AttemptOutcome(null, null, PlatformFailureKind.Transient, "The platform has no trace of the interrupted attempt; trying again.", null, null);
            await SaveOutcomeAsync(store, recorded, retry);
            return await RecordAsync(session, message, Decide(retry, target, connection, message.Attempt, reconciled: false, options, now), clock, ct);
        }
        catch (PlatformException ex)
        {
            if (ex.Kind is PlatformFailureKind.AuthExpired or PlatformFailureKind.Rejected || now - recorded.StartedAt > options.ReconcileFor)
            {
                return await RecordAsync(session, message, Decision.Unconfirmed(Unconfirmed(target)), clock, ct);
            }

            logger.LogWarning("Could not ask {Platform} about target {TargetId} ({Kind}); asking again later", target.Platform, target.Id, ex.Kind);
            // Recorded, so that the target shows why it waits and the stall check does not send the message again.
            var next = ex.RetryAt ?? now + options.BackoffFor(1, Random.Shared.NextDouble());
            var stream = await session.Events.FetchForWriting<Post>(message.PostId, ct);
            if (stream.Aggregate?.Target(message.TargetId) is not { Status: TargetStatus.Publishing })
            {
                return [];
            }

            stream.AppendOne(new TargetReconcileDeferred(message.PostId, message.TargetId, message.Attempt,
                $"{target.Platform} could not be asked whether attempt {message.Attempt} was published ({ex.Message}); asking again at {next:HH:mm:ss} UTC.", next, now));
            return [message.ScheduledAt(next)];
        }
    }

    private static (PlatformAccount Account, string Token) Credentials(Connection connection, ConnectionSecrets secrets, TokenVault vault)
    {
        var tokens = secrets.Open(vault);
        // Pages carry their own token (Facebook's /{page-id}/* calls); the grant's token stays for user-level steps (uploads).
        var account = new PlatformAccount(connection.ExternalId, connection.Name, connection.Handle, connection.AvatarUrl, connection.Kind, tokens.AccountAccessToken);
        return (account, tokens.Grant.AccessToken);
    }

    private static string Unconfirmed(PostTarget target) =>
        $"{target.Platform} did not answer whether the post was made, and cannot be asked. It may or may not be on the account: check it, then retry with force to publish it again.";

    /// <summary>What the answer means for the target: published, a retry at a time, or a failure with a reason.</summary>
    internal static Decision Decide(AttemptOutcome outcome, PostTarget target, Connection? connection, int attempt, bool reconciled, PublishingOptions options, DateTimeOffset now)
    {
        var platform = target.Platform.ToString();
        var round = target.AttemptsInRound(attempt);
        switch (outcome.Failure)
        {
            case null:
                return Decision.Published(outcome.ExternalId!, outcome.ExternalUrl, reconciled);
            case PlatformFailureKind.Transient when round < options.MaxAttempts:
                var backoff = now + options.BackoffFor(round, Random.Shared.NextDouble());
                return Decision.Retry("PLATFORM_UNAVAILABLE", $"{platform} is unavailable: {outcome.Message}", outcome.RetryAt > backoff ? outcome.RetryAt.Value : backoff);
            case PlatformFailureKind.Transient:
                return Fail("PLATFORM_UNAVAILABLE", $"{platform} stayed unavailable through {round} attempts: {outcome.Message} Retry this target later.", retryable: true);
            case PlatformFailureKind.RateLimited when round < options.MaxAttempts + options.ExtraRateLimitAttempts:
                // Wait for the platform's reset, spread a little so a burst of targets does not hit it at the same instant.
                var reset = outcome.RetryAt is { } at && at > now ? at : now + options.BackoffFor(round, Random.Shared.NextDouble());
                return Decision.Retry("RATE_LIMITED", $"{platform}'s rate limit was reached: {outcome.Message}", reset + TimeSpan.FromMilliseconds(Random.Shared.Next(0, 2000)));
            case PlatformFailureKind.RateLimited:
                return Fail("RATE_LIMITED", $"{platform} kept refusing for its rate limit through {round} attempts: {outcome.Message} Retry this target later.", retryable: true);
            case PlatformFailureKind.AuthExpired:
                return Fail("NEEDS_REAUTH", $"{platform} refused Nexus's access to {connection?.Name ?? "the account"}: {outcome.Message} Reconnect the account, then retry this target.", retryable: true);
            case PlatformFailureKind.Rejected:
                return Fail("PLATFORM_REJECTED", $"{platform} refused the post: {outcome.Message}", retryable: false);
            default:
                return Decision.Unconfirmed(Unconfirmed(target));
        }
    }

    private static Decision Fail(string code, string message, bool retryable) => new(null, null, false, code, message, retryable, null, Unconfirm: false);

    /// <summary>Appends the decision to the post (optimistically: a conflict runs the handler again, which finds the saved answer).</summary>
    private static async Task<OutgoingMessages> RecordAsync(IDocumentSession session, PublishTarget message, Decision decision, TimeProvider clock, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Post>(message.PostId, ct);
        var target = stream.Aggregate?.Target(message.TargetId);
        // A platform's "published" always counts, even when it arrives after the target was given up (UNCONFIRMED,
        // FAILED): the post exists, and saying otherwise would invite a second one.
        var latePublished = decision.ExternalId is not null && target is { Status: not TargetStatus.Published };
        if (target is null || (!latePublished && (target.Settled >= message.Attempt || target.Status != TargetStatus.Publishing)))
        {
            return [];
        }

        var now = clock.GetUtcNow();
        var messages = new OutgoingMessages();
        if (decision.ExternalId is { } externalId)
        {
            stream.AppendOne(new TargetPublished(message.PostId, message.TargetId, message.Attempt, externalId, decision.ExternalUrl, decision.Reconciled, now));
        }
        else if (decision.Unconfirm)
        {
            stream.AppendOne(new TargetUnconfirmed(message.PostId, message.TargetId, message.Attempt, decision.Message!, now));
            messages.Add(new NotifyTargetFailed(message.PostId, message.TargetId, message.Attempt));
        }
        else
        {
            stream.AppendOne(new TargetPublishFailed(message.PostId, message.TargetId, message.Attempt, decision.Code!, decision.Message!, decision.Retryable, decision.RetryAt, now));
            if (decision.RetryAt is { } retryAt)
            {
                messages.Add(new PublishTarget(message.PostId, message.TargetId, message.Attempt + 1).ScheduledAt(retryAt));
            }
            else if (decision.Code != "NEEDS_REAUTH")
            {
                // A refused connection is one incident however many targets it fails: the admins hear of the connection.
                messages.Add(new NotifyTargetFailed(message.PostId, message.TargetId, message.Attempt));
            }
        }

        return messages;
    }
}

/// <summary>The fate of one attempt.</summary>
internal sealed record Decision(string? ExternalId, string? ExternalUrl, bool Reconciled, string? Code, string? Message, bool Retryable, DateTimeOffset? RetryAt, bool Unconfirm)
{
    public static Decision Published(string externalId, string? url, bool reconciled) => new(externalId, url, reconciled, null, null, false, null, false);

    public static Decision Retry(string code, string message, DateTimeOffset at) => new(null, null, false, code, message, true, at, false);

    public static Decision Unconfirmed(string message) => new(null, null, false, "UNCONFIRMED", message, true, null, true);
}
