using GraphQL;
using Marten;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Analytics.Syncing;
using Nexus.Api.Features.Billing;
using Nexus.Api.Features.Posts;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.Infrastructure;
using Nexus.Api.Infrastructure.Identity;

namespace Nexus.Api.Features.Analytics.RefreshingMetrics;

using RefreshMetricsOutcome = Outcome<Guid, PostNotFoundError, NothingPublishedError, RefreshTooSoonError, MetricsUnavailableError, PlanLimitError>;

/// <summary>Reads a post's metrics from its platforms now, rather than at the next step of the schedule.</summary>
public sealed record RefreshMetrics(Guid PostId);

public sealed record NothingPublishedError()
    : MutationError("INVALID_STATE", "No target of this post is published yet: there are no metrics to read.", ["input", "postId"]);

/// <summary>One read per post per cooldown: a button pressed again and again must not spend the account's platform quota.</summary>
public sealed record RefreshTooSoonError(DateTimeOffset RetryAt)
    : MutationError("RATE_LIMITED", $"This post's metrics were read moments ago; try again after {RetryAt:yyyy-MM-ddTHH:mm:ssZ}.", ["input", "postId"]);

/// <summary>A platform did not give its figures; what the others gave is stored, and the schedule goes on.</summary>
public sealed record MetricsUnavailableError(string Message) : MutationError("METRICS_UNAVAILABLE", Message, ["input", "postId"]);

// It waits on the platforms: no transaction is held open across their calls.
[OutsideTheTransaction]
public static class RefreshMetricsHandler
{
    public static async Task<RefreshMetricsOutcome> Handle(RefreshMetrics command, IQuerySession session, MetricsSync sync, IOptions<BillingOptions> billing, DateTimeOffset now,
        CancellationToken ct)
    {
        if (await session.LoadAsync<Post>(command.PostId, ct) is not { } post)
        {
            return new PostNotFoundError();
        }

        var published = post.Targets.Where(t => t is { Status: TargetStatus.Published, ExternalId: not null }).ToList();
        if (published.Count == 0)
        {
            return new NothingPublishedError();
        }

        // The figures of a post published before the plan's analytics history are history (Post.metrics refuses them):
        // reading them again would only spend the account's platform quota, and announce them in metrics.updated.
        if (published.Min(t => t.PublishedAt) is { } first && await session.LoadAsync<Workspace>(post.WorkspaceId, ct) is { } workspace
            && AnalyticsHistory.Refusal(billing.Value, workspace, first, now, ["input", "postId"]) is { } full)
        {
            return full;
        }

        if (await sync.TryStartRefreshAsync(post.Id, ct) is { } retryAt)
        {
            return new RefreshTooSoonError(retryAt);
        }

        var result = await sync.RefreshPostAsync(post, ct);
        return result.Failures.Count > 0 ? new MetricsUnavailableError(string.Join(" ", result.Failures)) : post.Id;
    }
}

public sealed record RefreshMetricsInput([property: Id] string PostId) : IPostInput;

public sealed class RefreshMetricsMutation() : Mutation<RefreshMetricsInput, RefreshMetrics, Guid>("refreshMetrics",
    "Reads a published post's metrics from its platforms now (at most once per post every few minutes: RATE_LIMITED says when to try again). " +
    "Answers the post, whose `metrics` and targets' `metrics` show the new reading.",
    PostAccess.Needs(Role.Viewer).Scope(AppScope.AnalyticsRead), PostPayloads.Post, (input, caller) => new(caller.PostId()));
