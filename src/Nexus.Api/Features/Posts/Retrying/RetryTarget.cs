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
using Wolverine.Marten;

namespace Nexus.Api.Features.Posts.Retrying;

/// <summary>
/// Publishes a failed target again, with a fresh retry budget. An unconfirmed target may already be on the
/// platform, so it is retried only with <see cref="Force"/>: the person has checked, and takes the risk of a second post.
/// </summary>
public sealed record RetryTarget(Guid PostId, Guid TargetId, bool Force, Guid UserId);

/// <summary>The target's connection, and the attempt of the target a platform answered "published" to, if any.</summary>
public sealed record RetryState(Connection? Connection, PublishAttempt? Published);

public static class RetryTargetHandler
{
    public static async Task<RetryState> LoadAsync(RetryTarget command, Post? post, IQuerySession session, CancellationToken ct)
    {
        if (post?.Target(command.TargetId) is not { } target)
        {
            return new(null, null);
        }

        var batch = session.CreateBatchQuery();
        var connection = batch.Load<Connection>(target.ConnectionId);
        var attempts = batch.Query<PublishAttempt>().Where(a => a.PostId == post.Id).ToList();
        await batch.Execute(ct);
        var published = (await attempts).Where(a => a.TargetId == target.Id && a.Outcome?.ExternalId is not null).MaxBy(a => a.Attempt);
        return new(await connection, published);
    }

    public static (Outcome<Guid>, Events, OutgoingMessages) Handle(RetryTarget command, [WriteAggregate(Required = false)] Post? post, RetryState state, DateTimeOffset now)
    {
        if (post is null)
        {
            return Fail(new PostNotFoundError());
        }

        if (post.Target(command.TargetId) is not { } target)
        {
            return Fail(new TargetNotFoundError());
        }

        if (target.RefusesRetry(command.Force) is { } refusal)
        {
            return Fail(refusal);
        }

        if (state.Connection is not { Status: ConnectionStatus.Active })
        {
            return Fail(new NotConnectedError(Preflight.NotConnected(state.Connection), ["input", "targetId"]));
        }

        // An attempt whose answer was saved as "published" settles it: never publish a second time on a retry.
        if (state.Published is { Outcome: { ExternalId: { } externalId } outcome } answered)
        {
            return (Outcome<Guid>.Ok(post.Id), [new TargetPublished(post.Id, target.Id, answered.Attempt, externalId, outcome.ExternalUrl, Reconciled: true, now)], []);
        }

        return (Outcome<Guid>.Ok(post.Id), [new TargetRetryRequested(post.Id, target.Id, command.Force, command.UserId, now)],
            [new PublishTarget(post.Id, target.Id, target.NextAttempt, target.ConnectionId)]);
    }

    private static (Outcome<Guid>, Events, OutgoingMessages) Fail(MutationError error) => (Outcome<Guid>.Fail(error), [], []);
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
