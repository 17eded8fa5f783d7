using Nexus.Api.Features.Connections;
using Nexus.Api.Features.Posts;
using Nexus.Api.Features.Posts.Cancelling;
using Nexus.Api.Features.Posts.Composing;
using Nexus.Api.Features.Posts.Discarding;
using Nexus.Api.Features.Posts.Editing;
using Nexus.Api.Features.Posts.Publishing;
using Nexus.Api.Features.Posts.PublishingNow;
using Nexus.Api.Features.Posts.Queueing;
using Nexus.Api.Features.Posts.Rescheduling;
using Nexus.Api.Features.Posts.Retrying;
using Nexus.Api.Features.Posts.Scheduling;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.Platforms;

namespace Nexus.Api.Tests.Features.Posts.Scheduling;

/// <summary>Every post slice's decision, called as the pure function it is: no host, no database.</summary>
public sealed class PostHandlerTests
{
    private static readonly DateTimeOffset Now = new(2027, 1, 4, 9, 0, 0, TimeSpan.Zero);
    private static readonly Guid WorkspaceId = Guid.CreateVersion7(), User = Guid.CreateVersion7(), ConnectionId = Guid.CreateVersion7(), TargetId = Guid.CreateVersion7();
    private static readonly Preflight Checks = new([]);

    private static readonly Workspace Workspace = new(WorkspaceId, "Acme", "Europe/Berlin", new() { [User] = Role.Owner }, [User], [], Now, 1);

    private static readonly Connection Active = new(ConnectionId, WorkspaceId, PlatformId.Sandbox, "e", "Acme", null, null, AccountKind.Person, [], ConnectionStatus.Active, null, null, Now, 1, 1);

    private static PostSurroundings Around(Connection? connection = null) => new(Workspace, new Dictionary<Guid, Connection> { [ConnectionId] = connection ?? Active });

    private static Post Draft(string text = "hello") => Post.Create(new PostDrafted(Guid.CreateVersion7(), WorkspaceId, User, text, [],
        [new TargetContent(TargetId, ConnectionId, PlatformId.Sandbox, null, null, new Dictionary<string, string>())], Now));

    private static Post Scheduled(Post? post = null)
    {
        post ??= Draft();
        return post.Apply(new PostScheduled(post.Id, Now.AddHours(1), "Europe/Berlin", "2027-01-04T11:00", DstResolution.Exact, false, User, Now));
    }

    private static Post Publishing() => Scheduled().Apply(new PostPublicationStarted(Guid.Empty, false, null, Now));

    private static string[] Codes(IOutcome outcome) => [.. outcome.Errors.Select(e => e.Code)];

    [Fact]
    public void scheduling_a_draft_appends_the_schedule_and_sends_the_due_message_for_its_new_version()
    {
        var draft = Draft();
        var (outcome, events, messages) = SchedulePostHandler.Handle(new SchedulePost(draft.Id, User, Now.AddHours(2), null, null, draft.Version), draft, Around(), Checks, Now);

        Assert.True(outcome.Succeeded);
        var scheduled = Assert.IsType<PostScheduled>(Assert.Single(events));
        Assert.Equal((Now.AddHours(2), "Europe/Berlin", false), (scheduled.ScheduledAt, scheduled.TimeZone, scheduled.FromQueue));
        Assert.Equal(new PublishDuePost(draft.Id, 1), Assert.IsType<Wolverine.ScheduledMessage<PublishDuePost>>(Assert.Single(messages)).Message);
    }

    [Fact]
    public void scheduling_a_scheduled_post_moves_it_and_a_published_one_is_refused_with_what_to_do()
    {
        var (_, moved, _) = SchedulePostHandler.Handle(new SchedulePost(Guid.Empty, User, Now.AddHours(3), null, null, null), Scheduled(), Around(), Checks, Now);
        Assert.IsType<PostRescheduled>(Assert.Single(moved));

        var (refused, events, messages) = SchedulePostHandler.Handle(new SchedulePost(Guid.Empty, User, Now.AddHours(3), null, null, null), Publishing(), Around(), Checks, Now);
        Assert.Equal(["INVALID_STATE"], Codes(refused));
        Assert.Contains("being published", refused.Errors[0].Message);
        Assert.Empty(events);
        Assert.Empty(messages);
    }

