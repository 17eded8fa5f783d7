using System.ComponentModel;
using JasperFx.Events.Projections;
using Marten;
using Nexus.Api.Features.Media;
using Nexus.Api.Features.Media.Processing;
using Nexus.Api.Features.Posts.Publishing;
using Nexus.Api.GraphQL;
using Nexus.Api.Infrastructure;
using Nexus.Api.Platforms;

namespace Nexus.Api.Features.Posts;

public enum PostStatus
{
    Draft,
    Scheduled,
    Publishing,
    Published,
    PartiallyPublished,
    Failed,
    Cancelled,
}

public enum TargetStatus
{
    Draft,
    Scheduled,
    Publishing,
    Published,
    Failed,
    Unconfirmed,
    Cancelled,
}

/// <summary>
/// A media item: by URL (the platform, or Nexus for upload flows, fetches it at publish time), or a library item
/// (<see cref="MediaId"/>), whose bytes and probed facts Nexus holds. A library item's <see cref="Url"/> is
/// <see cref="LibraryUrl"/>: a stable reference, never a signed URL (those expire; publishing signs one when it calls
/// the platform), and <see cref="Facts"/> are the item's probed facts, copied when the post took the item (an item's
/// bytes never change, so neither do its facts): preflight reads them without loading the library.
/// </summary>
public sealed record MediaRef(string Url, MediaKind Kind, string? AltText = null, Guid? MediaId = null, MediaFacts? Facts = null)
{
    public const string LibraryScheme = "nexus-media";

    /// <summary><c>nexus-media:{id:N}</c>: what a library item's <see cref="Url"/> is.</summary>
    public static string LibraryUrl(Guid mediaId) => $"{LibraryScheme}:{mediaId:N}";

    /// <summary>The reference a post stores for library item <paramref name="item"/>.</summary>
    public static MediaRef Library(MediaAsset item, string? altText) => new(LibraryUrl(item.Id), item.Facts.Kind, altText, item.Id, item.Facts);
}

/// <summary>Where fitting one media item of one target stands.</summary>
public enum MediaFitStatus
{
    /// <summary>A processing job is making the variant.</summary>
    Fitting,

    /// <summary>The variant replaced the item in the target's media.</summary>
    Fitted,

    /// <summary>The job failed; the target keeps its media (and preflight keeps warning).</summary>
    Failed,
}

/// <summary>
/// Media number <see cref="Index"/> of target <see cref="TargetId"/> being fitted to its platform: the library item
/// <see cref="SourceId"/> goes through <see cref="Operation"/> (job <see cref="JobId"/>), then each of <see cref="Then"/>.
/// </summary>
public sealed record MediaFit(Guid TargetId, int Index, Guid SourceId, Guid JobId, MediaOperation Operation, IReadOnlyList<MediaOperation> Then,
    MediaFitStatus Status, Guid? VariantId, TargetError? Error);

/// <summary>One media item of one target to fit: the job started for it and the operations that follow it.</summary>
public sealed record MediaFitStart(Guid TargetId, int Index, Guid SourceId, Guid JobId, MediaOperation Operation, IReadOnlyList<MediaOperation> Then);

/// <summary>What one target publishes: its own text/media when overridden, and the platform's options.</summary>
public sealed record TargetContent(Guid TargetId, Guid ConnectionId, PlatformId Platform, string? Text, IReadOnlyList<MediaRef>? Media, IReadOnlyDictionary<string, string> Options);

/// <summary>Why a target's last attempt failed. <see cref="Retryable"/>: whether trying again can help.</summary>
public sealed record TargetError(string Code, string Message, bool Retryable);

[Description("A post was drafted in a workspace with one target per connected account.")]
public sealed record PostDrafted(Guid PostId, Guid WorkspaceId, Guid AuthorId, string Text, IReadOnlyList<MediaRef> Media, IReadOnlyList<TargetContent> Targets, DateTimeOffset At) : IDomainEvent;

[Description("A post's content or targets were edited (before publication).")]
public sealed record PostEdited(Guid PostId, string Text, IReadOnlyList<MediaRef> Media, IReadOnlyList<TargetContent> Targets, Guid ByUserId, DateTimeOffset At) : IDomainEvent;

