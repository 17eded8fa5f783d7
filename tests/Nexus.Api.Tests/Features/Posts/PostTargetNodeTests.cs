using System.Text.Json;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Posts;

[Collection(ApiCollection.Name)]
public sealed class PostTargetNodeTests(ApiFixture api)
{
    private const string Node = "query ($id: ID!) { node(id: $id) { __typename id ... on PostTarget { platform status } } }";

    [Fact]
    public async Task a_target_is_a_node_for_members_of_its_workspace_and_null_for_anyone_else()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var outsider = await api.Host.PersonAsync("Outsider");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var post = await api.Host.DraftAsync(owner, workspace, "node", connection);
        var target = (await api.Host.PostAsync(owner, post)).GetProperty("targets")[0].GetProperty("id").GetString()!;

        var seen = await api.Host.AsAsync(owner, Node, new { id = target });
        Assert.True(seen.Errors.Length == 0, seen.Body.ToString());
        var node = seen.Data.GetProperty("node");
        Assert.Equal("PostTarget", node.GetProperty("__typename").GetString());
        Assert.Equal(target, node.GetProperty("id").GetString());
        Assert.Equal("DRAFT", node.GetProperty("status").GetString());

        var hidden = await api.Host.AsAsync(outsider, Node, new { id = target });
        Assert.True(hidden.Errors.Length == 0, hidden.Body.ToString());
        Assert.Equal(JsonValueKind.Null, hidden.Data.GetProperty("node").ValueKind);
        var unknown = await api.Host.AsAsync(owner, Node, new { id = Nexus.Api.GraphQL.Relay.GlobalId.Encode("PostTarget", Guid.NewGuid()) });
        Assert.Equal(JsonValueKind.Null, unknown.Data.GetProperty("node").ValueKind);
    }
}
