using Nexus.Api.Features.Connections;
using Nexus.Api.Features.Posts;
using Nexus.Api.Features.Posts.Publishing;
using Nexus.Api.Platforms;

namespace Nexus.Api.Tests.Features.Posts;

/// <summary>The post's state machine, event by event, and the retry decisions, without I/O.</summary>
public sealed class PostLifecycleTests
{
    private static readonly DateTimeOffset Now = new(2027, 1, 4, 9, 0, 0, TimeSpan.Zero);
    private static readonly Guid PostId = Guid.CreateVersion7(), A = Guid.CreateVersion7(), B = Guid.CreateVersion7(), User = Guid.CreateVersion7();

    private static Post Drafted() => Post.Create(new PostDrafted(PostId, Guid.CreateVersion7(), User, "hello", [],
        [new TargetContent(A, Guid.CreateVersion7(), PlatformId.Sandbox, null, null, new Dictionary<string, string>()),
         new TargetContent(B, Guid.CreateVersion7(), PlatformId.X, "own text", null, new Dictionary<string, string>())], Now));

    private static Post Publishing() =>
        Drafted().Apply(new PostScheduled(PostId, Now.AddHours(1), "Europe/Berlin", "2027-01-04T11:00", DstResolution.Exact, false, User, Now))
            .Apply(new PostPublicationStarted(PostId, false, null, Now.AddHours(1)));

    [Fact]
    public void a_draft_goes_scheduled_cancelled_and_scheduled_again_with_a_new_schedule_version_each_time()
    {
        var draft = Drafted();
        Assert.Equal((PostStatus.Draft, TargetStatus.Draft), (draft.Status, draft.Targets[0].Status));

        var scheduled = draft.Apply(new PostScheduled(PostId, Now.AddHours(1), "Europe/Berlin", "2027-01-04T11:00", DstResolution.Exact, false, User, Now));
        Assert.Equal((PostStatus.Scheduled, TargetStatus.Scheduled, 1), (scheduled.Status, scheduled.Targets[1].Status, scheduled.ScheduleVersion));

        var moved = scheduled.Apply(new PostRescheduled(PostId, Now.AddHours(2), "Europe/Berlin", "2027-01-04T12:00", DstResolution.Exact, User, Now));
        Assert.Equal((PostStatus.Scheduled, 2, Now.AddHours(2)), (moved.Status, moved.ScheduleVersion, moved.ScheduledAt));

        var cancelled = moved.Apply(new PostCancelled(PostId, User, Now));
        Assert.Equal((PostStatus.Cancelled, TargetStatus.Cancelled, 3), (cancelled.Status, cancelled.Targets[0].Status, cancelled.ScheduleVersion));
        Assert.True(cancelled.IsEditable);

        var again = cancelled.Apply(new PostScheduled(PostId, Now.AddHours(3), "Europe/Berlin", "2027-01-04T13:00", DstResolution.Exact, true, User, Now));
        Assert.Equal((PostStatus.Scheduled, 4), (again.Status, again.ScheduleVersion));
        Assert.NotNull(again.QueueSlot);
    }

    [Fact]
    public void publication_moves_every_target_to_publishing_and_the_post_follows_its_targets()
    {
        var post = Publishing();
        Assert.Equal(PostStatus.Publishing, post.Status);
        Assert.All(post.Targets, t => Assert.Equal(TargetStatus.Publishing, t.Status));
        Assert.False(post.IsEditable);

        post = post.Apply(new TargetPublishAttempted(PostId, A, 1, "k", Now)).Apply(new TargetPublished(PostId, A, 1, "ext-1", "https://x/1", false, Now));
        Assert.Equal((PostStatus.Publishing, TargetStatus.Published, 1), (post.Status, post.Targets[0].Status, post.Targets[0].Settled));

        post = post.Apply(new TargetPublishAttempted(PostId, B, 1, "k", Now))
            .Apply(new TargetPublishFailed(PostId, B, 1, "PLATFORM_UNAVAILABLE", "down", true, Now.AddMinutes(1), Now));
        Assert.Equal((PostStatus.Publishing, TargetStatus.Publishing, 2), (post.Status, post.Targets[1].Status, post.Targets[1].NextAttempt));

        var failed = post.Apply(new TargetPublishAttempted(PostId, B, 2, "k", Now)).Apply(new TargetPublishFailed(PostId, B, 2, "PLATFORM_REJECTED", "no", false, null, Now));
        Assert.Equal((PostStatus.PartiallyPublished, TargetStatus.Failed), (failed.Status, failed.Targets[1].Status));
        Assert.NotNull(failed.PublishedAt);

        var retried = failed.Apply(new TargetRetryRequested(PostId, B, false, User, Now));
        Assert.Equal((PostStatus.Publishing, 3, 1), (retried.Status, retried.Targets[1].NextAttempt, retried.Targets[1].AttemptsInRound(3)));

        var done = retried.Apply(new TargetPublishAttempted(PostId, B, 3, "k", Now)).Apply(new TargetPublished(PostId, B, 3, "ext-2", null, false, Now));
        Assert.Equal(PostStatus.Published, done.Status);
    }

