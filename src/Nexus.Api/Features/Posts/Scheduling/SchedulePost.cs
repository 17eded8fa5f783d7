using System.ComponentModel;
using FluentValidation;
using GraphQL;
using Marten;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Billing;
using Nexus.Api.Features.Media.Using;
using Nexus.Api.Features.Posts.Publishing;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Scalars;
using Nexus.Api.Infrastructure;
using Nexus.Api.Infrastructure.Identity;
using Wolverine;
using Wolverine.Marten;

namespace Nexus.Api.Features.Posts.Scheduling;

using SchedulePostOutcome = Outcome<Guid, PostNotFoundError, VersionConflictError, PostStateError, InThePastError, PlatformRuleError, NotConnectedError, EmptyPostError, MediaDeletedError, PlanLimitError>;

/// <summary>
/// Schedules a draft (or a cancelled post) at a time in a zone. The post must pass preflight now: a post that
/// cannot be published is refused here, not at its due time. Scheduling a scheduled post moves it.
/// </summary>
public sealed record SchedulePost(Guid PostId, Guid UserId, DateTimeOffset? At, string? LocalTime, string? TimeZone, int? ExpectedVersion) : IScheduleTime
{
    public sealed class Validator : AbstractValidator<SchedulePost>
    {
        public Validator() => ScheduleTime.Rules(this);
    }
}

public static class SchedulePostHandler
{
    public static Task<PostSurroundings> LoadAsync(Post? post, IQuerySession session, CancellationToken ct) =>
        PostSurroundings.OfAsync(post, session, withWorkspace: true, ct);

    public static async Task<(MediaUses, PlanRoom)> BeforeAsync(SchedulePost command, Post? post, PostSurroundings around, IDocumentSession session,
        IOptions<BillingOptions> billing, DateTimeOffset now, CancellationToken ct) =>
        (await MediaUses.ForPostAsync(post, session, ct),
            await PostPlanLimits.CheckAsync(session, billing.Value, post, around.Workspace is { } workspace ? ScheduleTime.Resolve(command, workspace).Instant : null, now, ct));

    public static (SchedulePostOutcome, Events, OutgoingMessages) Handle(SchedulePost command, [WriteAggregate(Required = false)] Post? post, PostSurroundings around,
        Preflight preflight, DateTimeOffset now, MediaUses? media = null, PlanRoom? plan = null)
    {
        if (post is null)
        {
            return (new PostNotFoundError(), [], []);
        }

        if (post.Refuses(PostAction.Schedule, command.ExpectedVersion) is { } refusal)
        {
            return (refusal.Match<SchedulePostOutcome>(e => e, e => e), [], []);
        }

        var when = ScheduleTime.Resolve(command, around.Workspace!);
        if (when.Instant <= now)
        {
            return (new InThePastError(when.Instant), [], []);
        }

        if (preflight.Check(post, around.Connections) is { Count: > 0 } issues)
        {
            return (SchedulePostOutcome.Fail(issues.Select(i => i.ToError().Match<SchedulePostOutcome.Error>(e => e, e => e, e => e))), [], []);
        }

        if (media?.Refusal(post.WorkspaceId) is { } gone)
        {
            return (gone, [], []);
        }

        if (plan?.Refusal is { } full)
        {
            return (full, [], []);
        }

        media?.Record(post.Id, now);
        var (scheduled, due) = PostScheduling.ScheduleAt(post, when, fromQueue: false, command.UserId, now);
        return (post.Id, [scheduled], [due]);
    }
}

/// <summary>Scheduling shared by schedulePost, reschedulePost and addPostToQueue, once the time and the post passed their checks.</summary>
public static class PostScheduling
{
    public static (IDomainEvent Scheduled, ScheduledMessage<PublishDuePost> Due) ScheduleAt(Post post, ZonedTime when, bool fromQueue, Guid userId, DateTimeOffset now) =>
        // Never cancelled: a later schedule bumps the version, and this message then finds nothing to do.
        (post.ScheduleAt(when, fromQueue, userId, now), new PublishDuePost(post.Id, post.ScheduleVersion + 1).ScheduledAt(when.Instant));
}

public sealed record SchedulePostInput(
    [property: Id] string PostId,
    [property: InputType(typeof(DateTimeScalar)), Description("The instant to publish at, with its offset. Or give `localTime`.")] DateTimeOffset? At,
    [property: Description("A wall time `yyyy-MM-ddTHH:mm` in `timeZone`; a time the clocks skip moves forward by the gap, one they show twice takes its first occurrence.")] string? LocalTime,
    [property: InputType(typeof(TimeZoneScalar)), Description("The IANA zone the time is chosen in; the workspace's when omitted.")] TimeZoneInfo? TimeZone,
    [property: Description("The post's `version` you saw; VERSION_CONFLICT if it changed since.")] int? ExpectedVersion) : IPostInput;

public sealed class SchedulePostMutation() : Mutation<SchedulePostInput, SchedulePost, Guid>("schedulePost",
    "Schedules a post. Every target is checked now (PLATFORM_RULE, NOT_CONNECTED, EMPTY_POST with the target's path); a past time is IN_THE_PAST.",
    PostAccess.Needs(Role.Editor).Scope(AppScope.PostsWrite), PostPayloads.Post,
    (input, caller) => new(caller.PostId(), caller.ActorId, input.At, input.LocalTime, input.TimeZone?.Id, input.ExpectedVersion));
