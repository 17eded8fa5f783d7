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

namespace Nexus.Api.Features.Posts.PublishingNow;

/// <summary>Publishes a draft, scheduled or cancelled post at once, after the same preflight as scheduling.</summary>
public sealed record PublishPostNow(Guid PostId, Guid UserId, int? ExpectedVersion);

public static class PublishPostNowHandler
{
    public static Task<PostSurroundings> LoadAsync(Post? post, IQuerySession session, CancellationToken ct) =>
        PostSurroundings.OfAsync(post, session, withWorkspace: false, ct);

    public static (Outcome<Guid>, Events, OutgoingMessages) Handle(PublishPostNow command, [WriteAggregate(Required = false)] Post? post, PostSurroundings around,
        Preflight preflight, DateTimeOffset now)
    {
        if (post is null)
        {
            return PostScheduling.Refused(new PostNotFoundError());
        }

        if (post.Refuses(PostAction.PublishNow, command.ExpectedVersion) is { } refusal)
        {
            return PostScheduling.Refused(refusal);
        }

        if (preflight.Check(post, around.Connections) is { Count: > 0 } issues)
        {
            return PostScheduling.Refused([.. issues.Select(i => i.ToError())]);
        }

        var (started, targets) = post.StartPublication(immediate: true, command.UserId, now);
        return (Outcome<Guid>.Ok(post.Id), [started], [.. targets]);
    }
}

[MutationType]
public sealed class PublishPostNowMutation : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.MutationField<PublishPostNowInputType, PublishPostNowPayloadType>("publishPostNow",
                "Publishes a post now instead of at its time, after the same checks as schedulePost. Watch `postChanged` or `post.status` for the outcome.")
            .RequirePostRole(Role.Editor)
            .ResolveAsync(async ctx => await ctx.SendForPostAsync(new PublishPostNow(ctx.InputPostId(), ctx.UserId()!.Value, ctx.GetArgument<PostActionInput>("input").ExpectedVersion)));
}

public sealed class PublishPostNowInputType() : PostActionInputType("PublishPostNowInput");

public sealed class PublishPostNowPayloadType() : PostPayloadType<PublishPostNowErrorType>("PublishPostNowPayload");

public sealed class PublishPostNowErrorType() : ErrorUnionType("PublishPostNowError",
    typeof(PostNotFoundError), typeof(VersionConflictError), typeof(PostStateError), typeof(PlatformRuleError), typeof(NotConnectedError), typeof(EmptyPostError));
