using System.Text.Json;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Posts;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Workspaces;

/// <summary>
/// The keyset cursors of <c>me.workspaces</c>, <c>Workspace.connections</c>, <c>Workspace.invitations</c> and
/// <c>Post.history</c>: the row a cursor names may go away and rows may arrive between two pages, and the next page
/// still starts right after it.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ListPagingTests(ApiFixture api)
{
    private const string MyWorkspaces = "query ($after: String) { me { workspaces(first: 2, after: $after) { totalCount edges { node { id } } pageInfo { endCursor hasNextPage } } } }";
    private const string Connections = "query ($id: ID!, $after: String) { workspace(id: $id) { connections(first: 2, after: $after, status: ACTIVE) { totalCount edges { node { id } } pageInfo { endCursor hasNextPage } } } }";
    private const string Invitations = "query ($id: ID!, $after: String) { workspace(id: $id) { invitations(first: 2, after: $after) { totalCount edges { node { email } } pageInfo { endCursor hasNextPage } } } }";
    private const string History = "query ($id: ID!, $after: String) { post(id: $id) { history(first: 2, after: $after) { totalCount edges { node { version event } } pageInfo { endCursor hasNextPage } } } }";

    private static string[] Nodes(JsonElement page, string field) =>
        [.. page.GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("node").GetProperty(field).ToString())];

    private static string? EndCursor(JsonElement page) => page.GetProperty("pageInfo").GetProperty("endCursor").GetString();

    private async Task<JsonElement> PageAsync(Person person, string query, string path, object variables)
    {
        var response = await api.Host.AsAsync(person, query, variables);
        Assert.True(response.Errors.Length == 0, response.Body.ToString());
        var parts = path.Split('.');
        return parts.Aggregate(response.Data, (element, name) => element.GetProperty(name));
    }

    [Fact]
    public async Task my_workspaces_page_oldest_first_and_a_workspace_left_between_pages_skips_nothing()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var member = await api.Host.PersonAsync("Member");
        var workspaces = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var workspace = await api.Host.CreateWorkspaceAsync(owner, $"Team {i}");
            await api.Host.AddMemberAsync(owner, workspace, member, "VIEWER");
            workspaces.Add(workspace);
        }

        var first = await PageAsync(member, MyWorkspaces, "me.workspaces", new { after = (string?)null });
        Assert.Equal(workspaces[..2], Nodes(first, "id"));
        Assert.Equal(3, first.GetProperty("totalCount").GetInt32());
        Assert.True(first.GetProperty("pageInfo").GetProperty("hasNextPage").GetBoolean());

        // The workspace the cursor names goes away and another arrives: by position the third would be skipped.
        await api.Host.MutateAsync(owner, "removeMember", "RemoveMemberInput", new { workspaceId = workspaces[1], userId = member.UserId });
        var later = await api.Host.CreateWorkspaceAsync(owner, "Team later");
        await api.Host.AddMemberAsync(owner, later, member, "EDITOR");

        var second = await PageAsync(member, MyWorkspaces, "me.workspaces", new { after = EndCursor(first) });
        Assert.Equal([workspaces[2], later], Nodes(second, "id"));
        Assert.False(second.GetProperty("pageInfo").GetProperty("hasNextPage").GetBoolean());
    }

    [Fact]
    public async Task connections_page_by_id_and_one_disconnected_between_pages_skips_nothing()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var connections = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            connections.Add(await api.Host.ConnectSandboxAsync(owner, workspace));
        }

        var first = await PageAsync(owner, Connections, "workspace.connections", new { id = workspace, after = (string?)null });
        Assert.Equal(connections[..2], Nodes(first, "id"));
        Assert.Equal(3, first.GetProperty("totalCount").GetInt32());

        await api.Host.MutateAsync(owner, "disconnectAccount", "DisconnectAccountInput", new { connectionId = connections[1] }, "connection { status }");
        var fourth = await api.Host.ConnectSandboxAsync(owner, workspace);

        var second = await PageAsync(owner, Connections, "workspace.connections", new { id = workspace, after = EndCursor(first) });
        Assert.Equal([connections[2], fourth], Nodes(second, "id"));
        Assert.Equal(3, second.GetProperty("totalCount").GetInt32());
    }

    [Fact]
    public async Task invitations_page_by_expiry_and_one_withdrawn_between_pages_skips_nothing()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var emails = Enumerable.Range(0, 4).Select(i => $"invitee-{i}-{Guid.NewGuid():N}@example.com").ToArray();
        foreach (var email in emails[..3])
        {
            await api.Host.MutateAsync(owner, "inviteMember", "InviteMemberInput", new { workspaceId = workspace, email, role = "VIEWER" });
        }

        var first = await PageAsync(owner, Invitations, "workspace.invitations", new { id = workspace, after = (string?)null });
        Assert.Equal(emails[..2], Nodes(first, "email"));
        Assert.Equal(3, first.GetProperty("totalCount").GetInt32());

        await api.Host.MutateAsync(owner, "cancelInvitation", "CancelInvitationInput", new { workspaceId = workspace, email = emails[1] });
        await api.Host.MutateAsync(owner, "inviteMember", "InviteMemberInput", new { workspaceId = workspace, email = emails[3], role = "EDITOR" });

        var second = await PageAsync(owner, Invitations, "workspace.invitations", new { id = workspace, after = EndCursor(first) });
        Assert.Equal([emails[2], emails[3]], Nodes(second, "email"));
    }

    [Fact]
    public async Task post_history_pages_by_version_and_events_appended_between_pages_follow()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var post = await api.Host.DraftAsync(owner, workspace, "history paging", await api.Host.ConnectSandboxAsync(owner, workspace));
        await api.Host.ScheduleAsync(owner, post, DateTimeOffset.UtcNow.AddDays(3));

        var first = await PageAsync(owner, History, "post.history", new { id = post, after = (string?)null });
        Assert.Equal(["1", "2"], Nodes(first, "version"));
        Assert.Equal(["PostDrafted", "PostScheduled"], Nodes(first, "event"));
        Assert.False(first.GetProperty("pageInfo").GetProperty("hasNextPage").GetBoolean());

        await api.Host.PostMutationAsync(owner, "reschedulePost", new { postId = post, at = DateTimeOffset.UtcNow.AddDays(4).ToString("O") });
        await api.Host.PostMutationAsync(owner, "cancelPost", new { postId = post });

        var second = await PageAsync(owner, History, "post.history", new { id = post, after = EndCursor(first) });
        Assert.Equal(["3", "4"], Nodes(second, "version"));
        Assert.Equal(["PostRescheduled", "PostCancelled"], Nodes(second, "event"));
        Assert.Equal(4, second.GetProperty("totalCount").GetInt32());
    }

    [Fact]
    public async Task a_forged_or_foreign_cursor_is_a_bad_request_on_every_list()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var post = await api.Host.DraftAsync(owner, workspace, "forged cursors", await api.Host.ConnectSandboxAsync(owner, workspace));
        var id = Guid.NewGuid().ToString("N");
        var cases = new (string Query, object Variables, string[] Forged)[]
        {
            (MyWorkspaces, new { after = "" }, [Paging.Key("workspaces", "x", id), Paging.Key("workspaces", "5", "not-a-guid"), Paging.Key("members", "3", id)]),
            (Connections, new { id = workspace }, [Paging.Key("connections", "not-a-guid"), Paging.Key("connections", "5", id), Paging.Key("workspaces", "5", id)]),
            (Invitations, new { id = workspace }, [Paging.Key("invitations", "-1", id), Paging.Key("invitations", id), Paging.Key("connections", id)]),
            (History, new { id = post }, [Paging.Key("history", "-1"), Paging.Key("history", "1", "2"), Paging.Key("activity", "1")]),
        };

        foreach (var (query, variables, forged) in cases)
        {
            foreach (var after in forged.Select(Paging.EncodeCursor).Append("%%% not base64"))
            {
                var withAfter = JsonSerializer.SerializeToElement(variables).EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.ToString());
                withAfter["after"] = after;
                var response = await api.Host.AsAsync(owner, query, withAfter);
                Assert.True(response.ErrorCodes.SequenceEqual(["BAD_REQUEST"]), $"{query} after {after}: {response.Body}");
            }
        }
    }

    [Fact]
    public async Task the_calendar_refuses_more_than_62_days()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        const string Calendar = "query ($id: ID!, $from: String!, $to: String!) { workspace(id: $id) { calendar(from: $from, to: $to) { date } } }";

        var longest = await api.Host.AsAsync(owner, Calendar, new { id = workspace, from = "2027-01-01", to = "2027-03-03" });
        var tooLong = await api.Host.AsAsync(owner, Calendar, new { id = workspace, from = "2027-01-01", to = "2027-03-04" });

        Assert.Equal(62, longest.Data.GetProperty("workspace").GetProperty("calendar").GetArrayLength());
        Assert.Equal(["BAD_REQUEST"], tooLong.ErrorCodes);
    }
}
