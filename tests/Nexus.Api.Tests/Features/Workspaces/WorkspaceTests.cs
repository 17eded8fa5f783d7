using System.Text.Json;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Workspaces;

[Collection(ApiCollection.Name)]
public sealed class WorkspaceTests(ApiFixture api)
{
    private const string WorkspaceQuery = "query ($id: ID!) { workspace(id: $id) { id name timeZone myRole members { edges { node { role user { displayName } } } } } }";

    [Fact]
    public async Task creating_a_workspace_makes_the_caller_its_owner()
    {
        var owner = await api.Host.PersonAsync("Olive");

        var id = await api.Host.CreateWorkspaceAsync(owner, "  Launch team ", "America/New_York");

        var workspace = (await api.Host.AsAsync(owner, WorkspaceQuery, new { id })).Data.GetProperty("workspace");
        Assert.Equal("Launch team", workspace.GetProperty("name").GetString());
        Assert.Equal("America/New_York", workspace.GetProperty("timeZone").GetString());
        Assert.Equal("OWNER", workspace.GetProperty("myRole").GetString());
        var mine = (await api.Host.AsAsync(owner, "{ me { workspaces { edges { node { id } } } } }")).Data.GetProperty("me").GetProperty("workspaces").GetProperty("edges");
        Assert.Contains(mine.EnumerateArray(), w => w.GetProperty("node").GetProperty("id").GetString() == id);
    }

    [Theory]
    [InlineData("", "Europe/Berlin", "name")]
    [InlineData("Acme", "Mars/Olympus", "timeZone")]
    [InlineData("Acme", "W. Europe Standard Time", "timeZone")]
    public async Task a_workspace_needs_a_name_and_an_iana_time_zone(string name, string timeZone, string field)
    {
        var owner = await api.Host.PersonAsync();

        var payload = await api.Host.MutateAsync(owner, "createWorkspace", "CreateWorkspaceInput", new { name, timeZone });

        var error = Assert.Single(payload.GetProperty("errors").EnumerateArray());
        Assert.Equal("VALIDATION", error.GetProperty("code").GetString());
        Assert.Equal(["input", field], error.GetProperty("path").EnumerateArray().Select(p => p.GetString()));
    }

    [Fact]
    public async Task anonymous_callers_cannot_create_workspaces()
    {
        var response = await api.Host.PostGraphQLAsync("mutation { createWorkspace(input: { name: \"x\", timeZone: \"UTC\" }) { errors { __typename } } }");

        Assert.Equal(401, response.Status);
        Assert.Equal(["UNAUTHENTICATED"], response.ErrorCodes);
    }

    [Fact]
    public async Task an_outsider_cannot_see_a_workspace_by_id_or_by_node()
    {
        var owner = await api.Host.PersonAsync();
        var outsider = await api.Host.PersonAsync();
        var id = await api.Host.CreateWorkspaceAsync(owner);

        var direct = await api.Host.AsAsync(outsider, WorkspaceQuery, new { id });
        var node = await api.Host.AsAsync(outsider, "query ($id: ID!) { node(id: $id) { id } }", new { id });

        Assert.Equal(["FORBIDDEN"], direct.ErrorCodes);
        Assert.Equal(JsonValueKind.Null, direct.Data.GetProperty("workspace").ValueKind);
        Assert.Equal(JsonValueKind.Null, node.Data.GetProperty("node").ValueKind);
    }

    [Fact]
    public async Task an_invitation_is_emailed_and_accepting_it_joins_with_the_invited_role()
    {
        var owner = await api.Host.PersonAsync("Olive");
        var invitee = await api.Host.PersonAsync("Ivan");
        var id = await api.Host.CreateWorkspaceAsync(owner);

        var token = await api.Host.InviteAsync(owner, id, invitee.Email.ToUpperInvariant(), "EDITOR");
        var accepted = await api.Host.AcceptAsync(invitee, token);

        Assert.Equal(0, accepted.GetProperty("errors").GetArrayLength());
        var workspace = (await api.Host.AsAsync(invitee, WorkspaceQuery, new { id })).Data.GetProperty("workspace");
        Assert.Equal("EDITOR", workspace.GetProperty("myRole").GetString());
        Assert.Equal(2, workspace.GetProperty("members").GetProperty("edges").GetArrayLength());
        Assert.Equal("OWNER", workspace.GetProperty("members").GetProperty("edges")[0].GetProperty("node").GetProperty("role").GetString());
    }