[Description("fitMediaToTargets started processing jobs that make variants of library media that break a target's platform rules: per target and media index, the source item, the job and the operations that follow it.")]
public sealed record TargetMediaFitting(Guid PostId, IReadOnlyList<MediaFitStart> Fits, Guid ByUserId, DateTimeOffset At) : IDomainEvent;

[Description("A fitting job finished and the next operation of the fit started (job NextJobId, on the intermediate item SourceId).")]
public sealed record TargetMediaFitContinued(Guid PostId, Guid JobId, Guid NextJobId, Guid SourceId, MediaOperation Operation, IReadOnlyList<MediaOperation> Then, DateTimeOffset At) : IDomainEvent;

[Description("A fitting job made the variant: it replaces the source item in the media of every target that waited for job JobId (each target's own media; the post's media and other targets stay as they were).")]
public sealed record TargetMediaFitted(Guid PostId, Guid JobId, MediaRef Variant, DateTimeOffset At) : IDomainEvent;

[Description("A fitting job failed: the targets that waited for it keep their media, and the error is shown on them.")]
public sealed record TargetMediaFitFailed(Guid PostId, Guid JobId, string Code, string Message, DateTimeOffset At) : IDomainEvent;

[Description("A draft was discarded; the post no longer exists for readers.")]
public sealed record PostDiscarded(Guid PostId, Guid ByUserId, DateTimeOffset At) : IDomainEvent;

[Description("A post was scheduled: the UTC instant, the IANA zone and the local wall time it was chosen in, and how a daylight-saving gap or overlap was resolved.")]
public sealed record PostScheduled(Guid PostId, DateTimeOffset ScheduledAt, string TimeZone, string LocalTime, DstResolution Dst, bool FromQueue, Guid ByUserId, DateTimeOffset At) : IDomainEvent;

[Description("A scheduled post was moved to another time.")]
public sealed record PostRescheduled(Guid PostId, DateTimeOffset ScheduledAt, string TimeZone, string LocalTime, DstResolution Dst, Guid ByUserId, DateTimeOffset At) : IDomainEvent;

[Description("A scheduled post was cancelled before publication; it can be scheduled again.")]
public sealed record PostCancelled(Guid PostId, Guid ByUserId, DateTimeOffset At) : IDomainEvent;

[Description("Publication began (the due time came, or someone asked to publish now): every target is publishing.")]
public sealed record PostPublicationStarted(Guid PostId, bool Immediate, Guid? ByUserId, DateTimeOffset At) : IDomainEvent;

[Description("An attempt to publish a target was recorded, before the platform was called. Key is the target's idempotency key.")]
public sealed record TargetPublishAttempted(Guid PostId, Guid TargetId, int Attempt, string IdempotencyKey, DateTimeOffset At) : IDomainEvent;

[Description("A target was published: the platform's id and URL. Reconciled is true when Nexus learned it by asking the platform after an unknown outcome.")]
public sealed record TargetPublished(Guid PostId, Guid TargetId, int Attempt, string ExternalId, string? ExternalUrl, bool Reconciled, DateTimeOffset At) : IDomainEvent;

[Description("A target's attempt failed. With NextAttemptAt the failure is retried then; without, the target has failed.")]
public sealed record TargetPublishFailed(Guid PostId, Guid TargetId, int Attempt, string Code, string Message, bool Retryable, DateTimeOffset? NextAttemptAt, DateTimeOffset At) : IDomainEvent;

[Description("A target's outcome cannot be known (the platform may or may not have published it) and the platform cannot be asked. Nexus never reposts blindly: retryTarget(force: true) does.")]
public sealed record TargetUnconfirmed(Guid PostId, Guid TargetId, int Attempt, string Message, DateTimeOffset At) : IDomainEvent;

[Description("Nexus could not ask the platform whether an interrupted attempt took effect; it asks again at NextAttemptAt (the target stays publishing).")]
public sealed record TargetReconcileDeferred(Guid PostId, Guid TargetId, int Attempt, string Message, DateTimeOffset NextAttemptAt, DateTimeOffset At) : IDomainEvent;

[Description("Someone asked to publish a failed or unconfirmed target again (force: also when it may already be published).")]
public sealed record TargetRetryRequested(Guid PostId, Guid TargetId, bool Force, Guid ByUserId, DateTimeOffset At) : IDomainEvent;

