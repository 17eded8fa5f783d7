using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Analytics.Export;
using Nexus.Api.Features.Posts;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Media;
using Nexus.Api.Tests.Features.Posts;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Billing;

/// <summary>
/// Every analytics read that reaches back in time, on the free plan (30 days of history): further back is refused with
/// PLAN_LIMIT naming analyticsHistoryDays, the days asked and the plan that keeps them; within the window it answers.
/// </summary>
public sealed class AnalyticsHistoryLimitTests(PlansFixture api) : IClassFixture<PlansFixture>
{
    private static readonly (string, long, long, string, string) FortyDays = ("analyticsHistoryDays", 40L, 30L, "free", "starter");

    /// <summary>An hour short of <paramref name="days"/> days before now: the server's now, a moment later, asks exactly that many (rounded up).</summary>
    private static DateTimeOffset DaysBack(int days) => DateTimeOffset.UtcNow.AddDays(-days).AddHours(1);

    [Fact]
    public async Task the_previous_period_of_workspace_analytics_is_history_too()
    {
        var (owner, workspace) = await api.Host.SubscribedAsync("free");
        var now = DateTimeOffset.UtcNow;
        var query = "query ($id: ID!, $from: DateTime!, $to: DateTime!) { workspace(id: $id) { analytics(from: $from, to: $to) { totals { postsPublished } SELECTION } } }";
        // Twenty days back, so the period of equal length before reaches forty.
        var variables = new { id = workspace, from = now.AddDays(-20).AddHours(1).ToString("O"), to = now.ToString("O") };

        var withoutPrevious = await api.Host.AsAsync(owner, query.Replace("SELECTION", "", StringComparison.Ordinal), variables);
        var withPrevious = await api.Host.AsAsync(owner, query.Replace("SELECTION", "previous { postsPublished }", StringComparison.Ordinal), variables);

        Assert.True(withoutPrevious.Errors.Length == 0, withoutPrevious.Body.ToString());
        Assert.Equal(FortyDays, PlanScenarios.TopLevelPlanError(withPrevious));
    }

    [Fact]
    public async Task a_connections_audience_further_back_than_the_plan_keeps_is_refused()
    {
        var (owner, workspace) = await api.Host.SubscribedAsync("free");
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        const string query = "query ($id: ID!, $from: DateTime!, $to: DateTime!) { node(id: $id) { ... on Connection { audience(from: $from, to: $to) { date followers } } } }";

        var refused = await api.Host.AsAsync(owner, query, new { id = connection, from = DaysBack(40).ToString("O"), to = DateTimeOffset.UtcNow.ToString("O") });
        var within = await api.Host.AsAsync(owner, query, new { id = connection, from = DaysBack(10).ToString("O"), to = DateTimeOffset.UtcNow.ToString("O") });

        Assert.Equal(FortyDays, PlanScenarios.TopLevelPlanError(refused));
        Assert.True(within.Errors.Length == 0, within.Body.ToString());
    }

    [Fact]
    public async Task best_times_and_the_schedule_suggested_from_them_look_back_no_further_than_the_plan_keeps()
    {
        var (owner, workspace) = await api.Host.SubscribedAsync("free");
        const string query = "query ($id: ID!, $weeks: Int) { workspace(id: $id) { bestTimes(weeks: $weeks) { weeks postsAnalysed } } }";

        // The default, 12 weeks, is 84 days.
        var refused = await api.Host.AsAsync(owner, query, new { id = workspace, weeks = (int?)null });
        var within = await api.Host.AsAsync(owner, query, new { id = workspace, weeks = 4 });
        var suggestionRefused = await api.Host.MutateAsync(owner, "suggestPostingSchedule", "SuggestPostingScheduleInput", new { workspaceId = workspace, weeks = 12 },
            "suggestion { postsAnalysed } " + PlanScenarios.PlanErrorSelection);
        var suggested = await api.Host.MutateAsync(owner, "suggestPostingSchedule", "SuggestPostingScheduleInput", new { workspaceId = workspace, weeks = 4 },
            "suggestion { postsAnalysed } " + PlanScenarios.PlanErrorSelection);

        Assert.Equal(("analyticsHistoryDays", 84L, 30L, "free", "starter"), PlanScenarios.TopLevelPlanError(refused));
        Assert.True(within.Errors.Length == 0, within.Body.ToString());
        Assert.Equal(("analyticsHistoryDays", 84L, 30L, "free", "starter"), PlanScenarios.PlanError(suggestionRefused));
        Assert.Equal(JsonValueKind.Null, suggestionRefused.GetProperty("suggestion").ValueKind);
        Assert.True(suggested.GetProperty("errors").GetArrayLength() == 0, suggested.ToString());
    }