    [Fact]
    public async Task an_invitation_token_works_once()
    {
        var owner = await api.Host.PersonAsync();
        var invitee = await api.Host.PersonAsync();
        var id = await api.Host.CreateWorkspaceAsync(owner);
        var token = await api.Host.InviteAsync(owner, id, invitee.Email, "VIEWER");
        await api.Host.AcceptAsync(invitee, token);

        var again = await api.Host.AcceptAsync(invitee, token);

        Assert.Equal(["INVITATION_INVALID"], WorkspaceScenarios.ErrorCodesOf(again));
    }

    [Fact]
    public async Task inviting_again_replaces_the_earlier_invitation()
    {
        var owner = await api.Host.PersonAsync();
        var invitee = await api.Host.PersonAsync();
        var id = await api.Host.CreateWorkspaceAsync(owner);
        var first = await api.Host.InviteAsync(owner, id, invitee.Email, "VIEWER");
        var second = await api.Host.InviteAsync(owner, id, invitee.Email, "ADMIN");

        Assert.Equal(["INVITATION_INVALID"], WorkspaceScenarios.ErrorCodesOf(await api.Host.AcceptAsync(invitee, first)));
        Assert.Empty(WorkspaceScenarios.ErrorCodesOf(await api.Host.AcceptAsync(invitee, second)));
        var role = (await api.Host.AsAsync(invitee, WorkspaceQuery, new { id })).Data.GetProperty("workspace").GetProperty("myRole").GetString();
        Assert.Equal("ADMIN", role);
    }

    [Fact]
    public async Task an_invitation_is_only_for_the_email_it_was_sent_to()
    {
        var owner = await api.Host.PersonAsync();
        var invitee = await api.Host.PersonAsync();
        var someoneElse = await api.Host.PersonAsync();
        var id = await api.Host.CreateWorkspaceAsync(owner);
        var token = await api.Host.InviteAsync(owner, id, invitee.Email, "VIEWER");

        var stolen = await api.Host.AcceptAsync(someoneElse, token);

        Assert.Equal(["INVITATION_EMAIL_MISMATCH"], WorkspaceScenarios.ErrorCodesOf(stolen));
    }

    [Fact]
    public async Task members_cannot_be_invited_again_and_nobody_is_invited_as_owner()
    {
        var owner = await api.Host.PersonAsync();
        var member = await api.Host.PersonAsync();
        var id = await api.Host.CreateWorkspaceAsync(owner);
        await api.Host.AddMemberAsync(owner, id, member, "EDITOR");

        var again = await api.Host.MutateAsync(owner, "inviteMember", "InviteMemberInput", new { workspaceId = id, email = member.Email, role = "ADMIN" });
        var asOwner = await api.Host.MutateAsync(owner, "inviteMember", "InviteMemberInput", new { workspaceId = id, email = "new@example.com", role = "OWNER" });

        Assert.Equal(["ALREADY_MEMBER"], WorkspaceScenarios.ErrorCodesOf(again));
        Assert.Equal(["VALIDATION"], WorkspaceScenarios.ErrorCodesOf(asOwner));
    }

