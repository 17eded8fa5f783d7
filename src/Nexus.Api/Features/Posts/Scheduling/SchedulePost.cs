using FluentValidation;
using GraphQL;
using GraphQL.Types;
using Marten;
using Nexus.Api.Features.Posts.Publishing;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Wolverine;
using Wolverine.Marten;

namespace Nexus.Api.Features.Posts.Scheduling;

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

    public static (Outcome<Guid>, Events, OutgoingMessages) Handle(SchedulePost command, [WriteAggregate(Required = false)] Post? post, PostSurroundings around,
        Preflight preflight, DateTimeOffset now) =>
        post is null ? PostScheduling.Refused(new PostNotFoundError())
        : post.Refuses(PostAction.Schedule, command.ExpectedVersion) is { } refusal ? PostScheduling.Refused(refusal)
        : PostScheduling.ScheduleAt(post, ScheduleTime.Resolve(command, around.Workspace!), fromQueue: false, command.UserId, preflight.Check(post, around.Connections), now);
}

/// <summary>Scheduling shared by schedulePost, reschedulePost and addPostToQueue: a time in the future, and a post that passes preflight.</summary>
public static class PostScheduling
{
    public static (Outcome<Guid>, Events, OutgoingMessages) Refused(params MutationError[] errors) => (Outcome<Guid>.Fail(errors), [], []);

    public static (Outcome<Guid>, Events, OutgoingMessages) ScheduleAt(Post post, ZonedTime when, bool fromQueue, Guid userId, IReadOnlyList<PreflightIssue> issues, DateTimeOffset now)
    {
        if (when.Instant <= now)
        {
            return Refused(new InThePastError(when.Instant));
        }

        if (issues.Count > 0)
        {
            return Refused([.. issues.Select(i => i.ToError())]);
        }

        // Never cancelled: a later schedule bumps the version, and this message then finds nothing to do.
        return (Outcome<Guid>.Ok(post.Id), [post.ScheduleAt(when, fromQueue, userId, now)], [new PublishDuePost(post.Id, post.ScheduleVersion + 1).ScheduledAt(when.Instant)]);
    }
}

public sealed record SchedulePostInput(string PostId, DateTimeOffset? At, string? LocalTime, TimeZoneInfo? TimeZone, int? ExpectedVersion) : IPostInput;

[MutationType]
public sealed class SchedulePostMutation : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.MutationField<SchedulePostInputType, SchedulePostPayloadType>("schedulePost",
                "Schedules a post. Every target is checked now (PLATFORM_RULE, NOT_CONNECTED, EMPTY_POST with the target's path); a past time is IN_THE_PAST.")
            .RequirePostRole(Role.Editor)
            .ResolveAsync(async ctx =>
            {
                var input = ctx.GetArgument<SchedulePostInput>("input");
                return await ctx.SendForPostAsync(new SchedulePost(ctx.InputPostId(), ctx.UserId()!.Value, input.At, input.LocalTime, input.TimeZone?.Id, input.ExpectedVersion));
            });
}

public sealed class SchedulePostInputType() : ScheduleTimeInputType("SchedulePostInput");

public sealed class SchedulePostPayloadType() : PostPayloadType<SchedulePostErrorType>("SchedulePostPayload");

public sealed class SchedulePostErrorType() : ErrorUnionType("SchedulePostError",
    typeof(PostNotFoundError), typeof(VersionConflictError), typeof(PostStateError), typeof(InThePastError), typeof(PlatformRuleError), typeof(NotConnectedError), typeof(EmptyPostError));
