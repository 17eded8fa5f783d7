using System.Text.Json;
using Nexus.Api.Features.Billing;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Posts;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Billing;

/// <summary>
/// Scheduled posts per month on every path that puts a post in a month (the free plan allows 2 here): schedulePost and
/// addPostToQueue are in <see cref="PlanLimitTests"/>; these are reschedulePost and publishPostNow.
/// </summary>
public sealed class ScheduledPostLimitTests(PlansFixture api) : IClassFixture<PlansFixture>
{
    private static readonly DateTimeOffset March = new(2099, 3, 10, 9, 0, 0, TimeSpan.Zero);

    private async Task<string> ScheduledAsync(Person owner, string workspace, string connection, DateTimeOffset at)
    {
        var post = await api.Host.DraftAsync(owner, workspace, $"at {at:O}", connection);
        var scheduled = await api.Host.ScheduleAsync(owner, post, at);
        Assert.True(scheduled.GetProperty("errors").GetArrayLength() == 0, scheduled.ToString());
        return post;
    }

    private Task<JsonElement> RescheduleAsync(Person owner, string post, DateTimeOffset at) =>
        api.Host.MutateAsync(owner, "reschedulePost", "ReschedulePostInput", new { postId = post, at = at.ToString("O") }, "post { id scheduledAt } " + PlanScenarios.PlanErrorSelection);

    private Task<JsonElement> PublishNowAsync(Person owner, string post) =>
        api.Host.MutateAsync(owner, "publishPostNow", "PublishPostNowInput", new { postId = post }, "post { id status } " + PlanScenarios.PlanErrorSelection);

    private static int Errors(JsonElement payload) => payload.GetProperty("errors").GetArrayLength();

    [Fact]
    public async Task rescheduling_into_a_full_month_is_refused_and_moving_within_a_month_is_not()
    {
        var (owner, workspace) = await api.Host.SubscribedAsync("free");
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var first = await ScheduledAsync(owner, workspace, connection, March);
        await ScheduledAsync(owner, workspace, connection, March.AddDays(1));
        var april = await ScheduledAsync(owner, workspace, connection, March.AddMonths(1));

        var refused = await RescheduleAsync(owner, april, March.AddDays(2));

        Assert.Equal(("scheduledPostsPerMonth", 2L, 2L, "free", "starter"), PlanScenarios.PlanError(refused));
        Assert.Equal(March.AddMonths(1), DateTimeOffset.Parse((await api.Host.PostAsync(owner, april)).GetProperty("scheduledAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        // Within its month a post is already counted: moving it adds nothing, in a full month as in any.
        Assert.Equal(0, Errors(await RescheduleAsync(owner, first, March.AddDays(5))));
        Assert.Equal(0, Errors(await RescheduleAsync(owner, april, March.AddMonths(1).AddDays(3))));
    }

    [Fact]
    public async Task parallel_reschedules_into_one_month_let_exactly_the_limit_in()
    {
        var (owner, workspace) = await api.Host.SubscribedAsync("free");
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var posts = new List<string>();
        for (var month = 0; month < 6; month++)
        {
            posts.Add(await ScheduledAsync(owner, workspace, connection, March.AddMonths(month)));
        }

        var november = March.AddMonths(8);
        var payloads = await Task.WhenAll(posts.Select((post, n) => RescheduleAsync(owner, post, november.AddHours(n))));

        Assert.Equal(2, payloads.Count(p => Errors(p) == 0));
        Assert.All(payloads.Where(p => Errors(p) > 0), p => Assert.Equal(("scheduledPostsPerMonth", 2L, 2L, "free", "starter"), PlanScenarios.PlanError(p)));
    }

    [Fact]
    public async Task publishing_now_counts_in_the_current_month_of_the_workspaces_zone()
    {
        var (owner, workspace) = await api.Host.SubscribedAsync("free");
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var now = DateTimeOffset.UtcNow;
        // CreateWorkspaceAsync's zone.
        var (_, end) = PlanUsage.MonthOf(now, "Europe/Berlin");
        var inThisMonth = await ScheduledAsync(owner, workspace, connection, now + (end - now) / 2);
        await ScheduledAsync(owner, workspace, connection, now + (end - now) * 3 / 4);
        var nextMonth = await ScheduledAsync(owner, workspace, connection, end.AddDays(3));
        var draft = await api.Host.DraftAsync(owner, workspace, "a draft published now", connection);

        var draftRefused = await PublishNowAsync(owner, draft);
        var nextMonthRefused = await PublishNowAsync(owner, nextMonth);

        Assert.Equal(("scheduledPostsPerMonth", 2L, 2L, "free", "starter"), PlanScenarios.PlanError(draftRefused));
        Assert.Equal(("scheduledPostsPerMonth", 2L, 2L, "free", "starter"), PlanScenarios.PlanError(nextMonthRefused));
        Assert.Equal("DRAFT", (await api.Host.PostAsync(owner, draft)).GetProperty("status").GetString());
        Assert.Equal("SCHEDULED", (await api.Host.PostAsync(owner, nextMonth)).GetProperty("status").GetString());
        // Already counted in this month: publishing it now adds nothing.
        var published = await PublishNowAsync(owner, inThisMonth);
        Assert.True(Errors(published) == 0, published.ToString());
    }
}