/// <summary>How a local wall time was turned into an instant.</summary>
public enum DstResolution
{
    /// <summary>The wall time exists once: nothing to resolve.</summary>
    Exact,

    /// <summary>The wall time fell in a spring-forward gap and was moved forward by the gap's length.</summary>
    ShiftedForward,

    /// <summary>The wall time happens twice (fall-back overlap); the first occurrence was taken.</summary>
    FirstOccurrence,

    /// <summary>The wall time happens twice; the second occurrence was taken (the offset given chose it).</summary>
    SecondOccurrence,
}

/// <summary>One target of a post: the account, the overrides and how its publication went.</summary>
public sealed record PostTarget(
    Guid Id, Guid ConnectionId, PlatformId Platform, string? Text, IReadOnlyList<MediaRef>? Media, IReadOnlyDictionary<string, string> Options,
    TargetStatus Status, int Attempts, TargetError? LastError, string? ExternalId, string? ExternalUrl, DateTimeOffset? PublishedAt,
    DateTimeOffset? NextAttemptAt, int Settled = 0, int RetryBase = 0, IReadOnlyList<MediaFit>? MediaFits = null)
{
    /// <summary>This target's media being (or made) fitted to its platform, latest per media index.</summary>
    public IReadOnlyList<MediaFit> Fits => MediaFits ?? [];

    public static PostTarget From(TargetContent c, TargetStatus status) =>
        new(c.TargetId, c.ConnectionId, c.Platform, c.Text, c.Media, c.Options, status, 0, null, null, null, null, null);

    /// <summary>Attempts since publication began or a person last asked for a retry: what the retry budget counts.</summary>
    public int AttemptsInRound(int attempt) => attempt - RetryBase;

    /// <summary>The number the next attempt takes: after every attempt started or settled without a call.</summary>
    public int NextAttempt => Math.Max(Attempts, Settled) + 1;

    public bool IsFinal => Status is TargetStatus.Published or TargetStatus.Failed or TargetStatus.Unconfirmed or TargetStatus.Cancelled;

    /// <summary>Stable for the target across attempts and deliveries: the platform (or Nexus) tells a retry from a new post by it.</summary>
    public string IdempotencyKey => "nexus-" + Id.ToString("N");

    /// <summary>
    /// Why a person may not ask for this target to be published again, or null: only a failed target may be retried,
    /// and an unconfirmed one only with <paramref name="force"/> (it may already be on the platform).
    /// </summary>
    public OneOf<ForceRequiredError, PostStateError>? RefusesRetry(bool force) => Status switch
    {
        TargetStatus.Failed => null,
        TargetStatus.Unconfirmed when force => null,
        TargetStatus.Unconfirmed => new ForceRequiredError(),
        TargetStatus.Published => new PostStateError("This target is already published.", ["input", "targetId"]),
        TargetStatus.Publishing => new PostStateError("This target is being published (or waits for its next automatic attempt).", ["input", "targetId"]),
        _ => new PostStateError("This target has not been sent to its platform yet; publish or schedule the post.", ["input", "targetId"]),
    };

    public string EffectiveText(Post post) => Text ?? post.Text;

    public IReadOnlyList<MediaRef> EffectiveMedia(Post post) => Media ?? post.Media;
}

