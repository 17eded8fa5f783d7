using System.Text.Json;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Posts.Listing;

[Collection(ApiCollection.Name)]
public sealed class WorkspacePostsPagingTests(ApiFixture api)
{
    private const string Page = "query ($id: ID!, $first: Int, $after: String, $from: DateTime, $to: DateTime) { workspace(id: $id) { " +
        "posts(first: $first, after: $after, from: $from, to: $to) { totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } } }";

    private async Task<JsonElement> PageAsync(Person person, string workspace, int first, string? after, DateTimeOffset? from = null, DateTimeOffset? to = null)
    {
        var response = await api.Host.AsAsync(person, Page, new { id = workspace, first, after, from = from?.ToString("O"), to = to?.ToString("O") });
        Assert.True(response.Errors.Length == 0, response.Body.ToString());
        return response.Data.GetProperty("workspace").GetProperty("posts");
    }

    private static string[] Ids(JsonElement page) =>
        [.. page.GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("node").GetProperty("id").GetString()!)];

    private static string EndCursor(JsonElement page) => page.GetProperty("pageInfo").GetProperty("endCursor").GetString()!;

    [Fact]
    public async Task posts_drafted_or_discarded_between_two_pages_are_neither_repeated_nor_skipped()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var posts = new List<string>();
        for (var i = 1; i <= 5; i++)
        {
            posts.Add(await api.Host.DraftAsync(owner, workspace, $"post {i}", connection));
        }

        // Newest first: p5 p4 | p3 p2 | p1.
        var first = await PageAsync(owner, workspace, 2, null);
        Assert.Equal([posts[4], posts[3]], Ids(first));

        // A new post sorts before the cursor: the next page does not move back onto p4.
        var newer = await api.Host.DraftAsync(owner, workspace, "post 6", connection);
        Assert.Equal([posts[2], posts[1]], Ids(await PageAsync(owner, workspace, 2, EndCursor(first))));

        // Posts of the first page are discarded: the next page does not jump over p3.
        await api.Host.PostMutationAsync(owner, "discardPost", new { postId = posts[4] });
        await api.Host.PostMutationAsync(owner, "discardPost", new { postId = posts[3] });
        var second = await PageAsync(owner, workspace, 2, EndCursor(first));
        Assert.Equal([posts[2], posts[1]], Ids(second));
        Assert.True(second.GetProperty("pageInfo").GetProperty("hasNextPage").GetBoolean());
        var third = await PageAsync(owner, workspace, 2, EndCursor(second));
        Assert.Equal([posts[0]], Ids(third));
        Assert.False(third.GetProperty("pageInfo").GetProperty("hasNextPage").GetBoolean());

        Assert.Equal(4, third.GetProperty("totalCount").GetInt32());
        Assert.Equal([newer, posts[2], posts[1], posts[0]], Ids(await PageAsync(owner, workspace, 10, null)));
    }

    [Fact]
    public async Task posts_at_the_same_scheduled_time_page_by_id_without_repeats()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var at = new DateTimeOffset(2031, 5, 1, 9, 0, 0, TimeSpan.Zero);
        var posts = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var post = await api.Host.DraftAsync(owner, workspace, $"same time {i}", connection);
            await api.Host.ScheduleAsync(owner, post, at);
            posts.Add(post);
        }

        var seen = new List<string>();
        string? after = null;
        do
        {
            var page = await PageAsync(owner, workspace, 1, after, at.AddDays(-1), at.AddDays(1));
            seen.AddRange(Ids(page));
            Assert.Equal(3, page.GetProperty("totalCount").GetInt32());
            after = page.GetProperty("pageInfo").GetProperty("hasNextPage").GetBoolean() ? EndCursor(page) : null;
        }
        while (after is not null);

        Assert.Equal(posts.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("not base64 !")]
    [InlineData("YWJj")]
    public async Task a_cursor_that_is_not_one_of_this_list_is_a_bad_request(string cursor)
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        foreach (var after in new[] { cursor, Paging.EncodeCursor("posts.created|1|x"), Paging.EncodeCursor("posts.created|-1|" + Guid.NewGuid().ToString("N")),
                     Paging.EncodeCursor(Paging.Key("members", "3", Guid.NewGuid().ToString("N"))), Paging.EncodeCursor("2147483647") })
        {
            var response = await api.Host.AsAsync(owner, Page, new { id = workspace, first = 2, after });
            Assert.Equal(["BAD_REQUEST"], response.ErrorCodes);
        }
    }
}
