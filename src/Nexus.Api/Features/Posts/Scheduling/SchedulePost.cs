using FluentValidation;
using GraphQL;
using GraphQL.Types;
using Marten;
using JasperFx.Events;
using Nexus.Api.Features.Posts.Publishing;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Wolverine;

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
    public static async Task<(Outcome<Guid>, OutgoingMessages)> Handle(SchedulePost command, IDocumentSession session, Preflight preflight, DateTimeOffset now, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Post>(command.PostId, ct);
        if (Scheduler.Refusal(stream.Aggregate, command.ExpectedVersion) is { } refusal)
        {
            return (Outcome<Guid>.Fail(refusal), []);
        }

        if (stream.Aggregate!.Status is not (PostStatus.Draft or PostStatus.Cancelled or PostStatus.Scheduled))
        {
            return (Outcome<Guid>.Fail(PostMutations.NotWhile(stream.Aggregate, "be scheduled")), []);
        }

        return await Scheduler.ScheduleAsync(stream, command, fromQueue: false, command.UserId, session, preflight, now, ct);
    }
}

/// <summary>Scheduling shared by schedulePost, reschedulePost and addPostToQueue.</summary>
public static class Scheduler
{
    public static MutationError? Refusal(Post? post, int? expectedVersion) =>
        post is null ? new PostNotFoundError()
        : expectedVersion is { } expected && expected != post.Version ? new VersionConflictError(post.Version)
        : null;

    public static async Task<(Outcome<Guid>, OutgoingMessages)> ScheduleAsync(IEventStream<Post> stream, IScheduleTime time, bool fromQueue, Guid userId,
        IDocumentSession session, Preflight preflight, DateTimeOffset now, CancellationToken ct)
    {
        var post = stream.Aggregate!;
        var workspace = await session.LoadAsync<Workspace>(post.WorkspaceId, ct);
        var when = ScheduleTime.Resolve(time, workspace!);
        if (when.Instant <= now)
        {
            return (Outcome<Guid>.Fail(new InThePastError(when.Instant)), []);
        }

        return await ScheduleAtAsync(stream, when, fromQueue, userId, session, preflight, now, ct);
    }

    public static async Task<(Outcome<Guid>, OutgoingMessages)> ScheduleAtAsync(IEventStream<Post> stream, ZonedTime when, bool fromQueue, Guid userId,
        IDocumentSession session, Preflight preflight, DateTimeOffset now, CancellationToken ct)
    {
        var post = stream.Aggregate!;
        if (await preflight.CheckAsync(post, session, ct) is { Count: > 0 } issues)
        {
            return (Outcome<Guid>.Fail([.. issues.Select(i => i.ToError())]), []);
        }

        stream.AppendOne(post.Status == PostStatus.Scheduled && !fromQueue
            ? new PostRescheduled(post.Id, when.Instant, when.TimeZone, when.LocalTime, when.Dst, userId, now)
            : new PostScheduled(post.Id, when.Instant, when.TimeZone, when.LocalTime, when.Dst, fromQueue, userId, now));
        return (Outcome<Guid>.Ok(post.Id), [new PublishDuePost(post.Id, post.ScheduleVersion + 1).ScheduledAt(when.Instant)]);
    }
}

public sealed record SchedulePostInput(string PostId, DateTimeOffset? At, string? LocalTime, TimeZoneInfo? TimeZone, int? ExpectedVersion) : IPostInput;

[MutationType]
public sealed class SchedulePostMutation : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.MutationField<SchedulePostInputType, SchedulePostPayloadType>("schedulePost",
                "Schedules a post. Every target is checked now (PLATFORM_RULE, NOT_CONNECTED with the target's path); a past time is IN_THE_PAST.")
            .RequirePostRole(Role.Editor)
            .ResolveAsync(async ctx =>
            {
                var input = ctx.GetArgument<SchedulePostInput>("input");
                return await ctx.SendForPostAsync(new SchedulePost(ctx.InputPostId(), ctx.UserId()!.Value, input.At, input.LocalTime, input.TimeZone?.Id, input.ExpectedVersion));
            });
}

public sealed class SchedulePostInputType : InputObjectGraphType<SchedulePostInput>
{
    public SchedulePostInputType()
    {
        Name = "SchedulePostInput";
        Field<NonNullGraphType<IdGraphType>>("postId");
        ScheduleTimeFields.Add(this);
    }
}

public sealed class SchedulePostPayloadType() : PostPayloadType<SchedulePostErrorType>("SchedulePostPayload");

public sealed class SchedulePostErrorType() : ErrorUnionType("SchedulePostError",
    typeof(PostNotFoundError), typeof(VersionConflictError), typeof(PostStateError), typeof(InThePastError), typeof(PlatformRuleError), typeof(NotConnectedError));
