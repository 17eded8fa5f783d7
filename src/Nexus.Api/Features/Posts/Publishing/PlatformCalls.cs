using JasperFx;
using Marten;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Connections;
using Nexus.Api.Infrastructure.TokenVault;
using Nexus.Api.Platforms;

namespace Nexus.Api.Features.Posts.Publishing;

/// <summary>
/// The I/O of publishing one target, each a transaction of its own: the claim committed before the platform is
/// called, the call (the only platform I/O) whose answer is saved at once, and the look-up that asks a platform
/// about an attempt whose caller is gone. Everything it decides is decided by <see cref="Attempts"/>.
/// </summary>
public sealed class PlatformCalls(IDocumentStore store, TokenVault vault, PlatformClients platforms, AttemptLeases leases,
    IOptions<PublishingOptions> options, PublishMedia media, ILogger<PlatformCalls> logger)
{
    public PublishingOptions Options => options.Value;

    public AttemptLeases Leases => leases;

    public bool HasPublisher(PlatformId platform) => platforms.Publisher(platform) is not null;

    public bool CanLookUp(PlatformId platform) => platforms.Publisher(platform) is IPlatformPublicationLookup;

    /// <summary>
    /// Commits the claim (the attempt's record, its event and its lease) and answers the post as claimed; null when the
    /// attempt was claimed before or is no longer expected. A write by another target of the post meanwhile: read it again.
    /// </summary>
    public async Task<(Post Post, PublishAttempt Attempt)?> ClaimAsync(Post post, PublishTarget message, DateTimeOffset now, CancellationToken ct)
    {
        for (var tries = 1; ; tries++)
        {
            if (post.Target(message.TargetId) is not { } target || !Attempts.Expects(target, message.Attempt))
            {
                return null;
            }

            var (attempt, attempted) = Attempts.Claim(post, target, message.Attempt, leases.NodeId, now);
            await using var claim = store.LightweightSession();
            claim.Insert(attempt);
            leases.TakeWith(claim, attempt.Id);
            PostStream.Append(claim, post, attempted);
            try
            {
                await claim.SaveChangesAsync(ct);
                return (post.Apply(attempted) with { Version = post.Version + 1 }, attempt);
            }
            catch (DocumentAlreadyExistsException)
            {
                return null;
            }
            catch (ConcurrencyException) when (tries < 10)
            {
                await using var read = store.QuerySession();
                post = await read.LoadAsync<Post>(message.PostId, ct) ?? throw new InvalidOperationException("A post being published has no snapshot.");
            }
        }
    }

    /// <summary>The tokens to call with, opened before the claim: tokens that cannot be opened must not leave an attempt that never called.</summary>
    public (PlatformAccount Account, string Token) Credentials(Connection connection, ConnectionSecrets secrets)
    {
        var tokens = secrets.Open(vault);
        // Pages carry their own token (Facebook's /{page-id}/* calls); the grant's token stays for user-level steps (uploads).
        var account = new PlatformAccount(connection.ExternalId, connection.Name, connection.Handle, connection.AvatarUrl, connection.Kind, tokens.AccountAccessToken);
        return (account, tokens.Grant.AccessToken);
    }

    /// <summary>Calls the platform under the target's idempotency key and saves its answer on the attempt at once.</summary>
    public async Task<AttemptOutcome> CallAsync(Post post, PostTarget target, PublishAttempt attempt, (PlatformAccount Account, string Token) credentials, CancellationToken ct)
    {
        AttemptOutcome outcome;
        try
        {
            var request = await media.ResolveAsync(Preflight.Request(post, target), target.Platform, ct);
            var result = await platforms.Publisher(target.Platform)!.PublishAsync(credentials.Account, credentials.Token, request, ct);
            outcome = new AttemptOutcome(result.ExternalId, result.Url?.ToString(), null, null, null, null);
        }
        catch (PlatformException ex)
        {
            outcome = new AttemptOutcome(null, null, ex.Kind, ex.Message, ex.PlatformCode, ex.RetryAt);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Anything unexpected after the request may have left: the outcome is unknown, never "failed".
            logger.LogWarning(ex, "Publishing target {TargetId} on {Platform} ended unexpectedly", target.Id, target.Platform);
            outcome = new AttemptOutcome(null, null, PlatformFailureKind.Unknown, "The call to the platform ended unexpectedly; the post may or may not exist.", null, null);
        }

        await SaveAnswerAsync(attempt, outcome);
        return outcome;
    }

    /// <summary>
    /// Asks the platform whether an interrupted attempt took effect, and saves what it says: published, or "no trace"
    /// (a transient failure, so the next attempt may call again). Throws <see cref="PlatformException"/> when it cannot be asked.
    /// </summary>
    public async Task<AttemptOutcome> LookUpAsync(PostTarget target, PublishAttempt attempt, (PlatformAccount Account, string Token) credentials, CancellationToken ct)
    {
        var lookup = (IPlatformPublicationLookup)platforms.Publisher(target.Platform)!;
        var outcome = await lookup.FindAsync(credentials.Account, credentials.Token, target.IdempotencyKey, ct) is { } found
            ? new AttemptOutcome(found.ExternalId, found.Url?.ToString(), null, null, null, null)
            : new AttemptOutcome(null, null, PlatformFailureKind.Transient, "The platform has no trace of the interrupted attempt; trying again.", null, null);
        await SaveAnswerAsync(attempt, outcome);
        return outcome;
    }

    public void LogDeferred(PostTarget target, PlatformFailureKind kind) =>
        logger.LogWarning("Could not ask {Platform} about target {TargetId} ({Kind}); asking again later", target.Platform, target.Id, kind);

    private async Task SaveAnswerAsync(PublishAttempt attempt, AttemptOutcome outcome)
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
}

/// <summary>Appends to a post's stream at the version its snapshot was read at: a write in between is a conflict, and the handler runs again.</summary>
public static class PostStream
{
    public static void Append(IDocumentSession session, Post post, params IReadOnlyList<object> events)
    {
        if (events.Count > 0)
        {
            session.Events.Append(post.Id, post.Version + events.Count, [.. events]);
        }
    }
}
