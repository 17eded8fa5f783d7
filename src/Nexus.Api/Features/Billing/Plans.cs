using System.ComponentModel;
using GraphQL.Types;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL.Errors;

namespace Nexus.Api.Features.Billing;

/// <summary>How often a subscription is billed.</summary>
public enum BillingInterval
{
    Month,
    Year,
}

/// <summary>A subscription's state, as Stripe names it (<c>subscription.status</c>); <see cref="None"/> before any checkout.</summary>
public enum SubscriptionStatus
{
    None,
    Incomplete,
    IncompleteExpired,
    Trialing,
    Active,
    PastDue,
    Canceled,
    Unpaid,
    Paused,
}

/// <summary>What a plan allows; null is no limit. Each is enforced where it is consumed.</summary>
public sealed class PlanLimits
{
    public int? ConnectedAccounts { get; set; }

    public int? Members { get; set; }

    public int? ScheduledPostsPerMonth { get; set; }

    public long? MediaStorageBytes { get; set; }

    public long? AiTokensPerMonth { get; set; }

    public int? AnalyticsHistoryDays { get; set; }

    public int? Webhooks { get; set; }
}

/// <summary>A plan: its rank among the plans (higher lifts more), limits, Stripe prices per interval and trial.</summary>
public sealed class PlanDefinition
{
    public string Name { get; set; } = "";

    public int Rank { get; set; }

    public PlanLimits Limits { get; set; } = new();

    /// <summary>Stripe Price ids (<c>price_…</c>) by interval; a plan without one cannot be bought through checkout.</summary>
    public Dictionary<BillingInterval, string> StripePrices { get; set; } = [];

    /// <summary>Days of trial a first subscription to this plan gets (0: none).</summary>
    public int TrialDays { get; set; }
}

/// <summary>
/// <c>Nexus:Billing</c>: the plans (configuration; the five tiers below are the defaults, each limit overridable, e.g.
/// <c>Nexus__Billing__Plans__starter__Limits__Members=5</c>), which plan a workspace without a subscription is on, and
/// how long a past-due subscription keeps its plan.
/// </summary>
public sealed class BillingOptions
{
    public const string Section = "Nexus:Billing";

    public Dictionary<string, PlanDefinition> Plans { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["free"] = Tier("Free", 0, 0, new() { ConnectedAccounts = 3, Members = 2, ScheduledPostsPerMonth = 30, MediaStorageBytes = 1L << 30, AiTokensPerMonth = 10_000, AnalyticsHistoryDays = 30, Webhooks = 1 }),
        ["starter"] = Tier("Starter", 1, 14, new() { ConnectedAccounts = 10, Members = 5, ScheduledPostsPerMonth = 300, MediaStorageBytes = 10L << 30, AiTokensPerMonth = 100_000, AnalyticsHistoryDays = 365, Webhooks = 5 }),
        ["professional"] = Tier("Professional", 2, 14, new() { ConnectedAccounts = 25, Members = 15, ScheduledPostsPerMonth = 2_000, MediaStorageBytes = 100L << 30, AiTokensPerMonth = 500_000, AnalyticsHistoryDays = 730, Webhooks = 20 }),
        ["business"] = Tier("Business", 3, 0, new() { ConnectedAccounts = 100, Members = 50, ScheduledPostsPerMonth = 10_000, MediaStorageBytes = 500L << 30, AiTokensPerMonth = 2_000_000, AnalyticsHistoryDays = 1_825, Webhooks = 50 }),
        ["enterprise"] = Tier("Enterprise", 4, 0, new()),
    };

    /// <summary>The plan of a workspace without a live subscription.</summary>
    public string FreePlan { get; set; } = "free";

    /// <summary>How long a past-due subscription keeps its plan while Stripe retries the payment.</summary>
    public TimeSpan PastDueGrace { get; set; } = TimeSpan.FromDays(7);

    private static PlanDefinition Tier(string name, int rank, int trialDays, PlanLimits limits) =>
        new() { Name = name, Rank = rank, TrialDays = trialDays, Limits = limits };

    public PlanDefinition Plan(string id) => Plans.TryGetValue(id, out var plan) ? plan : Plans[FreePlan];

