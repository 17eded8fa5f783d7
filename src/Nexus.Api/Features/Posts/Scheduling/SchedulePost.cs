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
    public static Task<(Outcome<Guid>, OutgoingMessages)> Handle(SchedulePost command, IDocumentSession session, Preflight preflight, DateTimeOffset now, CancellationToken ct) =>
        Scheduler.HandleAsync(command.PostId, command.ExpectedVersion, command, command.UserId,
            post => post.Status is PostStatus.Draft or PostStatus.Cancelled or PostStatus.Scheduled, "be scheduled", session, preflight, now, ct);
}

/// <summary>Scheduling shared by schedulePost, reschedulePost and addPostToQueue.</summary>
public static class Scheduler
{
    public static MutationError? Refusal(Post? post, int? expectedVersion) =>
        post is null ? new PostNotFoundError()
        : expectedVersion is { } expected && expected != post.Version ? new VersionConflictError(post.Version)
        : null;

    /// <summary>Loads the post for writing, checks version and state, then schedules it at the given time.</summary>
    public static async Task<(Outcome<Guid>, OutgoingMessages)> HandleAsync(Guid postId, int? expectedVersion, IScheduleTime time, Guid userId,
        Func<Post, bool> allowed, string action, IDocumentSession session, Preflight preflight, DateTimeOffset now, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Post>(postId, ct);
        if (Refusal(stream.Aggregate, expectedVersion) is { } refusal)
        {
            return (Outcome<Guid>.Fail(refusal), []);
        }

        if (!allowed(stream.Aggregate!))
        {
            return (Outcome<Guid>.Fail(PostMutations.NotWhile(stream.Aggregate!, action)), []);
        }

        return await ScheduleAsync(stream, time, fromQueue: false, userId, session, preflight, now, ct);
    }

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