    [Fact]
    public void scheduling_is_refused_in_the_past_at_a_stale_version_for_a_missing_post_and_for_a_post_that_fails_preflight()
    {
        var draft = Draft();
        Assert.Equal(["IN_THE_PAST"], Codes(SchedulePostHandler.Handle(new SchedulePost(draft.Id, User, Now.AddMinutes(-1), null, null, null), draft, Around(), Checks, Now).Item1));
        Assert.Equal(["VERSION_CONFLICT"], Codes(SchedulePostHandler.Handle(new SchedulePost(draft.Id, User, Now.AddHours(1), null, null, 7), draft, Around(), Checks, Now).Item1));
        Assert.Equal(["NOT_FOUND"], Codes(SchedulePostHandler.Handle(new SchedulePost(draft.Id, User, Now.AddHours(1), null, null, null), null, PostSurroundings.None, Checks, Now).Item1));
        var needsReauth = Active with { Status = ConnectionStatus.NeedsReauth, StatusReason = "expired" };
        Assert.Equal(["NOT_CONNECTED"], Codes(SchedulePostHandler.Handle(new SchedulePost(draft.Id, User, Now.AddHours(1), null, null, null), draft, Around(needsReauth), Checks, Now).Item1));
        Assert.Equal(["EMPTY_POST"], Codes(SchedulePostHandler.Handle(new SchedulePost(draft.Id, User, Now.AddHours(1), null, null, null), Draft(""), Around(), Checks, Now).Item1));
    }

    [Fact]
    public void only_a_scheduled_post_is_rescheduled_or_cancelled_and_cancelling_twice_is_fine()
    {
        var command = new ReschedulePost(Guid.Empty, User, Now.AddHours(5), null, null, null);
        Assert.IsType<PostRescheduled>(Assert.Single(ReschedulePostHandler.Handle(command, Scheduled(), Around(), Checks, Now).Item2));
        var refused = ReschedulePostHandler.Handle(command, Draft(), Around(), Checks, Now).Item1;
        Assert.Equal(("INVALID_STATE", "The post is a draft; schedule it first."), (refused.Errors[0].Code, refused.Errors[0].Message));

        var (cancelled, events) = CancelPostHandler.Handle(new CancelPost(Guid.Empty, User, null), Scheduled(), Now);
        Assert.True(cancelled.Succeeded);
        var post = Scheduled().Apply(Assert.IsType<PostCancelled>(Assert.Single(events)));
        Assert.Empty(CancelPostHandler.Handle(new CancelPost(post.Id, User, null), post, Now).Item2);
        Assert.True(CancelPostHandler.Handle(new CancelPost(post.Id, User, null), post, Now).Item1.Succeeded);
        Assert.Equal(["INVALID_STATE"], Codes(CancelPostHandler.Handle(new CancelPost(post.Id, User, null), Draft(), Now).Item1));
    }