    /// <summary>
    /// The plan <paramref name="workspace"/> is on at <paramref name="now"/>: its subscription's while trialing or active,
    /// or past due within <see cref="PastDueGrace"/>; else <see cref="FreePlan"/>.
    /// </summary>
    public string EffectivePlan(Workspace workspace, DateTimeOffset now) => workspace.Subscription switch
    {
        { Status: SubscriptionStatus.Trialing or SubscriptionStatus.Active } s when Plans.ContainsKey(s.Plan) => s.Plan,
        { Status: SubscriptionStatus.PastDue } s when Plans.ContainsKey(s.Plan) && now < s.StatusSince + PastDueGrace => s.Plan,
        _ => FreePlan,
    };

    /// <summary>The cheapest plan whose <paramref name="limit"/> allows <paramref name="needed"/>; null when none does.</summary>
    public string? PlanLifting(Func<PlanLimits, long?> limit, long needed) =>
        Plans.OrderBy(p => p.Value.Rank).FirstOrDefault(p => limit(p.Value.Limits) is not { } max || max >= needed).Key;
}

[Description("The workspace's subscription changed, as Stripe reported it: its plan, status, interval and period. Ids are Stripe's (customer, subscription); nothing about cards.")]
public sealed record WorkspaceSubscriptionChanged(
    Guid WorkspaceId,
    string Plan,
    SubscriptionStatus Status,
    BillingInterval? Interval,
    DateTimeOffset? CurrentPeriodEnd,
    DateTimeOffset? TrialEnd,
    bool CancelAtPeriodEnd,
    string? StripeCustomerId,
    string? StripeSubscriptionId,
    DateTimeOffset At) : Infrastructure.IDomainEvent;

/// <summary>A workspace's subscription as the last <see cref="WorkspaceSubscriptionChanged"/> left it; <see cref="StatusSince"/> is when its status last changed.</summary>
public sealed record WorkspaceSubscription(
    string Plan,
    SubscriptionStatus Status,
    BillingInterval? Interval,
    DateTimeOffset? CurrentPeriodEnd,
    DateTimeOffset? TrialEnd,
    bool CancelAtPeriodEnd,
    string? StripeCustomerId,
    string? StripeSubscriptionId,
    DateTimeOffset StatusSince)
{
    public static WorkspaceSubscription From(WorkspaceSubscriptionChanged e, WorkspaceSubscription? before) =>
        new(e.Plan, e.Status, e.Interval, e.CurrentPeriodEnd, e.TrialEnd, e.CancelAtPeriodEnd, e.StripeCustomerId ?? before?.StripeCustomerId,
            e.StripeSubscriptionId, before is { } b && b.Status == e.Status ? b.StatusSince : e.At);
}

/// <summary>
/// A change would take the workspace past a limit of its plan. Names the limit (<c>connectedAccounts</c>,
/// <c>members</c>, <c>scheduledPostsPerMonth</c>, <c>mediaStorageBytes</c>, <c>aiTokensPerMonth</c>,
/// <c>analyticsHistoryDays</c>, <c>webhooks</c>), the usage and the limit, the plan and the cheapest plan that lifts it.
/// </summary>
public sealed record PlanLimitError(string Message, IReadOnlyList<string> Path, string Limit, long Usage, long Max, string Plan, string? LiftedBy)
    : MutationError(ErrorCode, Message, Path), IErrorFields<PlanLimitError>
{
    public const string ErrorCode = "PLAN_LIMIT";

    public static void AddFields(ObjectGraphType<PlanLimitError> type)
    {
        type.Field<NonNullGraphType<StringGraphType>, string>("limit").Description("The limit reached, e.g. connectedAccounts.").Resolve(c => c.Source.Limit);
        type.Field<NonNullGraphType<LongGraphType>, long>("usage").Description("What the workspace uses of it now.").Resolve(c => c.Source.Usage);
        type.Field<NonNullGraphType<LongGraphType>, long>("max").Description("What its plan allows.").Resolve(c => c.Source.Max);
        type.Field<NonNullGraphType<StringGraphType>, string>("plan").Description("The workspace's plan.").Resolve(c => c.Source.Plan);
        type.Field<StringGraphType, string?>("liftedBy").Description("The cheapest plan that allows more; null when none does.").Resolve(c => c.Source.LiftedBy);
    }
}
