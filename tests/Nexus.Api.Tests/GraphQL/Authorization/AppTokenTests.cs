using System.Net;
using System.Net.Http.Headers;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Analytics.Export;
using Nexus.Api.Features.Posts;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Infrastructure.Identity;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Posts;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.GraphQL.Authorization;

/// <summary>App tokens through the real HTTP and WebSocket endpoints: scopes per field, and one workspace per token.</summary>
[Collection(ApiCollection.Name)]
public sealed class AppTokenTests(ApiFixture api)
{
    private const string PostQuery = "query ($id: ID!) { post(id: $id) { id text } }";

    [Fact]
    public async Task a_field_answers_an_app_holding_its_scope_and_refuses_one_without_it_naming_the_scope()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var post = await api.Host.DraftAsync(owner, workspace, "hello apps", await api.Host.ConnectSandboxAsync(owner, workspace));
        var app = await api.Host.RegisterConfidentialAppAsync(owner, workspace);

        var reader = await api.Host.PostGraphQLAsync(await api.Host.AppTokenAsync(app, AppScope.PostsRead), PostQuery, new { id = post });
        Assert.True(reader.Status == 200 && reader.Errors.Length == 0, reader.Body.ToString());
        Assert.Equal("hello apps", reader.Data.GetProperty("post").GetProperty("text").GetString());

