using System.Text.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Billing;
using Nexus.Api.Features.Media;
using Nexus.Api.Features.Media.Adding;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Media;
using Nexus.Api.Tests.Features.Posts;
using Nexus.Api.Tests.Features.Workspaces;

namespace Nexus.Api.Tests.Features.Billing;

/// <summary>Each limit where it is consumed, with workspaces subscribed the way Stripe's webhooks do it: WorkspaceSubscriptionChanged on the workspace stream.</summary>
public sealed class PlanLimitTests(PlansFixture api) : IClassFixture<PlansFixture>
{
    private static readonly string[] PublishedOnly = ["post.published"];

    private const string PlanSelection = "plan { id name status renewsAt limits { name limit used overLimit } }";

    private async Task SubscribeAsync(string workspace, string plan)
    {
        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().LightweightSession();
        var id = Ids.Of(workspace);
        session.Events.Append(id, new WorkspaceSubscriptionChanged(id, plan, SubscriptionStatus.Active, BillingInterval.Month, DateTimeOffset.UtcNow.AddMonths(1), null, false,
            "cus_test", "sub_test", DateTimeOffset.UtcNow));
        await session.SaveChangesAsync();
    }

    private async Task<(Person Owner, string Workspace)> SubscribedAsync(string plan)
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        await SubscribeAsync(workspace, plan);
        return (owner, workspace);
    }

    private async Task<JsonElement> PlanAsync(Person person, string workspace)
    {
        var response = await api.Host.AsAsync(person, $"query ($id: ID!) {{ workspace(id: $id) {{ {PlanSelection} }} }}", new { id = workspace });
        Assert.True(response.Errors.Length == 0, response.Body.ToString());
        return response.Data.GetProperty("workspace").GetProperty("plan");
    }

    private static JsonElement Limit(JsonElement plan, string name) =>
        plan.GetProperty("limits").EnumerateArray().Single(l => l.GetProperty("name").GetString() == name);

    private static JsonElement PlanError(JsonElement payload)
    {
        var error = Assert.Single(payload.GetProperty("errors").EnumerateArray());
        Assert.Equal("PLAN_LIMIT", error.GetProperty("code").GetString());
        return error;
    }

    private const string PlanErrorSelection = "errors { __typename ... on Error { code message path } ... on PlanLimitError { limit usage max plan liftedBy } }";

    private Task<JsonElement> CreateEndpointAsync(Person owner, string workspace, int n) =>
        api.Host.AsAsync(owner, $"mutation ($input: CreateWebhookEndpointInput!) {{ createWebhookEndpoint(input: $input) {{ secret {PlanErrorSelection} }} }}",
            new { input = new { workspaceId = workspace, url = $"http://127.0.0.1:9/plans/{n}", eventTypes = PublishedOnly } })
            .ContinueWith(r => r.Result.Data.GetProperty("createWebhookEndpoint"));

    [Fact]
    public async Task a_workspace_without_a_subscription_shows_the_free_plan_and_its_usage_to_any_member()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var viewer = await api.Host.PersonAsync("Viewer");
        await api.Host.AddMemberAsync(owner, workspace, viewer, "VIEWER");

        var plan = await PlanAsync(viewer, workspace);

        // The fixture of every test makes the plan of a workspace without subscription unlimited (enterprise).
        Assert.Equal(("enterprise", "NONE"), (plan.GetProperty("id").GetString(), plan.GetProperty("status").GetString()));
        Assert.Equal(["connectedAccounts", "members", "scheduledPostsPerMonth", "mediaStorageBytes", "aiTokensPerMonth", "analyticsHistoryDays", "webhooks"],
            plan.GetProperty("limits").EnumerateArray().Select(l => l.GetProperty("name").GetString()));
        Assert.Equal(2, Limit(plan, "members").GetProperty("used").GetInt64());
        Assert.Equal(JsonValueKind.Null, Limit(plan, "members").GetProperty("limit").ValueKind);
    }

    [Fact]
    public async Task workspace_plan_counts_usage_against_the_subscribed_plan()
    {
        var (owner, workspace) = await SubscribedAsync("free");
        await CreateEndpointAsync(owner, workspace, 1);

        var plan = await PlanAsync(owner, workspace);

        Assert.Equal(("free", "Free", "ACTIVE"), (plan.GetProperty("id").GetString(), plan.GetProperty("name").GetString(), plan.GetProperty("status").GetString()));
        Assert.Equal((1, 1, false), (Limit(plan, "webhooks").GetProperty("used").GetInt64(), Limit(plan, "webhooks").GetProperty("limit").GetInt64(),
            Limit(plan, "webhooks").GetProperty("overLimit").GetBoolean()));
        Assert.Equal((1, 2), (Limit(plan, "members").GetProperty("used").GetInt64(), Limit(plan, "members").GetProperty("limit").GetInt64()));
        Assert.Equal(0, Limit(plan, "aiTokensPerMonth").GetProperty("used").GetInt64());
        Assert.Equal(30, Limit(plan, "analyticsHistoryDays").GetProperty("limit").GetInt64());
    }

    [Fact]
    public async Task parallel_webhook_endpoint_creates_at_the_limit_let_exactly_the_limit_through()
    {
        var (owner, workspace) = await SubscribedAsync("starter");

        var payloads = await Task.WhenAll(Enumerable.Range(0, 12).Select(n => CreateEndpointAsync(owner, workspace, n)));

        var created = payloads.Count(p => p.GetProperty("errors").GetArrayLength() == 0);
        Assert.Equal(5, created);
        Assert.All(payloads.Where(p => p.GetProperty("errors").GetArrayLength() > 0), p =>
        {
            var error = PlanError(p);
            Assert.Equal(("webhooks", 5L, "starter", "professional"),
                (error.GetProperty("limit").GetString(), error.GetProperty("max").GetInt64(), error.GetProperty("plan").GetString(), error.GetProperty("liftedBy").GetString()));
        });
        Assert.Equal(5, Limit(await PlanAsync(owner, workspace), "webhooks").GetProperty("used").GetInt64());
    }

    [Fact]
    public async Task a_workspace_with_all_the_members_its_plan_allows_invites_no_one()
    {
        var (owner, workspace) = await SubscribedAsync("free");
        await api.Host.AddMemberAsync(owner, workspace, await api.Host.PersonAsync("Second"), "EDITOR");

        var refused = await api.Host.MutateAsync(owner, "inviteMember", "InviteMemberInput", new { workspaceId = workspace, email = "third@example.com", role = "VIEWER" },
            "workspace { id } " + PlanErrorSelection);

        Assert.Equal(("members", 2L), (PlanError(refused).GetProperty("limit").GetString(), PlanError(refused).GetProperty("usage").GetInt64()));
    }

    [Fact]
    public async Task an_invitation_sent_before_a_downgrade_cannot_be_accepted_past_the_limit()
    {
        var (owner, workspace) = await SubscribedAsync("starter");
        var second = await api.Host.PersonAsync("Second");
        var third = await api.Host.PersonAsync("Third");
        await api.Host.AddMemberAsync(owner, workspace, second, "EDITOR");
        var token = await api.Host.InviteAsync(owner, workspace, third.Email, "VIEWER");
        await SubscribeAsync(workspace, "free");

        var refused = await api.Host.AcceptAsync(third, token);

        Assert.Contains("members", PlanError(refused).GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, Limit(await PlanAsync(owner, workspace), "members").GetProperty("used").GetInt64());
    }

    [Fact]
    public async Task scheduling_past_the_posts_of_the_month_is_refused_and_another_month_has_its_own_count()
    {
        var (owner, workspace) = await SubscribedAsync("free");
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var month = new DateTimeOffset(2099, 3, 10, 9, 0, 0, TimeSpan.Zero);
        foreach (var day in new[] { 0, 1 })
        {
            var post = await api.Host.DraftAsync(owner, workspace, $"plan {day}", connection);
            Assert.Equal(0, (await api.Host.ScheduleAsync(owner, post, month.AddDays(day))).GetProperty("errors").GetArrayLength());
        }

        var third = await api.Host.DraftAsync(owner, workspace, "plan 3", connection);
        var refused = await api.Host.MutateAsync(owner, "schedulePost", "SchedulePostInput", new { postId = third, at = month.AddDays(2).ToString("O") }, "post { id } " + PlanErrorSelection);
        var error = PlanError(refused);
        Assert.Equal(("scheduledPostsPerMonth", 2L, 2L, "starter"),
            (error.GetProperty("limit").GetString(), error.GetProperty("usage").GetInt64(), error.GetProperty("max").GetInt64(), error.GetProperty("liftedBy").GetString()));

        Assert.Equal(0, (await api.Host.ScheduleAsync(owner, third, month.AddMonths(1))).GetProperty("errors").GetArrayLength());
    }

    [Fact]
    public async Task analytics_further_back_than_the_plan_keeps_is_refused_with_plan_limit()
    {
        var (owner, workspace) = await SubscribedAsync("free");

        var response = await api.Host.AsAsync(owner, "query ($id: ID!, $from: DateTime!, $to: DateTime!) { workspace(id: $id) { analytics(from: $from, to: $to) { totals { postsPublished } } } }",
            new { id = workspace, from = DateTimeOffset.UtcNow.AddDays(-40).ToString("O"), to = DateTimeOffset.UtcNow.ToString("O") });

        var error = Assert.Single(response.Errors);
        Assert.Contains("PLAN_LIMIT", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("analyticsHistoryDays", error.ToString(), StringComparison.Ordinal);
        var (limit, _, max, plan, liftedBy) = PlanScenarios.TopLevelPlanError(response);
        Assert.Equal(("analyticsHistoryDays", 30L, "free", "starter"), (limit, max, plan, liftedBy));
    }

    [Fact]
    public async Task media_past_the_plans_storage_is_refused_and_nothing_is_added()
    {
        var (owner, workspace) = await SubscribedAsync("free");
        await api.Host.AddMediaAsync(workspace, bytes: new byte[99_990]);
        var path = Path.Combine(Path.GetTempPath(), $"plans-{Guid.NewGuid():N}.png");
        await File.WriteAllBytesAsync(path, TestMedia.Image(64, 64, SkiaSharp.SKEncodedImageFormat.Png));
        try
        {
            var library = api.Host.Services.GetRequiredService<AddToLibrary>();

            var refused = await Assert.ThrowsAsync<MediaRejectedException>(() =>
                library.AddAsync(new NewMedia(Ids.Of(workspace), "logo.png", MediaOrigin.Upload, Guid.NewGuid()), path, CancellationToken.None));

            Assert.Equal(("PLAN_LIMIT", "mediaStorageBytes", 99_990L, 100_000L, "starter"),
                (refused.Code, refused.PlanLimit!.Limit, refused.PlanLimit.Usage, refused.PlanLimit.Max, refused.PlanLimit.LiftedBy));
            Assert.Equal(99_990, Limit(await PlanAsync(owner, workspace), "mediaStorageBytes").GetProperty("used").GetInt64());
        }
        finally
        {
            File.Delete(path);
        }
    }

    private async Task<(string Choice, string[] Pages)> ConsentToPagesAsync(Person owner, string workspace)
    {
        var result = await api.Host.ConsentAsync(await api.Host.StartSandboxAsync(owner, workspace), pages: true);
        Assert.Equal("choose", result.Outcome);
        var accounts = (await api.Host.AsAsync(owner, "query ($id: ID!) { accountChoice(id: $id) { accounts { externalId kind } } }", new { id = result.Choice }))
            .Data.GetProperty("accountChoice").GetProperty("accounts").EnumerateArray();
        return (result.Choice!, [.. accounts.Where(a => a.GetProperty("kind").GetString() == "PAGE").Select(a => a.GetProperty("externalId").GetString()!).Order()]);
    }

    private async Task<string> ConnectPageAsync(Person owner, string workspace, int page)
    {
        var (choice, pages) = await ConsentToPagesAsync(owner, workspace);
        var connected = await api.Host.MutateAsync(owner, "connectChosenAccounts", "ConnectChosenAccountsInput", new { choiceId = choice, externalIds = new[] { pages[page] } },
            "connections { id } " + PlanErrorSelection);
        return connected.GetProperty("connections")[0].GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task connecting_more_accounts_than_the_plan_allows_is_refused_and_connects_none()
    {
        var (owner, workspace) = await SubscribedAsync("free");
        var (choice, pages) = await ConsentToPagesAsync(owner, workspace);

        var refused = await api.Host.MutateAsync(owner, "connectChosenAccounts", "ConnectChosenAccountsInput", new { choiceId = choice, externalIds = pages },
            "connections { id } " + PlanErrorSelection);

        var error = PlanError(refused);
        Assert.Equal(("connectedAccounts", 0L, 1L, "starter"),
            (error.GetProperty("limit").GetString(), error.GetProperty("usage").GetInt64(), error.GetProperty("max").GetInt64(), error.GetProperty("liftedBy").GetString()));
        Assert.Equal(0, (await api.Host.ConnectionsAsync(owner, workspace)).GetArrayLength());
    }

    [Fact]
    public async Task after_a_downgrade_the_newest_accounts_beyond_the_limit_are_read_only_and_nothing_is_deleted()
    {
        var (owner, workspace) = await SubscribedAsync("starter");
        var older = await ConnectPageAsync(owner, workspace, 0);
        var newer = await ConnectPageAsync(owner, workspace, 1);
        await SubscribeAsync(workspace, "free");
        var at = new DateTimeOffset(2099, 5, 10, 9, 0, 0, TimeSpan.Zero);

        var onNewer = await api.Host.DraftAsync(owner, workspace, "on the newer", newer);
        var refused = await api.Host.MutateAsync(owner, "schedulePost", "SchedulePostInput", new { postId = onNewer, at = at.ToString("O") }, "post { id } " + PlanErrorSelection);
        var onOlder = await api.Host.DraftAsync(owner, workspace, "on the older", older);

        Assert.Equal(("connectedAccounts", 2L, 1L), (PlanError(refused).GetProperty("limit").GetString(), PlanError(refused).GetProperty("usage").GetInt64(), PlanError(refused).GetProperty("max").GetInt64()));
        Assert.Equal(0, (await api.Host.ScheduleAsync(owner, onOlder, at)).GetProperty("errors").GetArrayLength());
        Assert.Equal(2, (await api.Host.ConnectionsAsync(owner, workspace)).GetArrayLength());
        Assert.True(Limit(await PlanAsync(owner, workspace), "connectedAccounts").GetProperty("overLimit").GetBoolean());
    }
}
