using Marten;
using Nexus.Api.Features.Connections;
using Nexus.Api.Features.Posts;
using Nexus.Api.Features.Posts.Notifying;
using Nexus.Api.Platforms;
using Wolverine;
using Wolverine.Marten;

namespace Nexus.Api.Features.Webhooks;

/// <summary>
/// A comment on or mention of a connected account, recorded from a webhook (id = <c>{platform}:{interaction id}</c>, so a
/// redelivery records it once). Minimal personal data: ids and times only — no text, no author — which is all the
/// counts need; the platform stays where people read the comments.
/// </summary>
public sealed record PlatformInteraction(
    string Id, PlatformId Platform, InteractionKind Kind, string? AccountExternalId, string? PostExternalId,
    Guid? ConnectionId, Guid? PostId, Guid? TargetId, DateTimeOffset At, DateTimeOffset ReceivedAt);

/// <summary>A platform says a target's post is live: the target becomes published (reconciled), once. <c>Checks</c>: times it found the target still publishing.</summary>
public sealed record ConfirmPlatformPublication(Guid PostId, Guid TargetId, string ExternalId, string? ExternalUrl, int Checks = 0);

/// <summary>A platform gave up on a post whose outcome Nexus could not know: the unconfirmed target has failed.</summary>
public sealed record RecordPlatformPublicationFailure(Guid PostId, Guid TargetId, string Message);

/// <summary>Turns a delivery's effects into documents, events and messages, in the processing handler's transaction.</summary>
public static class WebhookEffects
{
    public static async Task<OutgoingMessages> ApplyAsync(PlatformWebhookDelivery delivery, IReadOnlyList<WebhookEffect> effects, IDocumentSession session,
        DateTimeOffset now, CancellationToken ct)
    {
        var messages = new OutgoingMessages();
        foreach (var effect in effects)
        {
            switch (effect)
            {
                case PublicationConfirmed confirmed:
                    foreach (var (post, target) in await TargetsAsync(session, confirmed.Platform, confirmed.TargetId, confirmed.ExternalId, ct))
                    {
                        // TikTok's publish_id stays the target's id until the public id comes: take the public one when given.
                        var externalId = confirmed.PublicId ?? target.ExternalId ?? confirmed.ExternalId ?? target.IdempotencyKey;
                        messages.Add(new ConfirmPlatformPublication(post.Id, target.Id, externalId, confirmed.Url ?? target.ExternalUrl));
                    }

                    break;
                case PublicationFailedAtPlatform failed:
                    foreach (var (post, target) in await TargetsAsync(session, failed.Platform, null, failed.ExternalId, ct))
                    {
                        messages.Add(new RecordPlatformPublicationFailure(post.Id, target.Id, failed.Reason));
                    }

                    break;
                case InteractionReceived interaction:
                    await RecordInteractionAsync(session, interaction, now, ct);
                    break;
                case AccessRemoved removed:
                    foreach (var connection in await ConnectionsAsync(session, removed.Platforms, removed.AccountExternalId, ct))
                    {
                        if (connection.Status == ConnectionStatus.Active)
                        {
                            session.Events.Append(connection.Id, new ConnectionNeedsReauth(connection.Id, removed.Reason, now, connection.TokenGeneration));
                            messages.Add(new NotifyConnectionNeedsReauth(connection.Id, connection.TokenGeneration));
                        }
                    }

                    break;
            }
        }

        return messages;
    }

    /// <summary>The connections (one per workspace that connected it) of a platform account.</summary>
    public static async Task<IReadOnlyList<Connection>> ConnectionsAsync(IQuerySession session, PlatformId[] platforms, string? externalId, CancellationToken ct) =>
        externalId is null ? [] : await session.Query<Connection>().Where(c => c.ExternalId == externalId && platforms.Contains(c.Platform)).ToListAsync(ct);

