using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Nexus.Api.Tests.Features.Posts.Listing;

/// <summary>A cost limit that lets one query read a full page of 100 posts with everything they link to.</summary>
public sealed class LargePageFixture : ApiFixture
{
    protected override string Purpose => "loading";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Nexus:GraphQL:MaxComplexity"] = "100000" };
}

public sealed class BatchLoadingTests(LargePageFixture api, ITestOutputHelper output) : IClassFixture<LargePageFixture>
{
    private const string Posts = "query ($id: ID!) { workspace(id: $id) { posts(first: 100) { totalCount edges { node { id text " +
        "author { id displayName } warnings { code } targets { id status connection { id name status } } } } } } }";

    [Fact]
    public async Task a_page_of_100_posts_with_authors_targets_and_connections_costs_a_few_commands_not_one_per_row()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var editor = await api.Host.PersonAsync("Editor");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        await api.Host.AddMemberAsync(owner, workspace, editor, "EDITOR");
        var first = await api.Host.ConnectSandboxAsync(owner, workspace);
        var second = await api.Host.ConnectSandboxAsync(owner, workspace);
        for (var i = 0; i < 100; i++)
        {
            await api.Host.DraftAsync(i % 2 == 0 ? owner : editor, workspace, $"post {i}", first, second);
        }

        using var commands = new DatabaseCommands();
        var response = await commands.PostGraphQLAsync(api.Host, owner.Token, Posts, new { id = workspace });

        Assert.True(response.Errors.Length == 0, response.Body.ToString());
        var edges = response.Data.GetProperty("workspace").GetProperty("posts").GetProperty("edges").EnumerateArray().ToList();
        Assert.Equal(100, edges.Count);
        Assert.All(edges.Select(e => e.GetProperty("node")), post =>
        {
            Assert.False(string.IsNullOrEmpty(post.GetProperty("author").GetProperty("displayName").GetString()));
            Assert.Equal([first, second], post.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("connection").GetProperty("id").GetString()));
        });
        Assert.Equal(50, edges.Count(e => e.GetProperty("node").GetProperty("author").GetProperty("id").GetString() == editor.UserId));

        foreach (var command in commands.Commands)
        {
            output.WriteLine(command);
        }

        output.WriteLine($"{commands.Commands.Count} database commands");
        Assert.InRange(commands.Commands.Count, 1, 6);
    }
}