/// <summary>
/// A post: the write model of its stream and, projected inline, the read model behind <c>Post</c>. Targets publish
/// independently; the post's status is derived from theirs.
/// </summary>
public sealed record Post(
    Guid Id, Guid WorkspaceId, Guid AuthorId, string Text, IReadOnlyList<MediaRef> Media, IReadOnlyList<PostTarget> Targets,
    PostStatus Status, DateTimeOffset? ScheduledAt, string? TimeZone, string? LocalTime, DstResolution? Dst, bool FromQueue,
    int ScheduleVersion, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? PublishedAt, PlatformId[] Platforms, int Version)
{
    /// <summary>Every fit of the post's media to its targets (<c>fitMediaToTargets</c>), latest per target and index.</summary>
    public IEnumerable<MediaFit> MediaFits => Targets.SelectMany(t => t.Fits);

    /// <summary>Set only while the post holds a slot of the workspace's posting queue: unique per workspace.</summary>
    public string? QueueSlot => FromQueue && Status == PostStatus.Scheduled && ScheduledAt is { } at ? $"{WorkspaceId:N}@{at.UtcTicks}" : null;

    public static Post Create(PostDrafted e) =>
        new(e.PostId, e.WorkspaceId, e.AuthorId, e.Text, e.Media, [.. e.Targets.Select(t => PostTarget.From(t, TargetStatus.Draft))], PostStatus.Draft,
            null, null, null, null, false, 0, e.At, e.At, null, PlatformsOf(e.Targets), 1);

    public Post Apply(PostEdited e)
    {
        var status = Status switch
        {
            PostStatus.Scheduled => TargetStatus.Scheduled,
            PostStatus.Cancelled => TargetStatus.Cancelled,
            _ => TargetStatus.Draft,
        };
        var edited = this with
        {
            Text = e.Text,
            Media = e.Media,
            Targets = [.. e.Targets.Select(t => PostTarget.From(t, status))],
            Platforms = PlatformsOf(e.Targets),
            UpdatedAt = e.At,
        };
        // Fits survive an edit only where the target still has, at that index, the item the fit started from (fitting
        // or failed) or the variant it made (fitted). Any other is stale and forgotten: a job still running for it finds
        // nothing waiting, and its output stays in the library, unused.
        return edited with
        {
            Targets = [.. edited.Targets.Select(t => Target(t.Id) is { } before && before.Fits.Where(f => f.Index < t.EffectiveMedia(edited).Count
                && t.EffectiveMedia(edited)[f.Index].MediaId == (f.Status == MediaFitStatus.Fitted ? f.VariantId : f.SourceId)).ToList() is { Count: > 0 } kept
                ? t with { MediaFits = kept }
                : t)],
        };
    }

    public Post Apply(TargetMediaFitting e) =>
        this with
        {
            Targets = [.. Targets.Select(t => e.Fits.Where(f => f.TargetId == t.Id).ToList() is { Count: > 0 } started
                ? t with
                {
                    MediaFits = [.. t.Fits.Where(f => !started.Any(s => s.Index == f.Index)),
                        .. started.Select(f => new MediaFit(f.TargetId, f.Index, f.SourceId, f.JobId, f.Operation, f.Then, MediaFitStatus.Fitting, null, null))],
                }
                : t)],
            UpdatedAt = e.At,
        };

    public Post Apply(TargetMediaFitContinued e) =>
        WithFits(e.JobId, f => f with { JobId = e.NextJobId, Operation = e.Operation, Then = e.Then }, e.At);

    public Post Apply(TargetMediaFitted e)
    {
        var targets = Targets.Select(t =>
        {
            var waiting = t.Fits.Where(f => f.JobId == e.JobId && f.Status == MediaFitStatus.Fitting).ToList();
            if (waiting.Count == 0)
            {
                return t;
            }

            var media = t.EffectiveMedia(this).ToList();
            foreach (var fit in waiting.Where(f => f.Index < media.Count))
            {
                media[fit.Index] = e.Variant with { AltText = media[fit.Index].AltText };
            }

            return t with { Media = media };
        }).ToList();
        return (this with { Targets = targets }).WithFits(e.JobId, f => f with { Status = MediaFitStatus.Fitted, VariantId = e.Variant.MediaId }, e.At);
    }

    public Post Apply(TargetMediaFitFailed e) =>
        WithFits(e.JobId, f => f with { Status = MediaFitStatus.Failed, Error = new TargetError(e.Code, e.Message, Retryable: true) }, e.At);

    /// <summary>The fits waiting for job <paramref name="jobId"/>, changed.</summary>
    private Post WithFits(Guid jobId, Func<MediaFit, MediaFit> change, DateTimeOffset at) =>
        this with
        {
            Targets = [.. Targets.Select(t => t.Fits.Any(f => f.JobId == jobId && f.Status == MediaFitStatus.Fitting)
                ? t with { MediaFits = [.. t.Fits.Select(f => f.JobId == jobId && f.Status == MediaFitStatus.Fitting ? change(f) : f)] }
                : t)],
            UpdatedAt = at,
        };

    public static bool ShouldDelete(PostDiscarded e) => true;

    public Post Apply(PostScheduled e) =>
        WithTargets(TargetStatus.Scheduled) with
        {
            Status = PostStatus.Scheduled,
            ScheduledAt = e.ScheduledAt,
            TimeZone = e.TimeZone,
            LocalTime = e.LocalTime,
            Dst = e.Dst,
            FromQueue = e.FromQueue,
            ScheduleVersion = ScheduleVersion + 1,
            UpdatedAt = e.At,
        };

    public Post Apply(PostRescheduled e) =>
        this with { ScheduledAt = e.ScheduledAt, TimeZone = e.TimeZone, LocalTime = e.LocalTime, Dst = e.Dst, FromQueue = false, ScheduleVersion = ScheduleVersion + 1, UpdatedAt = e.At };

    public Post Apply(PostCancelled e) =>
        WithTargets(TargetStatus.Cancelled) with { Status = PostStatus.Cancelled, FromQueue = false, ScheduleVersion = ScheduleVersion + 1, UpdatedAt = e.At };

    public Post Apply(PostPublicationStarted e) =>
        WithTargets(TargetStatus.Publishing) with
        {
            Status = PostStatus.Publishing,
            ScheduledAt = e.Immediate ? e.At : ScheduledAt,
            FromQueue = false,
            ScheduleVersion = ScheduleVersion + 1,
            UpdatedAt = e.At,
        };

    public Post Apply(TargetPublishAttempted e) =>
        Update(e.TargetId, t => t with { Status = TargetStatus.Publishing, Attempts = Math.Max(t.Attempts, e.Attempt), NextAttemptAt = null }, e.At);

    public Post Apply(TargetPublished e) =>
        Update(e.TargetId, t => t with
        {
            Status = TargetStatus.Published,
            ExternalId = e.ExternalId,
            ExternalUrl = e.ExternalUrl,
            PublishedAt = e.At,
            LastError = null,
            NextAttemptAt = null,
            Settled = Math.Max(t.Settled, e.Attempt),
        }, e.At);

    public Post Apply(TargetPublishFailed e) =>
        Update(e.TargetId, t => t.Status == TargetStatus.Published ? t : t with
        {
            Status = e.NextAttemptAt is null ? TargetStatus.Failed : TargetStatus.Publishing,
            LastError = new TargetError(e.Code, e.Message, e.Retryable),
            NextAttemptAt = e.NextAttemptAt,
            Settled = Math.Max(t.Settled, e.Attempt),
        }, e.At);

    public Post Apply(TargetUnconfirmed e) =>
        Update(e.TargetId, t => t.Status == TargetStatus.Published ? t : t with
        {
            Status = TargetStatus.Unconfirmed,
            LastError = new TargetError("UNCONFIRMED", e.Message, true),
            NextAttemptAt = null,
            Settled = Math.Max(t.Settled, e.Attempt),
        }, e.At);

    public Post Apply(TargetReconcileDeferred e) =>
        Update(e.TargetId, t => t.Status == TargetStatus.Published ? t : t with
        {
            LastError = new TargetError("PLATFORM_UNAVAILABLE", e.Message, true),
            NextAttemptAt = e.NextAttemptAt,
        }, e.At);

    public Post Apply(TargetRetryRequested e) =>
        Update(e.TargetId, t => t with { Status = TargetStatus.Publishing, NextAttemptAt = null, RetryBase = Math.Max(t.Attempts, t.Settled) }, e.At);

    public PostTarget? Target(Guid targetId) => Targets.FirstOrDefault(t => t.Id == targetId);

    /// <summary>Whether the content may still change: nothing has been sent to a platform yet.</summary>
    public bool IsEditable => Status is PostStatus.Draft or PostStatus.Scheduled or PostStatus.Cancelled;

    public bool CanBeScheduled() => Status is PostStatus.Draft or PostStatus.Cancelled or PostStatus.Scheduled;

    /// <summary>Whether the post's status allows <paramref name="action"/>.</summary>
    public bool Allows(PostAction action) => action switch
    {
        PostAction.Schedule or PostAction.Queue => CanBeScheduled(),
        PostAction.Reschedule or PostAction.Cancel => Status == PostStatus.Scheduled,
        _ => IsEditable,
    };

    /// <summary>The error that refuses <paramref name="action"/> on this post at the version the caller saw, or null.</summary>
    public OneOf<VersionConflictError, PostStateError>? Refuses(PostAction action, int? expectedVersion) =>
        expectedVersion is { } expected && expected != Version ? new VersionConflictError(Version)
        : Allows(action) ? null
        : (OneOf<VersionConflictError, PostStateError>?)PostStateError.Refusing(action, Status);

    /// <summary>
    /// The event that puts the post at <paramref name="when"/>: a move when it is already scheduled by hand, a fresh
    /// schedule otherwise (a queue slot is always taken afresh, so it holds the slot).
    /// </summary>
    public IDomainEvent ScheduleAt(ZonedTime when, bool fromQueue, Guid byUserId, DateTimeOffset now) =>
        Status == PostStatus.Scheduled && !fromQueue
            ? new PostRescheduled(Id, when.Instant, when.TimeZone, when.LocalTime, when.Dst, byUserId, now)
            : new PostScheduled(Id, when.Instant, when.TimeZone, when.LocalTime, when.Dst, fromQueue, byUserId, now);

    /// <summary>Publication begins: every target publishes its next attempt, each in a message of its own.</summary>
    public (PostPublicationStarted Started, IReadOnlyList<PublishTarget> Targets) StartPublication(bool immediate, Guid? byUserId, DateTimeOffset now) =>
        (new PostPublicationStarted(Id, immediate, byUserId, now), [.. Targets.Select(t => new PublishTarget(Id, t.Id, t.Attempts + 1, t.ConnectionId))]);

    private Post WithTargets(TargetStatus status) => this with { Targets = [.. Targets.Select(t => t with { Status = status, NextAttemptAt = null })] };

    private Post Update(Guid targetId, Func<PostTarget, PostTarget> change, DateTimeOffset at)
    {
        var targets = Targets.Select(t => t.Id == targetId ? change(t) : t).ToList();
        var status = Aggregate(targets);
        return this with
        {
            Targets = targets,
            Status = status,
            UpdatedAt = at,
            PublishedAt = status is PostStatus.Published or PostStatus.PartiallyPublished ? PublishedAt ?? at : PublishedAt,
        };
    }

    /// <summary>
    /// While any target is still being published the post is PUBLISHING; then PUBLISHED when every target is,
    /// FAILED when none is, PARTIALLY_PUBLISHED otherwise.
    /// </summary>
    public static PostStatus Aggregate(IReadOnlyList<PostTarget> targets) =>
        targets.Any(t => !t.IsFinal) ? PostStatus.Publishing
        : targets.All(t => t.Status == TargetStatus.Published) ? PostStatus.Published
        : targets.Any(t => t.Status == TargetStatus.Published) ? PostStatus.PartiallyPublished
        : PostStatus.Failed;

    private static PlatformId[] PlatformsOf(IEnumerable<TargetContent> targets) => [.. targets.Select(t => t.Platform).Distinct().Order()];
}