    [Fact]
    public async Task ownership_moves_by_transfer_and_there_is_always_exactly_one_owner()
    {
        var owner = await api.Host.PersonAsync();
        var admin = await api.Host.PersonAsync();
        var id = await api.Host.CreateWorkspaceAsync(owner);
        await api.Host.AddMemberAsync(owner, id, admin, "ADMIN");

        var leaving = await api.Host.MutateAsync(owner, "leaveWorkspace", "LeaveWorkspaceInput", new { workspaceId = id });
        var demoting = await api.Host.MutateAsync(admin, "changeMemberRole", "ChangeMemberRoleInput", new { workspaceId = id, userId = owner.UserId, role = "VIEWER" });
        var transfer = await api.Host.MutateAsync(owner, "transferOwnership", "TransferOwnershipInput", new { workspaceId = id, userId = admin.UserId });

        Assert.Equal(["OWNER_MUST_TRANSFER"], WorkspaceScenarios.ErrorCodesOf(leaving));
        Assert.Equal(["OWNER_PROTECTED"], WorkspaceScenarios.ErrorCodesOf(demoting));
        Assert.Empty(WorkspaceScenarios.ErrorCodesOf(transfer));
        var roles = (await api.Host.AsAsync(admin, WorkspaceQuery, new { id })).Data.GetProperty("workspace").GetProperty("members").GetProperty("edges")
            .EnumerateArray().Select(e => e.GetProperty("node").GetProperty("role").GetString()).ToList();
        Assert.Equal(["OWNER", "ADMIN"], roles);
        Assert.Empty(WorkspaceScenarios.ErrorCodesOf(await api.Host.MutateAsync(owner, "leaveWorkspace", "LeaveWorkspaceInput", new { workspaceId = id })));
        Assert.Equal(["FORBIDDEN"], (await api.Host.AsAsync(owner, WorkspaceQuery, new { id })).ErrorCodes);
    }

    [Fact]
    public async Task removing_and_changing_members_answer_for_unknown_members()
    {
        var owner = await api.Host.PersonAsync();
        var stranger = await api.Host.PersonAsync();
        var id = await api.Host.CreateWorkspaceAsync(owner);

        var remove = await api.Host.MutateAsync(owner, "removeMember", "RemoveMemberInput", new { workspaceId = id, userId = stranger.UserId });
        var change = await api.Host.MutateAsync(owner, "changeMemberRole", "ChangeMemberRoleInput", new { workspaceId = id, userId = stranger.UserId, role = "ADMIN" });

        Assert.Equal(["NOT_FOUND"], WorkspaceScenarios.ErrorCodesOf(remove));
        Assert.Equal(["NOT_FOUND"], WorkspaceScenarios.ErrorCodesOf(change));
    }

    [Fact]
    public async Task the_activity_feed_tells_who_did_what_newest_first_and_pages()
    {
        var owner = await api.Host.PersonAsync("Olive");
        var member = await api.Host.PersonAsync("Ivan");
        var id = await api.Host.CreateWorkspaceAsync(owner, "Acme");
        await api.Host.AddMemberAsync(owner, id, member, "VIEWER");
        await api.Host.MutateAsync(owner, "renameWorkspace", "RenameWorkspaceInput", new { workspaceId = id, name = "Acme Inc" });

        const string query = "query ($id: ID!, $after: String) { workspace(id: $id) { activity(first: 2, after: $after) { edges { node { kind summary actor { displayName } } } pageInfo { hasNextPage endCursor } } } }";
        var first = (await api.Host.AsAsync(member, query, new { id, after = (string?)null })).Data.GetProperty("workspace").GetProperty("activity");
        var second = (await api.Host.AsAsync(member, query, new { id, after = first.GetProperty("pageInfo").GetProperty("endCursor").GetString() }))
            .Data.GetProperty("workspace").GetProperty("activity");

        var kinds = first.GetProperty("edges").EnumerateArray().Concat(second.GetProperty("edges").EnumerateArray())
            .Select(e => e.GetProperty("node").GetProperty("kind").GetString()).ToList();
        Assert.Equal(["WORKSPACE_RENAMED", "INVITATION_ACCEPTED", "MEMBER_INVITED", "WORKSPACE_CREATED"], kinds);
        Assert.True(first.GetProperty("pageInfo").GetProperty("hasNextPage").GetBoolean());
        Assert.False(second.GetProperty("pageInfo").GetProperty("hasNextPage").GetBoolean());
        Assert.Equal("Olive renamed the workspace to \"Acme Inc\"", first.GetProperty("edges")[0].GetProperty("node").GetProperty("summary").GetString());
    }