    private static async Task<IReadOnlyList<(Post Post, PostTarget Target)>> TargetsAsync(IQuerySession session, PlatformId platform, Guid? targetId, string? externalId, CancellationToken ct)
    {
        IReadOnlyList<Post> posts = targetId is { } id
            ? await session.Query<Post>().Where(p => p.Targets.Any(t => t.Id == id)).ToListAsync(ct)
            : externalId is not null
                ? await session.Query<Post>().Where(p => p.Platforms.Contains(platform) && p.Targets.Any(t => t.ExternalId == externalId)).ToListAsync(ct)
                : [];
        return [.. posts.SelectMany(p => p.Targets.Where(t => t.Platform == platform && (targetId is { } wanted ? t.Id == wanted : t.ExternalId == externalId)).Select(t => (p, t)))];
    }

    private static async Task RecordInteractionAsync(IDocumentSession session, InteractionReceived interaction, DateTimeOffset now, CancellationToken ct)
    {
        var connections = await ConnectionsAsync(session, interaction.Platforms, interaction.AccountExternalId, ct);
        var first = connections.Count > 0 ? connections[0] : null;
        var platform = first?.Platform ?? interaction.Platforms[0];
        (Guid PostId, Guid TargetId)? target = null;
        if (interaction.PostExternalId is { } postId)
        {
            var found = await TargetsAsync(session, platform, null, postId, ct);
            if (found.FirstOrDefault(f => connections.Any(c => c.Id == f.Target.ConnectionId)) is { Post: not null } match)
            {
                target = (match.Post.Id, match.Target.Id);
            }
        }

        var id = $"{platform.ToString().ToLowerInvariant()}:{interaction.Kind.ToString().ToLowerInvariant()}:{interaction.InteractionId}";
        if (await session.LoadAsync<PlatformInteraction>(id, ct) is null)
        {
            session.Store(new PlatformInteraction(id, platform, interaction.Kind, interaction.AccountExternalId, interaction.PostExternalId,
                first?.Id, target?.PostId, target?.TargetId, interaction.At == DateTimeOffset.UnixEpoch ? now : interaction.At, now));
        }
    }
}

public static class ConfirmPlatformPublicationHandler
{
    /// <summary>How often, and how far apart, a confirmation for a target still being published is looked at again.</summary>
    public const int MaxChecks = 10;

    public static readonly TimeSpan CheckAgainAfter = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Unconfirmed or failed, the target is on the platform after all: published, reconciled. Still publishing, its
    /// attempt is running or due and will hear the platform's answer itself (two writers would record the publication
    /// twice): the confirmation is looked at again later, in case that attempt ends unconfirmed. Already published:
    /// nothing (a confirmation repeats). Nothing here calls the platform, so there is never a second publication.
    /// </summary>
    public static (Events, OutgoingMessages) Handle(ConfirmPlatformPublication command, [WriteAggregate(Required = false)] Post? post, DateTimeOffset now) =>
        post?.Target(command.TargetId) switch
        {
            { Status: TargetStatus.Unconfirmed or TargetStatus.Failed } target =>
                ([new TargetPublished(post.Id, target.Id, Math.Max(1, Math.Max(target.Attempts, target.Settled)), command.ExternalId, command.ExternalUrl, Reconciled: true, now)], []),
            { Status: TargetStatus.Publishing } when command.Checks < MaxChecks =>
                ([], [(command with { Checks = command.Checks + 1 }).DelayedFor(CheckAgainAfter)]),
            _ => ([], []),
        };
}

public static class RecordPlatformPublicationFailureHandler
{
    /// <summary>Only an unconfirmed target: a publishing one has its own attempt running, which will hear the same answer.</summary>
    public static Events Handle(RecordPlatformPublicationFailure command, [WriteAggregate(Required = false)] Post? post, DateTimeOffset now) =>
        post?.Target(command.TargetId) is { Status: TargetStatus.Unconfirmed } target
            ? [new TargetPublishFailed(post.Id, target.Id, Math.Max(1, Math.Max(target.Attempts, target.Settled)), "PLATFORM_REJECTED", command.Message, Retryable: true, null, now)]
            : [];
}
