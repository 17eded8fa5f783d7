using FluentValidation;
using Marten;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Billing;
using Nexus.Api.Features.Posts.Scheduling;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.Infrastructure.Identity;
using Wolverine;
using Wolverine.Marten;

namespace Nexus.Api.Features.Posts.Rescheduling;

using ReschedulePostOutcome = Outcome<Guid, PostNotFoundError, VersionConflictError, PostStateError, InThePastError, PlatformRuleError, NotConnectedError, EmptyPostError, PlanLimitError>;

/// <summary>Moves a scheduled post to another time. The message for the old time still fires and does nothing.</summary>
public sealed record ReschedulePost(Guid PostId, Guid UserId, DateTimeOffset? At, string? LocalTime, string? TimeZone, int? ExpectedVersion) : IScheduleTime
{
    public sealed class Validator : AbstractValidator<ReschedulePost>
    {
        public Validator() => ScheduleTime.Rules(this);
    }
}

public static class ReschedulePostHandler
{
    public static Task<PostSurroundings> LoadAsync(Post? post, IQuerySession session, CancellationToken ct) =>
        PostSurroundings.OfAsync(post, session, withWorkspace: true, ct);

    // A move into another month counts there, as scheduling does; a move within the month adds nothing.
    public static Task<PlanRoom> BeforeAsync(ReschedulePost command, Post? post, PostSurroundings around, IDocumentSession session, IOptions<BillingOptions> billing,
        DateTimeOffset now, CancellationToken ct) =>
        PostPlanLimits.CheckAsync(session, billing.Value, post, around.Workspace is { } workspace ? ScheduleTime.Resolve(command, workspace).Instant : null, now, ct);

    public static (ReschedulePostOutcome, Events, OutgoingMessages) Handle(ReschedulePost command, [WriteAggregate(Required = false)] Post? post, PostSurroundings around,
        Preflight preflight, DateTimeOffset now, PlanRoom? plan = null)
    {
        if (post is null)
        {
            return (new PostNotFoundError(), [], []);
        }

        if (post.Refuses(PostAction.Reschedule, command.ExpectedVersion) is { } refusal)
        {
            return (refusal.Match<ReschedulePostOutcome>(e => e, e => e), [], []);
        }

        var when = ScheduleTime.Resolve(command, around.Workspace!);
        if (when.Instant <= now)
        {
            return (new InThePastError(when.Instant), [], []);
        }

        if (preflight.Check(post, around.Connections) is { Count: > 0 } issues)
        {
            return (ReschedulePostOutcome.Fail(issues.Select(i => i.ToError().Match<ReschedulePostOutcome.Error>(e => e, e => e, e => e))), [], []);
        }

        if (plan?.Refusal is { } full)
        {
            return (full, [], []);
        }

        var (scheduled, due) = PostScheduling.ScheduleAt(post, when, fromQueue: false, command.UserId, now);
        return (post.Id, [scheduled], [due]);
    }
}

public sealed class ReschedulePostMutation() : Mutation<SchedulePostInput, ReschedulePost, Guid>("reschedulePost",
    "Moves a scheduled post to another time (checked again like schedulePost).",
    PostAccess.Needs(Role.Editor).Scope(AppScope.PostsWrite), PostPayloads.Post,
    (input, caller) => new(caller.PostId(), caller.ActorId, input.At, input.LocalTime, input.TimeZone?.Id, input.ExpectedVersion));
