using FluentValidation;
using GraphQL;
using GraphQL.Types;
using Marten;
using Nexus.Api.Features.Posts.Scheduling;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Wolverine;
using Wolverine.Marten;

namespace Nexus.Api.Features.Posts.Rescheduling;

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

    public static (Outcome<Guid>, Events, OutgoingMessages) Handle(ReschedulePost command, [WriteAggregate(Required = false)] Post? post, PostSurroundings around,
        Preflight preflight, DateTimeOffset now) =>
        post is null ? PostScheduling.Refused(new PostNotFoundError())
        : post.Refuses(PostAction.Reschedule, command.ExpectedVersion) is { } refusal ? PostScheduling.Refused(refusal)
        : PostScheduling.ScheduleAt(post, ScheduleTime.Resolve(command, around.Workspace!), fromQueue: false, command.UserId, preflight.Check(post, around.Connections), now);
}

[MutationType]
public sealed class ReschedulePostMutation : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.MutationField<ReschedulePostInputType, ReschedulePostPayloadType>("reschedulePost",
                "Moves a scheduled post to another time (checked again like schedulePost).")
            .RequirePostRole(Role.Editor)
            .ResolveAsync(async ctx =>
            {
                var input = ctx.GetArgument<SchedulePostInput>("input");
                return await ctx.SendForPostAsync(new ReschedulePost(ctx.InputPostId(), ctx.UserId()!.Value, input.At, input.LocalTime, input.TimeZone?.Id, input.ExpectedVersion));
            });
}

public sealed class ReschedulePostInputType() : ScheduleTimeInputType("ReschedulePostInput");

public sealed class ReschedulePostPayloadType() : PostPayloadType<ReschedulePostErrorType>("ReschedulePostPayload");

public sealed class ReschedulePostErrorType() : ErrorUnionType("ReschedulePostError",
    typeof(PostNotFoundError), typeof(VersionConflictError), typeof(PostStateError), typeof(InThePastError), typeof(PlatformRuleError), typeof(NotConnectedError), typeof(EmptyPostError));
