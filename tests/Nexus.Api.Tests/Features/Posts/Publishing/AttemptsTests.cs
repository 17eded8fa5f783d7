using Nexus.Api.Features.Connections;
using Nexus.Api.Features.Posts;
using Nexus.Api.Features.Posts.Notifying;
using Nexus.Api.Features.Posts.Publishing;
using Nexus.Api.Platforms;
using Wolverine;

namespace Nexus.Api.Tests.Features.Posts.Publishing;

/// <summary>A target's publication, step by step: claim, decide, record, as the pure functions they are.</summary>
public sealed class AttemptsTests
{
    private static readonly DateTimeOffset Now = new(2027, 1, 4, 9, 0, 0, TimeSpan.Zero);
    private static readonly Guid TargetId = Guid.CreateVersion7(), ConnectionId = Guid.CreateVersion7(), Owner = Guid.CreateVersion7();
    private static readonly PublishingOptions Options = new() { RetryBaseDelay = TimeSpan.FromMinutes(1), MaxAttempts = 3, ExtraRateLimitAttempts = 1 };

    private static readonly Connection Active = new(ConnectionId, Guid.CreateVersion7(), PlatformId.Sandbox, "e", "Acme", null, null, AccountKind.Person, [], ConnectionStatus.Active, null, null, Now, 4, 1);

    private static Post Publishing()
    {
        var post = Post.Create(new PostDrafted(Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(), "hello", [],
            [new TargetContent(TargetId, ConnectionId, PlatformId.Sandbox, null, null, new Dictionary<string, string>())], Now));
        return post.Apply(new PostPublicationStarted(post.Id, true, null, Now));
    }

    private static AttemptOutcome Failure(PlatformFailureKind kind, DateTimeOffset? retryAt = null) => new(null, null, kind, "why", null, retryAt);

    [Fact]
    public void a_claim_records_the_attempt_under_the_targets_idempotency_key_and_settles_nothing()
    {
        var post = Publishing();
        var target = post.Targets[0];
        Assert.True(Attempts.Expects(target, 1));
        var (attempt, attempted) = Attempts.Claim(post, target, 1, Owner, Now);
        Assert.Equal((PublishAttempt.IdOf(TargetId, 1), Owner, (AttemptOutcome?)null), (attempt.Id, attempt.Owner, attempt.Outcome));
        Assert.Equal(target.IdempotencyKey, attempted.IdempotencyKey);

        var claimed = post.Apply(attempted).Targets[0];
        Assert.Equal((TargetStatus.Publishing, 1, 0), (claimed.Status, claimed.Attempts, claimed.Settled));
        Assert.True(Attempts.Expects(claimed, 1));
        Assert.False(Attempts.Expects(claimed, 3));
    }

    [Fact]
    public void a_platforms_published_answer_publishes_the_target_and_a_settled_attempt_records_nothing_more()
    {
        var post = Publishing();
        var message = new PublishTarget(post.Id, TargetId, 1, ConnectionId);
        var decision = Attempts.Decide(new AttemptOutcome("ext", "https://x/ext", null, null, null, null), post.Targets[0], "Acme", 1, false, Options, 0.5, Now);
        var recorded = Attempts.Record(post, message, decision, Now);
        var published = Assert.IsType<TargetPublished>(Assert.Single(recorded.PostEvents));
        Assert.Empty(recorded.Messages);

        var after = post.Apply(published);
        Assert.Equal((PostStatus.Published, TargetStatus.Published), (after.Status, after.Targets[0].Status));
        Assert.Empty(Attempts.Record(after, message, decision, Now).PostEvents);
        Assert.False(Attempts.Expects(after.Targets[0], 1));
    }

    [Fact]
    public void a_transient_failure_is_retried_at_a_time_the_jitter_spreads_then_fails_for_good()
    {
        var post = Publishing();
        var target = post.Targets[0];
        var early = Attempts.Decide(Failure(PlatformFailureKind.Transient), target, "Acme", 2, false, Options, 0, Now);
        var late = Attempts.Decide(Failure(PlatformFailureKind.Transient), target, "Acme", 2, false, Options, 0.999, Now);
        Assert.Equal(Now.AddMinutes(2 * 0.8), early.RetryAt);
        Assert.True(late.RetryAt > Now.AddMinutes(2 * 1.19));

        var recorded = Attempts.Record(post, new PublishTarget(post.Id, TargetId, 2, ConnectionId), early, Now);
        var failed = Assert.IsType<TargetPublishFailed>(Assert.Single(recorded.PostEvents));
        Assert.Equal(early.RetryAt, failed.NextAttemptAt);
        var retry = Assert.IsType<ScheduledMessage<PublishTarget>>(Assert.Single(recorded.Messages));
        Assert.Equal((3, ConnectionId), (retry.Message.Attempt, retry.Message.ConnectionId));
        Assert.Equal(TargetStatus.Publishing, post.Apply(failed).Targets[0].Status);

        var final = Attempts.Decide(Failure(PlatformFailureKind.Transient), target, "Acme", 3, false, Options, 0.5, Now);
        Assert.Equal(("PLATFORM_UNAVAILABLE", (DateTimeOffset?)null, true), (final.Code, final.RetryAt, final.Retryable));
        var gaveUp = Attempts.Record(post, new PublishTarget(post.Id, TargetId, 3), final, Now);
        Assert.IsType<NotifyTargetFailed>(Assert.Single(gaveUp.Messages));
        Assert.Equal(TargetStatus.Failed, post.Apply((TargetPublishFailed)gaveUp.PostEvents[0]).Targets[0].Status);
    }