    [Fact]
    public async Task a_page_larger_than_one_hundred_is_refused()
    {
        var owner = await api.Host.PersonAsync();
        var id = await api.Host.CreateWorkspaceAsync(owner);

        var response = await api.Host.AsAsync(owner, "query ($id: ID!) { workspace(id: $id) { members(first: 101) { edges { cursor } } } }", new { id });

        Assert.Equal(["BAD_REQUEST"], response.ErrorCodes);
    }

    [Fact]
    public async Task a_later_mutation_in_the_same_document_is_checked_against_the_changed_membership()
    {
        var owner = await api.Host.PersonAsync();
        var admin = await api.Host.PersonAsync();
        var id = await api.Host.CreateWorkspaceAsync(owner);
        await api.Host.AddMemberAsync(owner, id, admin, "ADMIN");

        var response = await api.Host.AsAsync(owner, """
            mutation ($ws: ID!, $to: ID!, $back: ID!) {
              first: transferOwnership(input: { workspaceId: $ws, userId: $to }) { errors { __typename } }
              again: transferOwnership(input: { workspaceId: $ws, userId: $back }) { errors { __typename } }
            }
            """, new { ws = id, to = admin.UserId, back = owner.UserId });

        Assert.Equal(["FORBIDDEN"], response.ErrorCodes);
        var role = (await api.Host.AsAsync(admin, WorkspaceQuery, new { id })).Data.GetProperty("workspace").GetProperty("myRole").GetString();
        Assert.Equal("OWNER", role);
    }

    [Fact]
    public async Task an_admin_who_removes_themself_gets_a_payload_without_the_workspace_not_an_internal_error()
    {
        var owner = await api.Host.PersonAsync();
        var admin = await api.Host.PersonAsync();
        var id = await api.Host.CreateWorkspaceAsync(owner);
        await api.Host.AddMemberAsync(owner, id, admin, "ADMIN");

        var removed = await api.Host.MutateAsync(admin, "removeMember", "RemoveMemberInput", new { workspaceId = id, userId = admin.UserId },
            "workspace { id myRole }");

        Assert.Empty(WorkspaceScenarios.ErrorCodesOf(removed));
        Assert.Equal(JsonValueKind.Null, removed.GetProperty("workspace").ValueKind);
        Assert.Equal(["FORBIDDEN"], (await api.Host.AsAsync(admin, WorkspaceQuery, new { id })).ErrorCodes);
    }

    [Fact]
    public async Task a_cancelled_invitation_disappears_and_its_link_stops_working()
    {
        var owner = await api.Host.PersonAsync();
        var invitee = await api.Host.PersonAsync();
        var id = await api.Host.CreateWorkspaceAsync(owner);
        var token = await api.Host.InviteAsync(owner, id, invitee.Email, "EDITOR");

        var cancelled = await api.Host.MutateAsync(owner, "cancelInvitation", "CancelInvitationInput", new { workspaceId = id, email = invitee.Email.ToUpperInvariant() },
            "workspace { invitations { totalCount edges { node { email } } } }");
        var again = await api.Host.MutateAsync(owner, "cancelInvitation", "CancelInvitationInput", new { workspaceId = id, email = invitee.Email });
        var accepted = await api.Host.AcceptAsync(invitee, token);

        Assert.Empty(WorkspaceScenarios.ErrorCodesOf(cancelled));
        Assert.Equal(0, cancelled.GetProperty("workspace").GetProperty("invitations").GetProperty("totalCount").GetInt32());
        Assert.Equal(["NOT_FOUND"], WorkspaceScenarios.ErrorCodesOf(again));
        Assert.Equal(["INVITATION_INVALID"], WorkspaceScenarios.ErrorCodesOf(accepted));
    }
}