    [Fact]
    public void queueing_takes_the_first_slot_no_scheduled_post_holds_or_says_there_is_no_schedule()
    {
        var schedule = new PostingSchedule("Europe/Berlin", [new PostingSlot(DayOfWeek.Monday, new TimeOnly(11, 0)), new PostingSlot(DayOfWeek.Monday, new TimeOnly(12, 0))]);
        var first = new DateTimeOffset(2027, 1, 4, 10, 0, 0, TimeSpan.Zero);
        var state = new QueueState(Around() with { Workspace = Workspace with { PostingSchedule = schedule } }, new HashSet<long> { first.UtcTicks });

        var (outcome, events, messages) = AddPostToQueueHandler.Handle(new AddPostToQueue(Guid.Empty, User, null), Draft(), state, Checks, Now);
        Assert.True(outcome.Succeeded);
        var queued = Assert.IsType<PostScheduled>(Assert.Single(events));
        Assert.Equal((first.AddHours(1), true), (queued.ScheduledAt, queued.FromQueue));
        Assert.Single(messages);

        Assert.Equal(["NO_POSTING_SCHEDULE"], Codes(AddPostToQueueHandler.Handle(new AddPostToQueue(Guid.Empty, User, null), Draft(), new QueueState(Around(), new HashSet<long>()), Checks, Now).Item1));
    }

    [Fact]
    public void publishing_now_starts_every_target_with_its_connection_named_once_preflight_passes()
    {
        var draft = Draft();
        var (outcome, events, messages) = PublishPostNowHandler.Handle(new PublishPostNow(draft.Id, User, null), draft, Around(), Checks, Now);
        Assert.True(outcome.Succeeded);
        Assert.Equal(new PostPublicationStarted(draft.Id, true, User, Now), Assert.Single(events));
        Assert.Equal(new PublishTarget(draft.Id, TargetId, 1, ConnectionId), Assert.Single(messages));

        Assert.Equal(["INVALID_STATE"], Codes(PublishPostNowHandler.Handle(new PublishPostNow(draft.Id, User, null), Publishing(), Around(), Checks, Now).Item1));
        Assert.Equal(["NOT_CONNECTED"], Codes(PublishPostNowHandler.Handle(new PublishPostNow(draft.Id, User, null), draft, PostSurroundings.None, Checks, Now).Item1));
    }

    [Fact]
    public void the_due_message_starts_publication_only_for_the_schedule_it_was_sent_for()
    {
        var post = Scheduled();
        var (events, messages) = PublishDuePostHandler.Handle(new PublishDuePost(post.Id, post.ScheduleVersion), post, Now);
        Assert.IsType<PostPublicationStarted>(Assert.Single(events));
        Assert.Single(messages);

        Assert.Empty(PublishDuePostHandler.Handle(new PublishDuePost(post.Id, post.ScheduleVersion - 1), post, Now).Item1);
        Assert.Empty(PublishDuePostHandler.Handle(new PublishDuePost(post.Id, 1), null, Now).Item1);
        Assert.Empty(PublishDuePostHandler.Handle(new PublishDuePost(post.Id, 1), Draft(), Now).Item1);
    }

    [Fact]
    public void editing_and_discarding_stop_once_a_post_was_sent_and_a_scheduled_edit_passes_preflight_again()
    {
        var scheduled = Scheduled();
        var target = new TargetDraft(ConnectionId, null, null, new Dictionary<string, string>(), []);
        var (edited, events) = UpdatePostHandler.Handle(new UpdatePost(scheduled.Id, User, scheduled.Version, "new text", [], [target]), scheduled, Around(), Checks, Now);
        Assert.True(edited.Succeeded);
        Assert.Equal(TargetId, Assert.IsType<PostEdited>(Assert.Single(events)).Targets[0].TargetId);

        Assert.Equal(["EMPTY_POST"], Codes(UpdatePostHandler.Handle(new UpdatePost(scheduled.Id, User, scheduled.Version, "", [], [target]), scheduled, Around(), Checks, Now).Item1));
        Assert.Equal(["VERSION_CONFLICT"], Codes(UpdatePostHandler.Handle(new UpdatePost(scheduled.Id, User, 99, "x", [], [target]), scheduled, Around(), Checks, Now).Item1));
        Assert.Equal(["INVALID_STATE"], Codes(UpdatePostHandler.Handle(new UpdatePost(scheduled.Id, User, 1, "x", [], [target]), Publishing(), Around(), Checks, Now).Item1));
        Assert.Equal(["NOT_FOUND"], Codes(UpdatePostHandler.Handle(new UpdatePost(scheduled.Id, User, 1, "x", [], [target with { ConnectionId = Guid.CreateVersion7() }]), scheduled, Around(), Checks, Now).Item1));

        Assert.IsType<PostDiscarded>(Assert.Single(DiscardPostHandler.Handle(new DiscardPost(scheduled.Id, User), scheduled, Now).Item2));
        Assert.Equal(["INVALID_STATE"], Codes(DiscardPostHandler.Handle(new DiscardPost(scheduled.Id, User), Publishing(), Now).Item1));
    }

