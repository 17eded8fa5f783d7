using GraphQL;
using GraphQL.Types;
using Marten;
using Nexus.Api.Features.Connections;
using Nexus.Api.Features.Posts.Publishing;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.GraphQL.Relay;
using Wolverine;

namespace Nexus.Api.Features.Posts.Retrying;

/// <summary>
/// Publishes a failed target again, with a fresh retry budget. An unconfirmed target may already be on the
/// platform, so it is retried only with <see cref="Force"/>: the person has checked, and takes the risk of a second post.
/// </summary>
public sealed record RetryTarget(Guid PostId, Guid TargetId, bool Force, Guid UserId);

public sealed record ForceRequiredError()
    : MutationError("FORCE_REQUIRED", "This target is unconfirmed: the platform may already show it. Check the account; retry with force: true to publish it again anyway.", ["input", "force"]);

public sealed record TargetNotFoundError()
    : MutationError("NOT_FOUND", "This post has no such target.", ["input", "targetId"]);

public static class RetryTargetHandler
{
    public static async Task<(Outcome<Guid>, OutgoingMessages)> Handle(RetryTarget command, IDocumentSession session, DateTimeOffset now, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Post>(command.PostId, ct);
        if (stream.Aggregate is not { } post)
        {
            return (Outcome<Guid>.Fail(new PostNotFoundError()), []);
        }

        if (post.Target(command.TargetId) is not { } target)
        {
            return (Outcome<Guid>.Fail(new TargetNotFoundError()), []);
        }

        switch (target.Status)
        {
            case TargetStatus.Failed:
                break;
            case TargetStatus.Unconfirmed when command.Force:
                break;
            case TargetStatus.Unconfirmed:
                return (Outcome<Guid>.Fail(new ForceRequiredError()), []);
            default:
                return (Outcome<Guid>.Fail(new PostStateError(target.Status switch
                {
                    TargetStatus.Published => "This target is already published.",
                    TargetStatus.Publishing => "This target is being published (or waits for its next automatic attempt).",
                    _ => "This target has not been sent to its platform yet; publish or schedule the post.",
                }, ["input", "targetId"])), []);
        }

        var connection = await session.LoadAsync<Connection>(target.ConnectionId, ct);
        if (connection is not { Status: ConnectionStatus.Active })
        {
            return (Outcome<Guid>.Fail(new NotConnectedError(Preflight.NotConnected(connection), ["input", "targetId"])), []);
        }

        // An attempt whose answer was saved as "published" settles it: never publish a second time on a retry.
        var answered = (await session.Query<PublishAttempt>().Where(a => a.PostId == post.Id).ToListAsync(ct))
            .Where(a => a.TargetId == target.Id && a.Outcome?.ExternalId is not null)
            .MaxBy(a => a.Attempt);
        if (answered is not null)
        {
            stream.AppendOne(new TargetPublished(post.Id, target.Id, answered.Attempt, answered.Outcome!.ExternalId!, answered.Outcome.ExternalUrl, Reconciled: true, now));
            return (Outcome<Guid>.Ok(post.Id), []);
        }

        stream.AppendOne(new TargetRetryRequested(post.Id, target.Id, command.Force, command.UserId, now));
        return (Outcome<Guid>.Ok(post.Id), [new PublishTarget(post.Id, target.Id, target.NextAttempt)]);
    }
}

public sealed record RetryTargetInput(string PostId, string TargetId, bool? Force) : IPostInput;

[MutationType]
public sealed class RetryTargetMutation : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.MutationField<RetryTargetInputType, RetryTargetPayloadType>("retryTarget",
                "Publishes a FAILED target again (after reconnecting an account, or once a platform is back). An UNCONFIRMED target needs `force: true`: it may already be published.")
            .RequirePostRole(Role.Editor)
            .ResolveAsync(async ctx =>
            {
                var input = ctx.GetArgument<RetryTargetInput>("input");
                _ = GlobalId.TryParse(input.TargetId, PostTargetType.TypeName, out var targetId);
                return await ctx.SendForPostAsync(new RetryTarget(ctx.InputPostId(), targetId, input.Force ?? false, ctx.UserId()!.Value));
            });
}

public sealed class RetryTargetInputType : InputObjectGraphType<RetryTargetInput>
{
    public RetryTargetInputType()
    {
        Name = "RetryTargetInput";
        Field<NonNullGraphType<IdGraphType>>("postId");
        Field<NonNullGraphType<IdGraphType>>("targetId");
        Field<BooleanGraphType>("force").Description("Retry an UNCONFIRMED target even though it may already be published.");
    }
}

public sealed class RetryTargetPayloadType() : PostPayloadType<RetryTargetErrorType>("RetryTargetPayload");

public sealed class RetryTargetErrorType() : ErrorUnionType("RetryTargetError",
    typeof(PostNotFoundError), typeof(TargetNotFoundError), typeof(ForceRequiredError), typeof(PostStateError), typeof(NotConnectedError));