    /// <summary>A post whose one target was published at <paramref name="at"/>, as publishing records it (its events appended to its stream).</summary>
    private async Task<string> PublishedAtAsync(Person owner, string workspace, string connection, DateTimeOffset at)
    {
        var post = await api.Host.DraftAsync(owner, workspace, $"published {at:O}", connection);
        var id = Ids.Of(post);
        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().LightweightSession();
        var target = (await session.LoadAsync<Post>(id))!.Targets.Single();
        session.Events.Append(id, new PostPublicationStarted(id, true, null, at), new TargetPublished(id, target.Id, 1, $"ext-{id:N}", null, false, at));
        await session.SaveChangesAsync();
        return post;
    }

    [Fact]
    public async Task the_metrics_of_a_post_published_before_the_window_are_refused_and_a_recent_ones_answer()
    {
        var (owner, workspace) = await api.Host.SubscribedAsync("free");
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var old = await PublishedAtAsync(owner, workspace, connection, DaysBack(40));
        var recent = await PublishedAtAsync(owner, workspace, connection, DaysBack(5));
        const string query = "query ($id: ID!) { post(id: $id) { id metrics { likes } targets { id metrics { latest { likes } } } } }";

        var refused = await api.Host.AsAsync(owner, query, new { id = old });
        var answered = await api.Host.AsAsync(owner, query, new { id = recent });

        // One error per field: the post's sum and its target's metrics.
        Assert.Equal(2, refused.Errors.Length);
        Assert.All(refused.Errors, e =>
        {
            var data = e.GetProperty("extensions").GetProperty("data");
            Assert.Equal(("PLAN_LIMIT", "analyticsHistoryDays", 40L, "starter"), (e.GetProperty("extensions").GetProperty("code").GetString(), data.GetProperty("limit").GetString(),
                data.GetProperty("usage").GetInt64(), data.GetProperty("liftedBy").GetString()));
        });
        Assert.Equal(["post.metrics", "post.targets.0.metrics"], refused.Errors.Select(e => string.Join('.', e.GetProperty("path").EnumerateArray().Select(p => p.ToString()))).Order());
        Assert.True(answered.Errors.Length == 0, answered.Body.ToString());
        Assert.Equal(JsonValueKind.Object, answered.Data.GetProperty("post").GetProperty("targets")[0].GetProperty("metrics").ValueKind);
    }

    [Fact]
    public async Task refreshing_the_metrics_of_a_post_published_before_the_window_is_refused()
    {
        var (owner, workspace) = await api.Host.SubscribedAsync("free");
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var old = await PublishedAtAsync(owner, workspace, connection, DaysBack(40));
        var recent = await PublishedAtAsync(owner, workspace, connection, DaysBack(5));

        var refused = await api.Host.MutateAsync(owner, "refreshMetrics", "RefreshMetricsInput", new { postId = old }, "post { id } " + PlanScenarios.PlanErrorSelection);
        var read = await api.Host.MutateAsync(owner, "refreshMetrics", "RefreshMetricsInput", new { postId = recent }, "post { id } " + PlanScenarios.PlanErrorSelection);

        Assert.Equal(FortyDays, PlanScenarios.PlanError(refused));
        // Whatever the platform answers about it, the plan lets it be read.
        Assert.DoesNotContain(read.GetProperty("errors").EnumerateArray(), e => e.GetProperty("code").GetString() == "PLAN_LIMIT");
    }

    [Fact]
    public async Task the_csv_export_further_back_than_the_plan_keeps_answers_403_plan_limit()
    {
        var (owner, workspace) = await api.Host.SubscribedAsync("free");

        async Task<(HttpStatusCode Status, string Body)> ExportAsync(DateTimeOffset from)
        {
            using var client = api.Host.Server.CreateClient();
            using var request = new HttpRequestMessage(HttpMethod.Get,
                $"{AnalyticsExport.Path}?workspaceId={Uri.EscapeDataString(workspace)}&from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(DateTimeOffset.UtcNow.ToString("O"))}");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", owner.Token);
            using var response = await client.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        var refused = await ExportAsync(DaysBack(40));
        var within = await ExportAsync(DaysBack(10));

        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Equal(FortyDays, PlanScenarios.HttpPlanError(JsonDocument.Parse(refused.Body).RootElement));
        Assert.Equal(HttpStatusCode.OK, within.Status);
        Assert.Contains("post_id,target_id,", within.Body, StringComparison.Ordinal);
    }
}