        var refused = await api.Host.PostGraphQLAsync(await api.Host.AppTokenAsync(app, AppScope.AnalyticsRead, AppScope.PostsWrite), PostQuery, new { id = post });
        Assert.Equal(403, refused.Status);
        Assert.Equal(["FORBIDDEN"], refused.ErrorCodes);
        Assert.Contains("`posts:read`", refused.Errors[0].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("Bearer error=\"insufficient_scope\", scope=\"posts:read\"", refused.Raw.Headers.WwwAuthenticate.ToString());
        Assert.False(refused.Body.TryGetProperty("data", out _));

        // node(id) asks the scope of the id's type, before looking anything up.
        var node = await api.Host.PostGraphQLAsync(await api.Host.AppTokenAsync(app, AppScope.AnalyticsRead), "query ($id: ID!) { node(id: $id) { id } }", new { id = post });
        Assert.True(node.ErrorCodes is ["FORBIDDEN"], node.Body.ToString());
        Assert.Contains("`posts:read`", node.Errors[0].GetProperty("message").GetString(), StringComparison.Ordinal);
        var found = await api.Host.PostGraphQLAsync(await api.Host.AppTokenAsync(app, AppScope.PostsRead), "query ($id: ID!) { node(id: $id) { ... on Post { text } } }", new { id = post });
        Assert.Equal("hello apps", found.Data.GetProperty("node").GetProperty("text").GetString());

        // A nested field is checked like a root one: the post is readable, its metrics need analytics:read.
        var metrics = await api.Host.PostGraphQLAsync(await api.Host.AppTokenAsync(app, AppScope.PostsRead),
            "query ($id: ID!) { post(id: $id) { id metrics { likes } } }", new { id = post });
        Assert.Equal(403, metrics.Status);
        Assert.Contains("`analytics:read`", metrics.Errors[0].GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task first_party_fields_are_refused_to_an_app_whatever_its_scopes()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var app = await api.Host.AppAloneAsync(owner, workspace, [.. AppScope.All]);

        foreach (var (query, variables) in new (string, object?)[]
        {
            ("mutation ($input: RenameWorkspaceInput!) { renameWorkspace(input: $input) { errors { __typename } } }", new { input = new { workspaceId = workspace, name = "Taken over" } }),
            ("mutation ($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { errors { __typename } } }", new { input = new { name = "Mine", timeZone = "Europe/Berlin" } }),
            ("mutation ($input: StartConnectionInput!) { startConnection(input: $input) { errors { __typename } } }", new { input = new { workspaceId = workspace, platform = "SANDBOX" } }),
            ("query ($id: ID!) { workspace(id: $id) { members { edges { cursor } } } }", new { id = workspace }),
        })
        {
            var answer = await api.Host.PostGraphQLAsync(app.Token, query, variables);
            Assert.True(answer.Status == 403 && answer.ErrorCodes is ["FORBIDDEN"], answer.Body.ToString());
            Assert.Contains("not open to apps", answer.Errors[0].GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        var renamed = await api.Host.AsAsync(owner, "query ($id: ID!) { workspace(id: $id) { name } }", new { id = workspace });
        Assert.Equal("Acme", renamed.Data.GetProperty("workspace").GetProperty("name").GetString());
    }

    [Fact]
    public async Task an_app_reaches_its_own_workspace_and_nothing_of_another_one()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var (mine, theirs) = (await api.Host.CreateWorkspaceAsync(owner, "Mine"), await api.Host.CreateWorkspaceAsync(owner, "Theirs"));
        var theirConnection = await api.Host.ConnectSandboxAsync(owner, theirs);
        var theirPost = await api.Host.DraftAsync(owner, theirs, "not yours", theirConnection);
        var app = await api.Host.AppAloneAsync(owner, mine, [.. AppScope.All]);
        var outsider = await api.Host.PersonAsync("Outsider");

        var own = await api.Host.AsAsync(app, "query ($id: ID!) { workspace(id: $id) { name myRole } }", new { id = mine });
        Assert.True(own.Errors.Length == 0, own.Body.ToString());
        Assert.Equal("ADMIN", own.Data.GetProperty("workspace").GetProperty("myRole").GetString());

        // The same refusal, word for word, as a person who is no member gets: nothing tells the workspace exists.
        var asOutsider = await api.Host.AsAsync(outsider, "query ($id: ID!) { workspace(id: $id) { name } }", new { id = theirs });
        foreach (var (query, variables) in new (string, object)[]
        {
            ("query ($id: ID!) { workspace(id: $id) { name } }", new { id = theirs }),
            ("query ($id: ID!) { workspace(id: $id) { posts { edges { cursor } } } }", new { id = theirs }),
            (PostQuery, new { id = theirPost }),
            ("mutation ($input: DraftPostInput!) { draftPost(input: $input) { errors { __typename } } }",
                new { input = new { workspaceId = theirs, text = "sneaky", targets = new[] { new { connectionId = theirConnection } } } }),
            ("mutation ($input: CancelPostInput!) { cancelPost(input: $input) { errors { __typename } } }", new { input = new { postId = theirPost } }),
        })
        {
            var answer = await api.Host.AsAsync(app, query, variables);
            Assert.True(answer.ErrorCodes is ["FORBIDDEN"], $"{query}: {answer.Body}");
            Assert.Equal(asOutsider.Errors[0].GetProperty("message").GetString(), answer.Errors[0].GetProperty("message").GetString());
        }

        foreach (var id in new[] { theirs, theirPost, theirConnection })
        {
            var node = await api.Host.AsAsync(app, "query ($id: ID!) { node(id: $id) { id } }", new { id });
            Assert.True(node.Errors.Length == 0 && node.Data.GetProperty("node").ValueKind == System.Text.Json.JsonValueKind.Null, node.Body.ToString());
        }

        await using var socket = await GraphQLWebSocketClient.ConnectedAsync(api.Host, app.Token);
        await socket.SubscribeAsync("theirs", "subscription ($id: ID!) { postChanged(workspaceId: $id) { change } }", new { id = theirs });
        Assert.Equal(["FORBIDDEN"], await socket.ErrorCodesAsync("theirs"));
        await socket.SubscribeAsync("mine", "subscription ($id: ID!) { postChanged(workspaceId: $id) { change } }", new { id = mine });
        Assert.Empty(await socket.RoundTripAsync());
    }

    [Fact]
    public async Task a_subscription_over_websocket_needs_its_scope_too()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var app = await api.Host.AppAloneAsync(owner, workspace, AppScope.AnalyticsRead);

        await using var socket = await GraphQLWebSocketClient.ConnectedAsync(api.Host, app.Token);
        await socket.SubscribeAsync("posts", "subscription ($id: ID!) { postChanged(workspaceId: $id) { change } }", new { id = workspace });
        var error = await socket.ReceiveAsync("error", "posts");
        var refusal = Assert.Single(error.GetProperty("payload").EnumerateArray());
        Assert.Equal("FORBIDDEN", refusal.GetProperty("extensions").GetProperty("code").GetString());
        Assert.Contains("`posts:read`", refusal.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task an_app_acting_alone_drafts_and_schedules_a_post_as_itself()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var registered = await api.Host.RegisterConfidentialAppAsync(owner, workspace, AppScope.PostsRead, AppScope.PostsWrite);
        var app = new Person("", await api.Host.AppTokenAsync(registered, AppScope.PostsRead, AppScope.PostsWrite), "");

        var post = await api.Host.DraftAsync(app, workspace, "from the app", connection);
        var scheduled = await api.Host.ScheduleAsync(app, post, DateTimeOffset.UtcNow.AddDays(3));
        Assert.Equal(0, scheduled.GetProperty("errors").GetArrayLength());
        Assert.Equal("SCHEDULED", scheduled.GetProperty("post").GetProperty("status").GetString());

        // The events name the app where they name a person; GraphQL shows no user for it.
        Assert.True(GlobalId.TryParse(post, "Post", out var postId));
        await using (var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession())
        {
            var events = await session.Events.FetchStreamAsync(postId);
            Assert.Equal(AppTokens.AppIdOf(registered), Assert.IsType<PostDrafted>(events[0].Data).AuthorId);
            Assert.Equal(AppTokens.AppIdOf(registered), Assert.IsType<PostScheduled>(events[1].Data).ByUserId);
        }

        var seen = await api.Host.AsAsync(owner, "query ($id: ID!) { post(id: $id) { status author { id } history { edges { node { event } } } } }", new { id = post });
        Assert.True(seen.Errors.Length == 0, seen.Body.ToString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, seen.Data.GetProperty("post").GetProperty("author").ValueKind);

        // ADMIN at most, and never a person: `me` is null, and OWNER-only or first-party fields stay closed.
        var me = await api.Host.AsAsync(app, "{ me { id } }");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, me.Data.GetProperty("me").ValueKind);
    }

    [Fact]
    public async Task a_persons_app_token_acts_with_that_persons_role_in_the_bound_workspace_only()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var viewer = await api.Host.PersonAsync("Viewer");
        var (bound, other) = (await api.Host.CreateWorkspaceAsync(owner, "Bound"), await api.Host.CreateWorkspaceAsync(owner, "Other"));
        await api.Host.AddMemberAsync(owner, bound, viewer, "VIEWER");
        await api.Host.AddMemberAsync(owner, other, viewer, "VIEWER");
        var connection = await api.Host.ConnectSandboxAsync(owner, bound);
        var app = await api.Host.RegisterConfidentialAppAsync(owner, bound, AppScope.PostsRead, AppScope.PostsWrite);
        var viewersApp = await api.Host.PersonsAppAsync(viewer, app, bound, AppScope.PostsRead, AppScope.PostsWrite);
        var ownersApp = await api.Host.PersonsAppAsync(owner, app, bound, AppScope.PostsRead, AppScope.PostsWrite);

        var mine = await api.Host.AsAsync(viewersApp, "{ me { id workspaces { edges { node { id } } } } }");
        Assert.True(mine.Errors.Length == 0, mine.Body.ToString());
        Assert.Equal(viewer.UserId, mine.Data.GetProperty("me").GetProperty("id").GetString());
        var listed = mine.Data.GetProperty("me").GetProperty("workspaces").GetProperty("edges").EnumerateArray()
            .Select(e => e.GetProperty("node").GetProperty("id").GetString()).ToList();
        Assert.Equal([bound], listed);
        var email = await api.Host.AsAsync(viewersApp, "{ me { email } }");
        Assert.True(email.ErrorCodes.FirstOrDefault() == "FORBIDDEN", email.Body.ToString());

        // The person is a VIEWER: posts:write does not make them an editor.
        var draft = await api.Host.AsAsync(viewersApp,
            "mutation ($input: DraftPostInput!) { draftPost(input: $input) { errors { __typename } } }",
            new { input = new { workspaceId = bound, text = "hi", targets = new[] { new { connectionId = connection } } } });
        Assert.True(draft.Errors.Length > 0, draft.Body.ToString());
        Assert.Contains("VIEWER", draft.Errors[0].GetProperty("message").GetString(), StringComparison.Ordinal);

        var elsewhere = await api.Host.AsAsync(viewersApp, "query ($id: ID!) { workspace(id: $id) { name } }", new { id = other });
        Assert.True(elsewhere.ErrorCodes.FirstOrDefault() == "FORBIDDEN", elsewhere.Body.ToString());

        var ownerDraft = await api.Host.AsAsync(ownersApp,
            "mutation ($input: DraftPostInput!) { draftPost(input: $input) { post { author { id } } errors { __typename } } }",
            new { input = new { workspaceId = bound, text = "hi", targets = new[] { new { connectionId = connection } } } });
        Assert.True(ownerDraft.Errors.Length == 0, ownerDraft.Body.ToString());
        Assert.Equal(owner.UserId, ownerDraft.Data.GetProperty("draftPost").GetProperty("post").GetProperty("author").GetProperty("id").GetString());
    }