    [Fact]
    public void drafting_starts_a_stream_for_connections_of_the_workspace_only()
    {
        var target = new TargetDraft(ConnectionId, null, null, new Dictionary<string, string>(), []);
        var (drafted, start) = DraftPostHandler.Handle(new DraftPost(WorkspaceId, User, "hi", [], [target]), Around(), Now);
        Assert.True(drafted.Succeeded);
        Assert.NotEqual(Guid.Empty, drafted.Value);
        Assert.NotNull(start);

        var (refused, _) = DraftPostHandler.Handle(new DraftPost(Guid.CreateVersion7(), User, "hi", [], [target]), Around(), Now);
        Assert.Equal(["NOT_FOUND"], Codes(refused));
    }

    [Fact]
    public void a_failed_target_is_retried_an_unconfirmed_one_only_with_force_and_an_answered_one_is_settled_instead()
    {
        var failed = Publishing().Apply(new TargetPublishAttempted(Guid.Empty, TargetId, 1, "k", Now)).Apply(new TargetPublishFailed(Guid.Empty, TargetId, 1, "X", "no", false, null, Now));
        var (ok, events, messages) = RetryTargetHandler.Handle(new RetryTarget(failed.Id, TargetId, false, User), failed, new RetryState(Active, null), Now);
        Assert.True(ok.Succeeded);
        Assert.IsType<TargetRetryRequested>(Assert.Single(events));
        Assert.Equal(new PublishTarget(failed.Id, TargetId, 2, ConnectionId), Assert.Single(messages));

        var unconfirmed = Publishing().Apply(new TargetPublishAttempted(Guid.Empty, TargetId, 1, "k", Now)).Apply(new TargetUnconfirmed(Guid.Empty, TargetId, 1, "?", Now));
        Assert.Equal(["FORCE_REQUIRED"], Codes(RetryTargetHandler.Handle(new RetryTarget(failed.Id, TargetId, false, User), unconfirmed, new RetryState(Active, null), Now).Item1));
        Assert.True(RetryTargetHandler.Handle(new RetryTarget(failed.Id, TargetId, true, User), unconfirmed, new RetryState(Active, null), Now).Item1.Succeeded);

        var answered = new PublishAttempt("a", failed.Id, TargetId, 1, Now, new AttemptOutcome("ext", null, null, null, null, null));
        var (settled, settling, none) = RetryTargetHandler.Handle(new RetryTarget(failed.Id, TargetId, true, User), unconfirmed, new RetryState(Active, answered), Now);
        Assert.True(settled.Succeeded);
        Assert.True(Assert.IsType<TargetPublished>(Assert.Single(settling)).Reconciled);
        Assert.Empty(none);

        Assert.Equal(["INVALID_STATE"], Codes(RetryTargetHandler.Handle(new RetryTarget(failed.Id, TargetId, false, User), Publishing(), new RetryState(Active, null), Now).Item1));
        Assert.Equal(["NOT_CONNECTED"], Codes(RetryTargetHandler.Handle(new RetryTarget(failed.Id, TargetId, false, User), failed, new RetryState(null, null), Now).Item1));
        Assert.Equal(["NOT_FOUND"], Codes(RetryTargetHandler.Handle(new RetryTarget(failed.Id, Guid.CreateVersion7(), false, User), failed, new RetryState(Active, null), Now).Item1));
    }
}
