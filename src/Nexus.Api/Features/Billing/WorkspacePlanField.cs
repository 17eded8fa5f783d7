using GraphQL.Types;
using Marten;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Scalars;
using Npgsql;

namespace Nexus.Api.Features.Billing;

/// <summary>One limit of the workspace's plan against what the workspace uses of it.</summary>
public sealed record PlanLimitUsage(string Limit, long Usage, long? Max)
{
    public bool OverLimit => Max is { } max && Usage > max;
}

/// <summary>The workspace's effective plan, its subscription's status and each limit's usage.</summary>
public sealed record WorkspacePlan(string Id, string Name, SubscriptionStatus Status, DateTimeOffset? RenewsAt, IReadOnlyList<PlanLimitUsage> Limits);

/// <summary><c>Workspace.plan</c>: any member may see the plan and the usage; first-party only (apps have no billing scope).</summary>
public sealed class WorkspacePlanField : ITypeExtension<WorkspaceType>
{
    public void Extend(WorkspaceType type) =>
        type.Field<NonNullGraphType<WorkspacePlanType>, WorkspacePlan>("plan")
            .Description("The plan the workspace is on (its subscription's while trialing, active or past due within the grace period; else the free plan) and, for each limit, its usage.")
            .RequireWorkspaceRole(Role.Viewer, ctx => ((Workspace)ctx.Source!).Id)
            .FirstPartyOnly()
            .ResolveAsync(async ctx => await WorkspacePlans.OfAsync(ctx.Source, ctx.RequestServices!, ctx.CancellationToken));
}

public static class WorkspacePlans
{
    public static async Task<WorkspacePlan> OfAsync(Workspace workspace, IServiceProvider services, CancellationToken ct)
    {
        var billing = services.GetRequiredService<IOptions<BillingOptions>>().Value;
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var id = billing.EffectivePlan(workspace, now);
        var plan = billing.Plan(id);
        var session = services.GetRequiredService<IQuerySession>();
        await using var connection = await services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync(ct);
        var usage = new Dictionary<PlanLimit, long>
        {
            [PlanLimit.ConnectedAccounts] = await PlanUsage.ConnectedAccountsAsync(session, workspace.Id, ct),
            [PlanLimit.Members] = workspace.Members.Count,
            [PlanLimit.ScheduledPostsPerMonth] = await PlanUsage.ScheduledPostsAsync(session, workspace.Id, PlanUsage.MonthOf(now, workspace.TimeZone), ct),
            [PlanLimit.MediaStorageBytes] = await PlanUsage.MediaBytesAsync(session, workspace.Id, ct),
            // Nothing consumes AI tokens yet.
            [PlanLimit.AiTokensPerMonth] = 0,
            // Not a quantity used but a window: what the workspace sees is the window itself.
            [PlanLimit.AnalyticsHistoryDays] = plan.Limits.AnalyticsHistoryDays ?? 0,
            [PlanLimit.Webhooks] = await PlanUsage.WebhooksAsync(connection, workspace.Id, ct),
        };
        return new WorkspacePlan(id, plan.Name, workspace.Subscription?.Status ?? SubscriptionStatus.None, RenewsAt(workspace.Subscription),
            [.. PlanLimit.All.Select(limit => new PlanLimitUsage(limit.Name, usage[limit], limit.Of(plan.Limits)))]);
    }

    /// <summary>The end of the paid (or trial) period a live subscription renews at; none once it is set to end there.</summary>
    private static DateTimeOffset? RenewsAt(WorkspaceSubscription? subscription) =>
        subscription is { CancelAtPeriodEnd: false, Status: SubscriptionStatus.Trialing or SubscriptionStatus.Active or SubscriptionStatus.PastDue }
            ? subscription.CurrentPeriodEnd ?? subscription.TrialEnd
            : null;
}

public sealed class SubscriptionStatusType : EnumerationGraphType<SubscriptionStatus>
{
    public SubscriptionStatusType()
    {
        Name = "SubscriptionStatus";
        Description = "The subscription's state, as Stripe names it; NONE before any checkout.";
    }
}

public sealed class WorkspacePlanType : ObjectGraphType<WorkspacePlan>
{
    public WorkspacePlanType()
    {
        Name = "WorkspacePlan";
        Description = "The plan a workspace is on and what it uses of each limit.";
        Field<NonNullGraphType<StringGraphType>, string>("id").Description("The plan's id in configuration, e.g. free or starter.").Resolve(ctx => ctx.Source.Id);
        Field<NonNullGraphType<StringGraphType>, string>("name").Resolve(ctx => ctx.Source.Name);
        Field<NonNullGraphType<SubscriptionStatusType>, SubscriptionStatus>("status")
            .Description("The subscription's status; NONE when the workspace never subscribed.").Resolve(ctx => ctx.Source.Status);
        Field<DateTimeScalar, DateTimeOffset?>("renewsAt")
            .Description("When a trialing, active or past-due subscription renews (the end of its current period); null without one, or once it is set to cancel at that end.")
            .Resolve(ctx => ctx.Source.RenewsAt);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<PlanLimitUsageType>>>, IReadOnlyList<PlanLimitUsage>>("limits")
            .Description("Each limit of the plan with the workspace's usage, in a fixed order.").Resolve(ctx => ctx.Source.Limits);
    }
}

public sealed class PlanLimitUsageType : ObjectGraphType<PlanLimitUsage>
{
    public PlanLimitUsageType()
    {
        Name = "PlanLimitUsage";
        Description = "A limit against its usage. scheduledPostsPerMonth counts the current calendar month in the workspace's time zone; " +
            "analyticsHistoryDays is a window (usage is the window itself); aiTokensPerMonth is 0 until something consumes tokens.";
        Field<NonNullGraphType<StringGraphType>, string>("name").Description("connectedAccounts, members, scheduledPostsPerMonth, mediaStorageBytes, aiTokensPerMonth, analyticsHistoryDays or webhooks.")
            .Resolve(ctx => ctx.Source.Limit);
        Field<LongGraphType, long?>("limit").Description("What the plan allows; null is unlimited.").Resolve(ctx => ctx.Source.Max);
        Field<NonNullGraphType<LongGraphType>, long>("used").Description("What the workspace uses of it now.").Resolve(ctx => ctx.Source.Usage);
        Field<NonNullGraphType<BooleanGraphType>, bool>("overLimit")
            .Description("Usage above the limit (after a downgrade): what is over it is read-only until the workspace is back under it.").Resolve(ctx => ctx.Source.OverLimit);
    }
}
