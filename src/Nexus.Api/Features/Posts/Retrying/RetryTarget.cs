using System.ComponentModel;
using GraphQL;
using Marten;
using Nexus.Api.Features.Connections;
using Nexus.Api.Features.Media.Using;
using Nexus.Api.Features.Posts.Publishing;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Infrastructure.Identity;
using Wolverine;
using Wolverine.Marten;

namespace Nexus.Api.Features.Posts.Retrying;

using RetryTargetOutcome = Outcome<Guid, PostNotFoundError, TargetNotFoundError, ForceRequiredError, PostStateError, NotConnectedError, MediaDeletedError>;

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

    /// <summary>The library items the target publishes, fetched for writing: a retry makes them due again, as scheduling does.</summary>
    public static Task<MediaUses> BeforeAsync(RetryTarget command, Post? post, IDocumentSession session, CancellationToken ct) =>
        post?.Target(command.TargetId) is { } target
            ? MediaUses.FetchAsync(session, target.EffectiveMedia(post).Select(m => m.MediaId), ct)
            : Task.FromResult(MediaUses.None);

    public static (RetryTargetOutcome, Events, OutgoingMessages) Handle(RetryTarget command, [WriteAggregate(Required = false)] Post? post, RetryState state, DateTimeOffset now,
        MediaUses? media = null)
    {
        if (post is null)
        {
            return (new PostNotFoundError(), [], []);
        }

        if (post.Target(command.TargetId) is not { } target)
        {
            return (new TargetNotFoundError(), [], []);
        }

        if (target.RefusesRetry(command.Force) is { } refusal)
        {
            return (refusal.Match<RetryTargetOutcome>(e => e, e => e), [], []);
        }

        if (state.Connection is not { Status: ConnectionStatus.Active })
        {
            return (new NotConnectedError(Preflight.NotConnected(state.Connection), ["input", "targetId"]), [], []);
        }

        // An attempt whose answer was saved as "published" settles it: never publish a second time on a retry.
        if (state.Published is { Outcome: { ExternalId: { } externalId } outcome } answered)
        {
            return (post.Id, [new TargetPublished(post.Id, target.Id, answered.Attempt, externalId, outcome.ExternalUrl, Reconciled: true, now)], []);
        }

        // Deleting an item is allowed while its post has failed: the retry must not publish what the library no longer has.
        if (media?.Refusal(post.WorkspaceId, ["input", "targetId"], "once sent, a post's media cannot change: draft a new post with another item") is { } gone)
        {
            return (gone, [], []);
        }

        media?.Record(post.Id, now);
        return (post.Id, [new TargetRetryRequested(post.Id, target.Id, command.Force, command.UserId, now)],
            [new PublishTarget(post.Id, target.Id, target.NextAttempt, target.ConnectionId)]);
    }
}

public sealed record RetryTargetInput(
    [property: Id] string PostId,
    [property: Id] string TargetId,
    [property: Description("Retry an UNCONFIRMED target even though it may already be published.")] bool? Force) : IPostInput;

public sealed class RetryTargetMutation() : Mutation<RetryTargetInput, RetryTarget, Guid>("retryTarget",
    "Publishes a FAILED target again (after reconnecting an account, or once a platform is back). An UNCONFIRMED target needs `force: true`: it may already be published.",
    PostAccess.Needs(Role.Editor).Scope(AppScope.PostsWrite), PostPayloads.Post,
    (input, caller) => new(caller.PostId(), GlobalId.TryParse(input.TargetId, PostTargetType.TypeName, out var targetId) ? targetId : Guid.Empty, input.Force ?? false, caller.ActorId));