/// <summary>
/// The record that an attempt is about to call the platform (id = <c>{targetId}:{attempt}</c>), committed before
/// the call and completed with its outcome right after. A delivery that finds it started but not completed knows a
/// previous delivery may have reached the platform: it never calls blindly again.
/// </summary>
/// <remarks><c>Owner</c> is the node that claimed the attempt; who is calling it now is its lease (see <c>AttemptLeases</c>).</remarks>
public sealed record PublishAttempt(string Id, Guid PostId, Guid TargetId, int Attempt, DateTimeOffset StartedAt, AttemptOutcome? Outcome, Guid Owner = default)
{
    public static string IdOf(Guid targetId, int attempt) => $"{targetId:N}:{attempt}";
}

/// <summary>What the platform answered to one attempt.</summary>
public sealed record AttemptOutcome(string? ExternalId, string? ExternalUrl, PlatformFailureKind? Failure, string? Message, string? PlatformCode, DateTimeOffset? RetryAt);

public sealed class PostsMarten : IConfigureMarten
{
    public void Configure(IServiceProvider services, StoreOptions options)
    {
        options.Projections.Snapshot<Post>(SnapshotLifecycle.Inline);
        options.Schema.For<Post>()
            .Index(p => p.WorkspaceId)
            .Index(p => p.ScheduledAt)
            // Two posts never take the same queue slot: a racing addPostToQueue loses here and runs again.
            .UniqueIndex(p => p.QueueSlot!);
        options.Schema.For<PublishAttempt>().Index(a => a.PostId);
    }
}
