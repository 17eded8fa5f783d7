using Nexus.Api.Features.Billing;
using Nexus.Api.Features.Workspaces;

namespace Nexus.Api.Tests.Features.Billing;

public sealed class PlanRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
    private static readonly BillingOptions Billing = new();

    private static Workspace On(string plan, SubscriptionStatus status, DateTimeOffset since) =>
        Workspace.Create(new WorkspaceCreated(Guid.CreateVersion7(), "Acme", "UTC", Guid.CreateVersion7(), Now.AddYears(-1)))
            .Apply(new WorkspaceSubscriptionChanged(Guid.Empty, plan, status, BillingInterval.Month, null, null, false, "cus_1", "sub_1", since));

    [Fact]
    public void a_workspace_without_a_subscription_is_on_the_free_plan() =>
        Assert.Equal("free", Billing.EffectivePlan(Workspace.Create(new WorkspaceCreated(Guid.CreateVersion7(), "Acme", "UTC", Guid.CreateVersion7(), Now)), Now));

    [Theory]
    [InlineData(SubscriptionStatus.Trialing, 0, "starter")]
    [InlineData(SubscriptionStatus.Active, 0, "starter")]
    [InlineData(SubscriptionStatus.PastDue, 6, "starter")]
    [InlineData(SubscriptionStatus.PastDue, 7, "free")]
    [InlineData(SubscriptionStatus.Canceled, 0, "free")]
    [InlineData(SubscriptionStatus.Unpaid, 0, "free")]
    [InlineData(SubscriptionStatus.Incomplete, 0, "free")]
    [InlineData(SubscriptionStatus.Paused, 0, "free")]
    public void the_effective_plan_follows_the_subscription_status_and_the_past_due_grace(SubscriptionStatus status, int daysSince, string plan) =>
        Assert.Equal(plan, Billing.EffectivePlan(On("starter", status, Now.AddDays(-daysSince)), Now));

    [Fact]
    public void an_unknown_plan_counts_as_the_free_plan() =>
        Assert.Equal("free", Billing.EffectivePlan(On("platinum", SubscriptionStatus.Active, Now), Now));

    [Fact]
    public void the_past_due_grace_runs_from_when_the_status_became_past_due_not_from_the_latest_event()
    {
        var workspace = On("starter", SubscriptionStatus.PastDue, Now.AddDays(-8))
            .Apply(new WorkspaceSubscriptionChanged(Guid.Empty, "starter", SubscriptionStatus.PastDue, BillingInterval.Month, null, null, false, null, "sub_1", Now));
        Assert.Equal("free", Billing.EffectivePlan(workspace, Now));
    }

    [Theory]
    [InlineData("members", 3, "starter")]
    [InlineData("members", 5, "starter")]
    [InlineData("members", 6, "professional")]
    [InlineData("members", 51, "enterprise")]
    [InlineData("webhooks", 1, "free")]
    public void the_plan_lifting_a_limit_is_the_cheapest_that_allows_what_is_needed(string limit, long needed, string plan) =>
        Assert.Equal(plan, Billing.PlanLifting(PlanLimit.All.Single(l => l.Name == limit).Of, needed));

    [Fact]
    public void no_plan_lifts_a_limit_every_plan_has()
    {
        var billing = new BillingOptions();
        billing.Plans.Remove("enterprise");
        Assert.Null(billing.PlanLifting(l => l.Members, 1_000));
    }

    [Fact]
    public void the_error_names_the_limit_the_usage_the_plan_and_the_plan_that_lifts_it()
    {
        var error = PlanGate.Refuses(Billing, On("free", SubscriptionStatus.Active, Now), Now, PlanLimit.ConnectedAccounts, 1, 3);
        Assert.Equal(("PLAN_LIMIT", "connectedAccounts", 3L, 3L, "free", "starter"), (error!.Code, error.Limit, error.Usage, error.Max, error.Plan, error.LiftedBy));
        Assert.Null(PlanGate.Refuses(Billing, On("free", SubscriptionStatus.Active, Now), Now, PlanLimit.ConnectedAccounts, 1, 2));
        Assert.Null(PlanGate.Refuses(Billing, On("enterprise", SubscriptionStatus.Active, Now), Now, PlanLimit.ConnectedAccounts, 1, 10_000));
    }

    [Fact]
    public void a_month_is_the_calendar_month_of_the_workspace_time_zone()
    {
        // 23:30 UTC on 31 January is already February in Berlin.
        var (start, end) = PlanUsage.MonthOf(new DateTimeOffset(2027, 1, 31, 23, 30, 0, TimeSpan.Zero), "Europe/Berlin");
        Assert.Equal(new DateTimeOffset(2027, 2, 1, 0, 0, 0, TimeSpan.FromHours(1)), start);
        Assert.Equal(new DateTimeOffset(2027, 3, 1, 0, 0, 0, TimeSpan.FromHours(1)), end);
    }
}
