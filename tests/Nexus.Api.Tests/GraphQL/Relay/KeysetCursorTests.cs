using System.Text.Json;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.GraphQL.Relay;

/// <summary>The keyset cursors of <c>Workspace.members</c> and <c>Workspace.activity</c> (posts: Features/Posts/Listing).</summary>
[Collection(ApiCollection.Name)]
public sealed class KeysetCursorTests(ApiFixture api)
{
    private const string Members = "query ($id: ID!, $after: String) { workspace(id: $id) { members(first: 2, after: $after) { totalCount edges { node { user { id } } } pageInfo { endCursor } } } }";

    private static string[] UserIds(JsonElement page) =>
        [.. page.GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("node").GetProperty("user").GetProperty("id").GetString()!)];

    [Fact]
    public async Task the_member_a_cursor_names_may_leave_and_the_next_page_still_follows_it()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var viewers = new List<Person>();
        for (var i = 0; i < 3; i++)
        {
            var viewer = await api.Host.PersonAsync($"Viewer {i}");
            await api.Host.AddMemberAsync(owner, workspace, viewer, "VIEWER");
            viewers.Add(viewer);
        }

        var all = UserIds((await api.Host.AsAsync(owner, Members.Replace("first: 2", "first: 10", StringComparison.Ordinal), new { id = workspace, after = (string?)null }))
            .Data.GetProperty("workspace").GetProperty("members"));
        var first = (await api.Host.AsAsync(owner, Members, new { id = workspace, after = (string?)null })).Data.GetProperty("workspace").GetProperty("members");
        Assert.Equal(all[..2], UserIds(first));
        Assert.Equal(4, first.GetProperty("totalCount").GetInt32());

        var last = viewers.Single(v => v.UserId == all[1]);
        await api.Host.MutateAsync(owner, "removeMember", "RemoveMemberInput", new { workspaceId = workspace, userId = last.UserId });
        var second = (await api.Host.AsAsync(owner, Members, new { id = workspace, after = first.GetProperty("pageInfo").GetProperty("endCursor").GetString() }))
            .Data.GetProperty("workspace").GetProperty("members");
        Assert.Equal(all[2..], UserIds(second));
    }

    [Fact]
    public async Task a_forged_activity_cursor_is_a_bad_request_not_the_first_page_again()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        foreach (var after in new[] { Paging.EncodeCursor("not a number"), Paging.EncodeCursor(Paging.Key("activity", "-5")), Paging.EncodeCursor(Paging.Key("members", "3", Guid.NewGuid().ToString("N"))) })
        {
            var response = await api.Host.AsAsync(owner, "query ($id: ID!, $after: String) { workspace(id: $id) { activity(after: $after) { edges { cursor } } } }", new { id = workspace, after });
            Assert.Equal(["BAD_REQUEST"], response.ErrorCodes);
        }

        var counted = await api.Host.AsAsync(owner, "query ($id: ID!) { workspace(id: $id) { activity { totalCount } } }", new { id = workspace });
        Assert.Equal(1, counted.Data.GetProperty("workspace").GetProperty("activity").GetProperty("totalCount").GetInt32());
    }
}
