using GraphQL;
using GraphQL.Types;
using Marten;
using Nexus.Api.Features.Posts.Publishing;
using Nexus.Api.Features.Posts.Scheduling;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Wolverine;

namespace Nexus.Api.Features.Posts.PublishingNow;

/// <summary>Publishes a draft, scheduled or cancelled post at once, after the same preflight as scheduling.</summary>
public sealed record PublishPostNow(Guid PostId, Guid UserId, int? ExpectedVersion);

public static class PublishPostNowHandler
{
    public static async Task<(Outcome<Guid>, OutgoingMessages)> Handle(PublishPostNow command, IDocumentSession session, Preflight preflight, DateTimeOffset now, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Post>(command.PostId, ct);
        if (Scheduler.Refusal(stream.Aggregate, command.ExpectedVersion) is { } refusal)
        {
            return (Outcome<Guid>.Fail(refusal), []);
        }

        var post = stream.Aggregate!;
        if (!post.IsEditable)
        {
            return (Outcome<Guid>.Fail(PostMutations.NotWhile(post, "be published again")), []);
        }

        if (await preflight.CheckAsync(post, session, ct) is { Count: > 0 } issues)
        {
            return (Outcome<Guid>.Fail([.. issues.Select(i => i.ToError())]), []);
        }

        return (Outcome<Guid>.Ok(post.Id), Publication.Start(stream, immediate: true, command.UserId, now));
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
