using Marten;
using Nexus.Api.Features.Billing;
using Nexus.Api.Features.Connections;
using Nexus.Api.Features.Workspaces;

namespace Nexus.Api.Features.Posts;

/// <summary>What the plan says about a post about to be scheduled, moved or published now: null <see cref="Refusal"/> when it may be.</summary>
public sealed record PlanRoom(PlanLimitError? Refusal);

/// <summary>
/// The plan's limits on scheduling, checked under the workspace's plan lock (<see cref="PlanGate"/>) held until the
/// schedule commits: the scheduled posts of the month the post is scheduled in (a calendar month of the workspace's time
/// zone), and, after a downgrade, the connections beyond the connected-accounts limit (the newest first), which publish
/// nothing new until the workspace is back under it.
/// </summary>
public static class PostPlanLimits
{
    public static async Task<PlanRoom> CheckAsync(IDocumentSession session, BillingOptions billing, Post? post, DateTimeOffset? at, DateTimeOffset now, CancellationToken ct)
    {
        if (post is null || at is not { } instant)
        {
            return new(null);
        }

        await PlanGate.LockAsync(session, post.WorkspaceId, ct);
        if (await session.LoadAsync<Workspace>(post.WorkspaceId, ct) is not { } workspace)
        {
            return new(null);
        }

        if (PlanGate.MaxOf(billing, workspace, now, PlanLimit.ConnectedAccounts) is { } maxAccounts)
        {
            var live = await session.Query<Connection>().Where(c => c.WorkspaceId == post.WorkspaceId && c.Status != ConnectionStatus.Disconnected)
                .OrderBy(c => c.ConnectedAt).ThenBy(c => c.Id).Select(c => c.Id).ToListAsync(ct);
            if (live.Count > maxAccounts && live.Skip((int)maxAccounts).Intersect(post.Targets.Select(t => t.ConnectionId)).Any())
            {
                return new(PlanGate.Error(billing, billing.EffectivePlan(workspace, now), PlanLimit.ConnectedAccounts, live.Count, maxAccounts, live.Count, ["input", "postId"]));
            }
        }

        var month = PlanUsage.MonthOf(instant, workspace.TimeZone);
        // Moving a post within the month it is already counted in adds nothing.
        var counted = post.Status is not (PostStatus.Draft or PostStatus.Cancelled) && post.ScheduledAt >= month.Start && post.ScheduledAt < month.End ? 1 : 0;
        return new(await PlanGate.RefusesAsync(billing, workspace, now, PlanLimit.ScheduledPostsPerMonth, 1 - counted,
            async () => await PlanUsage.ScheduledPostsAsync(session, post.WorkspaceId, month, ct) - counted));
    }
}
