using System.Text.Json;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Posts;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Nexus.Api.Tests.GraphQL.Relay;

[Collection(ApiCollection.Name)]
public sealed class NodeBatchLoadingTests(ApiFixture api, ITestOutputHelper output)
{
    private const string Nodes = "query ($post: ID!, $otherPost: ID!, $connection: ID!, $otherConnection: ID!, $target: ID!, $otherTarget: ID!, " +
        "$workspace: ID!, $otherWorkspace: ID!) { " +
        "post: node(id: $post) { id } otherPost: node(id: $otherPost) { id } " +
        "connection: node(id: $connection) { id } otherConnection: node(id: $otherConnection) { id } " +
        "target: node(id: $target) { id } otherTarget: node(id: $otherTarget) { id } " +
        "workspace: node(id: $workspace) { id } otherWorkspace: node(id: $otherWorkspace) { id } }";

    [Fact]
    public async Task node_fields_of_one_document_share_their_queries_and_still_hide_other_workspaces_rows()
    {
        var (workspace, connection, post, target, owner) = await WorkspaceWithPostAsync("Mine");
        var (otherWorkspace, otherConnection, otherPost, otherTarget, _) = await WorkspaceWithPostAsync("Theirs");

        using var commands = new DatabaseCommands();
        var response = await commands.PostGraphQLAsync(api.Host, owner.Token, Nodes,
            new { post, otherPost, connection, otherConnection, target, otherTarget, workspace, otherWorkspace });

        Assert.True(response.Errors.Length == 0, response.Body.ToString());
        var data = response.Data;
        Assert.Equal(post, data.GetProperty("post").GetProperty("id").GetString());
        Assert.Equal(connection, data.GetProperty("connection").GetProperty("id").GetString());
        Assert.Equal(target, data.GetProperty("target").GetProperty("id").GetString());
        Assert.Equal(workspace, data.GetProperty("workspace").GetProperty("id").GetString());
        foreach (var hidden in new[] { "otherPost", "otherConnection", "otherTarget", "otherWorkspace" })
        {
            Assert.Equal(JsonValueKind.Null, data.GetProperty(hidden).ValueKind);
        }

        foreach (var command in commands.Commands)
        {
            output.WriteLine(command);
        }

        // The access token; posts, connections, posts by target and workspaces; then the workspaces of what they found.
        Assert.InRange(commands.Commands.Count, 1, 6);
    }

    private async Task<(string Workspace, string Connection, string Post, string Target, Person Owner)> WorkspaceWithPostAsync(string name)
    {
        var owner = await api.Host.PersonAsync(name);
        var workspace = await api.Host.CreateWorkspaceAsync(owner, name);
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var post = await api.Host.DraftAsync(owner, workspace, $"{name}'s post", connection);
        var target = (await api.Host.PostAsync(owner, post)).GetProperty("targets")[0].GetProperty("id").GetString()!;
        return (workspace, connection, post, target, owner);
    }
}