    [Fact]
    public void no_target_published_is_failed_and_unconfirmed_counts_as_not_published_until_confirmed()
    {
        var post = Publishing()
            .Apply(new TargetPublishFailed(PostId, A, 1, "NOT_CONNECTED", "gone", true, null, Now))
            .Apply(new TargetUnconfirmed(PostId, B, 1, "unknown", Now));
        Assert.Equal(PostStatus.Failed, post.Status);
        Assert.Equal((TargetStatus.Unconfirmed, "UNCONFIRMED"), (post.Targets[1].Status, post.Targets[1].LastError!.Code));

        // A late answer from the platform wins over "unconfirmed"; a late failure never undoes "published".
        var confirmed = post.Apply(new TargetPublished(PostId, B, 1, "ext", null, true, Now));
        Assert.Equal(PostStatus.PartiallyPublished, confirmed.Status);
        Assert.Equal(TargetStatus.Published, confirmed.Apply(new TargetPublishFailed(PostId, B, 1, "X", "late", true, null, Now)).Targets[1].Status);
    }

    [Fact]
    public void queue_slots_come_in_the_order_of_their_instants_across_a_dst_gap_and_once_each()
    {
        // Berlin, Sunday 2026-03-29: 02:30 does not exist and becomes 03:30, after the 03:00 slot and onto the 03:30 one.
        var schedule = new Nexus.Api.Features.Workspaces.PostingSchedule("Europe/Berlin",
            [new(DayOfWeek.Sunday, new TimeOnly(2, 30)), new(DayOfWeek.Sunday, new TimeOnly(3, 0)), new(DayOfWeek.Sunday, new TimeOnly(3, 30))]);
        var slots = Nexus.Api.Features.Posts.Queueing.PostingQueue.UpcomingSlots(schedule, new DateTimeOffset(2026, 3, 28, 12, 0, 0, TimeSpan.Zero)).Take(2).ToList();
        Assert.Equal([new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 29, 1, 30, 0, TimeSpan.Zero)], slots.Select(s => s.Instant));
        Assert.Equal(["2026-03-29T03:00", "2026-03-29T03:30"], slots.Select(s => s.LocalTime));
    }

    [Fact]
    public void a_refusal_of_tokens_already_replaced_leaves_the_connection_as_it_is()
    {
        var connection = new Connection(Guid.NewGuid(), Guid.NewGuid(), PlatformId.X, "e", "Acme", null, null, AccountKind.Person, [], ConnectionStatus.Active, null, null, Now, 3, 5);
        Assert.Equal(ConnectionStatus.Active, connection.Apply(new ConnectionNeedsReauth(connection.Id, "old tokens", Now, TokenGeneration: 2)).Status);
        Assert.Equal(ConnectionStatus.NeedsReauth, connection.Apply(new ConnectionNeedsReauth(connection.Id, "these tokens", Now, TokenGeneration: 3)).Status);
        var disconnected = connection with { Status = ConnectionStatus.Disconnected };
        Assert.Equal(ConnectionStatus.Disconnected, disconnected.Apply(new ConnectionNeedsReauth(connection.Id, "late", Now)).Status);
    }

    [Fact]
    public void the_retry_policy_backs_off_exponentially_waits_for_rate_limit_resets_and_never_reposts_an_unknown_outcome()
    {
        var options = new PublishingOptions { RetryBaseDelay = TimeSpan.FromMinutes(1), MaxAttempts = 7, ExtraRateLimitAttempts = 10 };
        var target = Publishing().Targets[0];
        var connection = new Connection(Guid.NewGuid(), Guid.NewGuid(), PlatformId.Sandbox, "e", "Acme", null, null, AccountKind.Person, [], ConnectionStatus.Active, null, null, Now, 1, 1);
        Decision Decide(PlatformFailureKind kind, int attempt, DateTimeOffset? retryAt = null) =>
            Attempts.Decide(new AttemptOutcome(null, null, kind, "why", null, retryAt), target, connection.Name, attempt, false, options, Random.Shared.NextDouble(), Now);

        var delays = Enumerable.Range(1, 6).Select(n => Decide(PlatformFailureKind.Transient, n).RetryAt!.Value - Now).ToList();
        for (var n = 0; n < delays.Count; n++)
        {
            var expected = Math.Min(Math.Pow(2, n), 30);
            Assert.InRange(delays[n].TotalMinutes, expected * 0.8, expected * 1.2);
        }

        Assert.InRange(delays.Sum(d => d.TotalMinutes), 48, 74);
        Assert.Equal(("PLATFORM_UNAVAILABLE", null, true), (Decide(PlatformFailureKind.Transient, 7).Code, Decide(PlatformFailureKind.Transient, 7).RetryAt, Decide(PlatformFailureKind.Transient, 7).Retryable));

        var reset = Now.AddSeconds(90);
        Assert.InRange(Decide(PlatformFailureKind.RateLimited, 1, reset).RetryAt!.Value, reset, reset.AddSeconds(2));
        Assert.Null(Decide(PlatformFailureKind.RateLimited, 17, reset).RetryAt);

        Assert.Equal(("NEEDS_REAUTH", null), (Decide(PlatformFailureKind.AuthExpired, 1).Code, Decide(PlatformFailureKind.AuthExpired, 1).RetryAt));
        Assert.False(Decide(PlatformFailureKind.Rejected, 1).Retryable);
        Assert.True(Decide(PlatformFailureKind.Unknown, 1).Unconfirm);
    }
}
