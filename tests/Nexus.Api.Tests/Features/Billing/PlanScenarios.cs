using System.Text.Json;
using Alba;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Billing;
using Nexus.Api.Tests.Features.Media;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Billing;

/// <summary>Workspaces on a plan the way Stripe's webhooks put them there (WorkspaceSubscriptionChanged), and the PLAN_LIMIT shapes asserted.</summary>
public static class PlanScenarios
{
    public const string PlanErrorSelection = "errors { __typename ... on Error { code message path } ... on PlanLimitError { limit usage max plan liftedBy } }";

    public static async Task SubscribeAsync(this IAlbaHost host, string workspace, string plan)
    {
        await using var session = host.Services.GetRequiredService<IDocumentStore>().LightweightSession();
        var id = Ids.Of(workspace);
        session.Events.Append(id, new WorkspaceSubscriptionChanged(id, plan, SubscriptionStatus.Active, BillingInterval.Month, DateTimeOffset.UtcNow.AddMonths(1), null, false,
            "cus_test", "sub_test", DateTimeOffset.UtcNow));
        await session.SaveChangesAsync();
    }

    public static async Task<(Person Owner, string Workspace)> SubscribedAsync(this IAlbaHost host, string plan)
    {
        var owner = await host.PersonAsync("Owner");
        var workspace = await host.CreateWorkspaceAsync(owner);
        await host.SubscribeAsync(workspace, plan);
        return (owner, workspace);
    }

    /// <summary>The payload's one error, a PlanLimitError: (limit, usage, max, plan, liftedBy).</summary>
    public static (string? Limit, long Usage, long Max, string? Plan, string? LiftedBy) PlanError(JsonElement payload)
    {
        var error = Assert.Single(payload.GetProperty("errors").EnumerateArray());
        Assert.Equal(("PlanLimitError", "PLAN_LIMIT"), (error.GetProperty("__typename").GetString(), error.GetProperty("code").GetString()));
        return (error.GetProperty("limit").GetString(), error.GetProperty("usage").GetInt64(), error.GetProperty("max").GetInt64(), error.GetProperty("plan").GetString(),
            error.GetProperty("liftedBy").GetString());
    }

    /// <summary>The response's one top-level error, PLAN_LIMIT with its fields in extensions.data: (limit, usage, max, plan, liftedBy).</summary>
    public static (string? Limit, long Usage, long Max, string? Plan, string? LiftedBy) TopLevelPlanError(GraphQLResponse response)
    {
        var error = Assert.Single(response.Errors);
        var extensions = error.GetProperty("extensions");
        Assert.Equal("PLAN_LIMIT", extensions.GetProperty("code").GetString());
        var data = extensions.GetProperty("data");
        return (data.GetProperty("limit").GetString(), data.GetProperty("usage").GetInt64(), data.GetProperty("max").GetInt64(), data.GetProperty("plan").GetString(),
            data.GetProperty("liftedBy").GetString());
    }

    /// <summary>A plain-HTTP PLAN_LIMIT body (uploads, the analytics export): (limit, usage, max, plan, liftedBy).</summary>
    public static (string? Limit, long Usage, long Max, string? Plan, string? LiftedBy) HttpPlanError(JsonElement body)
    {
        Assert.Equal("PLAN_LIMIT", body.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("message").GetString()));
        return (body.GetProperty("limit").GetString(), body.GetProperty("usage").GetInt64(), body.GetProperty("max").GetInt64(), body.GetProperty("plan").GetString(),
            body.GetProperty("liftedBy").GetString());
    }
}