    [Fact]
    public void a_rate_limit_waits_for_the_platforms_reset_spread_by_the_jitter()
    {
        var reset = Now.AddSeconds(90);
        var decision = Attempts.Decide(Failure(PlatformFailureKind.RateLimited, reset), Publishing().Targets[0], "Acme", 1, false, Options, 0.5, Now);
        Assert.Equal(("RATE_LIMITED", reset.AddSeconds(1)), (decision.Code, decision.RetryAt));
        Assert.Null(Attempts.Decide(Failure(PlatformFailureKind.RateLimited, reset), Publishing().Targets[0], "Acme", 4, false, Options, 0.5, Now).RetryAt);
    }

    [Fact]
    public void refused_tokens_fail_the_target_and_mark_the_connection_at_the_refused_generation_telling_the_admins_once()
    {
        var post = Publishing();
        var outcome = Failure(PlatformFailureKind.AuthExpired);
        var decision = Attempts.Decide(outcome, post.Targets[0], "Acme", 1, false, Options, 0.5, Now);
        Assert.Equal(("NEEDS_REAUTH", false), (decision.Code, decision.Unconfirm));
        var recorded = Attempts.NeedsReauth(Attempts.Record(post, new PublishTarget(post.Id, TargetId, 1), decision, Now), Active, outcome, Now);
        Assert.Equal(4, Assert.IsType<ConnectionNeedsReauth>(Assert.Single(recorded.ConnectionEvents)).TokenGeneration);
        Assert.Equal(new NotifyConnectionNeedsReauth(ConnectionId, 4), Assert.Single(recorded.Messages));

        var already = Attempts.NeedsReauth(Attempts.Record(post, new PublishTarget(post.Id, TargetId, 1), decision, Now), Active with { Status = ConnectionStatus.NeedsReauth }, outcome, Now);
        Assert.Empty(already.ConnectionEvents);
        Assert.Equal("NEEDS_REAUTH", Attempts.NotConnected(Active with { Status = ConnectionStatus.NeedsReauth }).Code);
        Assert.Equal("NOT_CONNECTED", Attempts.NotConnected(null).Code);
        Assert.False(Attempts.CanCall(new TargetState(post, null, Active, null), hasPublisher: true));
    }

    [Fact]
    public void a_rejection_fails_at_once_and_an_unknown_outcome_is_never_reposted_blindly()
    {
        var post = Publishing();
        Assert.False(Attempts.Decide(Failure(PlatformFailureKind.Rejected), post.Targets[0], "Acme", 1, false, Options, 0.5, Now).Retryable);

        var unknown = Attempts.Decide(Failure(PlatformFailureKind.Unknown), post.Targets[0], "Acme", 1, false, Options, 0.5, Now);
        Assert.True(unknown.Unconfirm);
        var recorded = Attempts.Record(post, new PublishTarget(post.Id, TargetId, 1), unknown, Now);
        var unconfirmed = post.Apply(Assert.IsType<TargetUnconfirmed>(Assert.Single(recorded.PostEvents)));
        Assert.Equal((TargetStatus.Unconfirmed, PostStatus.Failed), (unconfirmed.Targets[0].Status, unconfirmed.Status));

        // The platform's "published", arriving after the target was given up, still counts.
        var late = Attempts.Record(unconfirmed, new PublishTarget(post.Id, TargetId, 1), Decision.Published("ext", null, reconciled: true), Now);
        Assert.Equal(PostStatus.Published, unconfirmed.Apply(Assert.IsType<TargetPublished>(Assert.Single(late.PostEvents))).Status);
    }

    [Fact]
    public void a_platform_that_cannot_be_asked_now_is_asked_again_later_and_the_target_says_why_it_waits()
    {
        var post = Publishing();
        var message = new PublishTarget(post.Id, TargetId, 1);
        var deferred = Attempts.Deferred(post, message, "down", Now.AddMinutes(1), Now);
        var waiting = post.Apply(Assert.IsType<TargetReconcileDeferred>(Assert.Single(deferred.PostEvents))).Targets[0];
        Assert.Equal((TargetStatus.Publishing, "PLATFORM_UNAVAILABLE", Now.AddMinutes(1)), (waiting.Status, waiting.LastError!.Code, waiting.NextAttemptAt));
        Assert.Equal(message, Assert.IsType<ScheduledMessage<PublishTarget>>(Assert.Single(deferred.Messages)).Message);
    }
}
