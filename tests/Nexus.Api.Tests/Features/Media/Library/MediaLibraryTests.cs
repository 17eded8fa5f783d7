using System.Text.Json;
using Nexus.Api.Platforms;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Media.Library;

/// <summary><c>Workspace.media</c>: newest first on (time, id), filters, paging that stays put under inserts, no deleted items.</summary>
[Collection(ApiCollection.Name)]
public sealed class MediaLibraryTests(ApiFixture api)
{
    private const string Query = """
        query ($id: ID!, $first: Int, $after: String, $kind: MediaKind, $search: String, $tags: [String!], $from: DateTime, $to: DateTime) {
          workspace(id: $id) { media(first: $first, after: $after, kind: $kind, search: $search, tags: $tags, from: $from, to: $to) {
            totalCount edges { cursor node { id name kind tags createdAt } } pageInfo { hasNextPage endCursor } } } }
        """;

    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);

    private async Task<JsonElement> ListAsync(Person person, string workspace, object? filters = null, int? first = null, string? after = null)
    {
        var variables = new Dictionary<string, object?> { ["id"] = workspace, ["first"] = first, ["after"] = after };
        foreach (var property in filters?.GetType().GetProperties() ?? [])
        {
            variables[property.Name] = property.GetValue(filters);
        }

        var response = await api.Host.AsAsync(person, Query, variables);
        Assert.True(response.Errors.Length == 0, response.Body.ToString());
        return response.Data.GetProperty("workspace").GetProperty("media");
    }

    private static string[] Names(JsonElement connection) =>
        [.. connection.GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("node").GetProperty("name").GetString()!)];

    [Fact]
    public async Task the_library_lists_newest_first_and_each_filter_narrows_it()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var elsewhere = await api.Host.CreateWorkspaceAsync(owner, "Elsewhere");
        await api.Host.AddMediaAsync(workspace, "Beach sunset.jpg", tags: ["summer", "beach"], at: T0);
        await api.Host.AddMediaAsync(workspace, "Launch video.mp4", MediaKind.Video, tags: ["launch"], at: T0.AddHours(1));
        await api.Host.AddMediaAsync(workspace, "beach volleyball.jpg", tags: ["summer"], at: T0.AddHours(2));
        await api.Host.AddMediaAsync(workspace, "100% real_deal.jpg", at: T0.AddHours(3));
        await api.Host.AddMediaAsync(workspace, "1000 reasons.jpg", at: T0.AddHours(4));
        await api.Host.AddMediaAsync(workspace, "Jingle.m4a", MediaKind.Audio, tags: ["launch", "summer"], at: T0.AddHours(5));
        await api.Host.AddMediaAsync(elsewhere, "Beach elsewhere.jpg", tags: ["summer"], at: T0.AddHours(6));

        var all = await ListAsync(owner, workspace);
        Assert.Equal(["Jingle.m4a", "1000 reasons.jpg", "100% real_deal.jpg", "beach volleyball.jpg", "Launch video.mp4", "Beach sunset.jpg"], Names(all));
        Assert.Equal(6, all.GetProperty("totalCount").GetInt32());

        Assert.Equal(["Launch video.mp4"], Names(await ListAsync(owner, workspace, new { kind = "VIDEO" })));
        Assert.Equal(["beach volleyball.jpg", "Beach sunset.jpg"], Names(await ListAsync(owner, workspace, new { search = "  BEACH " })));
        // LIKE's wildcards in a search are the characters themselves.
        Assert.Equal(["100% real_deal.jpg"], Names(await ListAsync(owner, workspace, new { search = "0%" })));
        Assert.Equal(["100% real_deal.jpg"], Names(await ListAsync(owner, workspace, new { search = "l_d" })));
        Assert.Empty(Names(await ListAsync(owner, workspace, new { search = "\\" })));
        Assert.Equal(["Jingle.m4a", "beach volleyball.jpg", "Beach sunset.jpg"], Names(await ListAsync(owner, workspace, new { tags = new[] { "Summer" } })));
        Assert.Equal(["Jingle.m4a"], Names(await ListAsync(owner, workspace, new { tags = new[] { "summer", "launch" } })));
        Assert.Equal(["100% real_deal.jpg", "beach volleyball.jpg", "Launch video.mp4"],
            Names(await ListAsync(owner, workspace, new { from = T0.AddHours(1).ToString("O"), to = T0.AddHours(4).ToString("O") })));
        Assert.Equal(["beach volleyball.jpg"], Names(await ListAsync(owner, workspace, new { kind = "IMAGE", search = "beach", tags = new[] { "summer" }, from = T0.AddMinutes(1).ToString("O") })));
    }

    [Fact]
    public async Task pages_follow_the_cursor_and_items_added_meanwhile_neither_repeat_nor_hide_older_ones()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        // Several items at the same instant: ties are settled by the id.
        for (var i = 0; i < 7; i++)
        {
            await api.Host.AddMediaAsync(workspace, $"item {i}", at: T0.AddMinutes(i / 3));
        }

        var seen = new List<string>();
        string? after = null;
        var pages = 0;
        while (true)
        {
            var page = await ListAsync(owner, workspace, first: 2, after: after);
            seen.AddRange(Names(page));
            pages++;
            // Newer items arriving between pages belong before the first page, never in the later ones.
            await api.Host.AddMediaAsync(workspace, $"new {pages}", at: DateTimeOffset.UtcNow);
            if (!page.GetProperty("pageInfo").GetProperty("hasNextPage").GetBoolean())
            {
                break;
            }

            after = page.GetProperty("pageInfo").GetProperty("endCursor").GetString();
        }

        Assert.Equal(4, pages);
        Assert.Equal(7, seen.Count);
        Assert.Equal(7, seen.Distinct().Count());
        Assert.All(seen, name => Assert.StartsWith("item", name));
        Assert.Equal("item 6", seen[0]);
        Assert.Equal(["item 3", "item 4", "item 5"], seen[1..4].Order());
        Assert.Equal(["item 0", "item 1", "item 2"], seen[4..].Order());
        // The same order as one page of everything: ties fall the same way every time.
        Assert.Equal(seen, Names(await ListAsync(owner, workspace, first: 100)).Where(n => n.StartsWith("item", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task bad_filters_and_cursors_are_bad_requests()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        foreach (var (filters, after) in new (object, string?)[]
        {
            (new { search = new string('x', 101) }, null),
            (new { tags = Enumerable.Range(0, 21).Select(i => $"t{i}").ToArray() }, null),
            (new { tags = new[] { new string('t', 41) } }, null),
            (new { tags = new[] { " " } }, null),
            (new { }, "bm90LWEtY3Vyc29y"),
        })
        {
            var variables = new Dictionary<string, object?> { ["id"] = workspace, ["after"] = after };
            foreach (var property in filters.GetType().GetProperties())
            {
                variables[property.Name] = property.GetValue(filters);
            }

            var response = await api.Host.AsAsync(owner, Query, variables);
            Assert.True(response.ErrorCodes.SequenceEqual(["BAD_REQUEST"]), response.Body.ToString());
        }
    }

    [Fact]
    public async Task deleted_items_never_appear_and_another_workspaces_library_is_forbidden()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var stranger = await api.Host.PersonAsync("Stranger");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var kept = await api.Host.AddMediaAsync(workspace, "kept.jpg");
        var deleted = await api.Host.AddMediaAsync(workspace, "deleted.jpg");
        var payload = await api.Host.MutateAsync(owner, "deleteMedia", "DeleteMediaInput", new { mediaId = deleted }, "media { id }");
        Assert.Equal(0, payload.GetProperty("errors").GetArrayLength());

        var list = await ListAsync(owner, workspace);
        Assert.Equal(["kept.jpg"], Names(list));
        Assert.Equal(1, list.GetProperty("totalCount").GetInt32());
        Assert.Equal(kept, list.GetProperty("edges")[0].GetProperty("node").GetProperty("id").GetString());

        var response = await api.Host.AsAsync(stranger, Query, new { id = workspace });
        Assert.Equal(["FORBIDDEN"], response.ErrorCodes);
    }
}