    [Fact]
    public async Task the_analytics_export_needs_analytics_read_and_the_bound_workspace()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var (mine, theirs) = (await api.Host.CreateWorkspaceAsync(owner, "Mine"), await api.Host.CreateWorkspaceAsync(owner, "Theirs"));
        var app = await api.Host.RegisterConfidentialAppAsync(owner, mine);

        var (status, response, _) = await ExportAsync(await api.Host.AppTokenAsync(app, AppScope.PostsRead), mine);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("Bearer error=\"insufficient_scope\", scope=\"analytics:read\"", response.Headers.WwwAuthenticate.ToString());

        var analyst = await api.Host.AppTokenAsync(app, AppScope.AnalyticsRead);
        Assert.Equal(HttpStatusCode.OK, (await ExportAsync(analyst, mine)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await ExportAsync(analyst, theirs)).Status);
    }

    private async Task<(HttpStatusCode Status, HttpResponseMessage Response, string Body)> ExportAsync(string token, string workspace)
    {
        using var client = api.Host.Server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get,
            $"{AnalyticsExport.Path}?workspaceId={Uri.EscapeDataString(workspace)}&from=2027-06-01T00:00:00Z&to=2027-06-08T00:00:00Z");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await client.SendAsync(request);
        return (response.StatusCode, response, await response.Content.ReadAsStringAsync());
    }
}
