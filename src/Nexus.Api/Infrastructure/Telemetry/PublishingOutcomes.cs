using JasperFx.Events;
using Marten;
using Marten.Services;
using Nexus.Api.Features.Posts;

namespace Nexus.Api.Infrastructure.Telemetry;

/// <summary>
/// Counts publishing outcomes from the events a commit wrote: a target's "published" or "failed" is counted once,
/// when the transaction that makes it true commits, on whichever node committed it. An answer whose recording lost a
/// race (a conflict, a crash) is counted by the delivery that finally records it, never twice.
/// </summary>
public sealed class PublishingOutcomes(NexusMetrics metrics, ILogger<PublishingOutcomes> logger) : DocumentSessionListenerBase
{
    public override async Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
    {
        if (!metrics.RecordsOutcomes)
        {
            return;
        }

        List<IEvent>? outcomes = null;
        foreach (var stream in commit.GetStreams())
        {
            foreach (var e in stream.Events)
            {
                if (e.Data is TargetPublished or TargetPublishFailed or TargetUnconfirmed)
                {
                    (outcomes ??= []).Add(e);
                }
            }
        }

        if (outcomes is null)
        {
            return;
        }

        try
        {
            // The target's platform and the post's due time: from the committed snapshot when the commit carries it.
            var posts = commit.Updated.Concat(commit.Inserted).OfType<Post>().GroupBy(p => p.Id).ToDictionary(g => g.Key, g => g.Last());
            var missing = outcomes.Select(e => e.StreamId).Where(id => !posts.ContainsKey(id)).Distinct().ToArray();
            if (missing.Length > 0)
            {
                // A session of its own: the committing one may belong to a finished transaction (Wolverine's outbox).
                await using var query = session.DocumentStore.QuerySession();
                foreach (var post in await query.LoadManyAsync<Post>(token, missing))
                {
                    posts[post.Id] = post;
                }
            }

            foreach (var e in outcomes)
            {
                Record(e.Data, posts.GetValueOrDefault(e.StreamId));
            }
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Counting publishing outcomes after a commit failed; the metrics miss them");
        }
    }

    private void Record(object outcome, Post? post)
    {
        switch (outcome)
        {
            case TargetPublished published when post?.Target(published.TargetId) is { } target:
                metrics.Published(NexusMetrics.PlatformTag(target.Platform), published.Reconciled, (published.At - post.ScheduledAt)?.TotalSeconds);
                break;
            case TargetPublishFailed failed when post?.Target(failed.TargetId) is { } target:
                metrics.Failed(NexusMetrics.PlatformTag(target.Platform), failed.Code, retried: failed.NextAttemptAt is not null);
                break;
            case TargetUnconfirmed unconfirmed when post?.Target(unconfirmed.TargetId) is { } target:
                metrics.Failed(NexusMetrics.PlatformTag(target.Platform), "UNCONFIRMED", retried: false);
                break;
        }
    }
}
