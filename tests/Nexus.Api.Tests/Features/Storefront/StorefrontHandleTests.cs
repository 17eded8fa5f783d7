using System.Text.Json;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Storefront;

/// <summary>A storefront's public handle: set by an admin, unique across workspaces (also under a race), freed when changed.</summary>
[Collection(ApiCollection.Name)]
public sealed class StorefrontHandleTests(ApiFixture api)
{
    private const string Find = "query ($h: String!) { storefront(handle: $h) { handle name products { totalCount } } }";

    private Task<JsonElement> SetAsync(Person admin, string workspace, string handle) =>
        api.Host.MutateAsync(admin, "setStorefrontHandle", "SetStorefrontHandleInput", new { workspaceId = workspace, handle },
            "workspace { id storefrontHandle } errors { __typename ... on Error { code path } }");

    private async Task<JsonElement> FindAsync(string handle) => (await api.Host.QueryAsync(Find, new { h = handle })).GetProperty("storefront");

    [Fact]
    public async Task an_admin_names_the_storefront_the_public_finds_it_by_that_name_and_a_new_name_frees_the_old()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner, "Corner Shop");
        await api.Host.PublishedProductAsync(owner, workspace);
        var first = $"Corner-{Guid.NewGuid():N}"[..30];

        var set = await SetAsync(owner, workspace, $"  {first}  ");

        Assert.Equal(0, set.GetProperty("errors").GetArrayLength());
        Assert.Equal(first.ToLowerInvariant(), set.GetProperty("workspace").GetProperty("storefrontHandle").GetString());
        var found = await FindAsync(first);
        Assert.Equal((first.ToLowerInvariant(), "Corner Shop", 1), (found.GetProperty("handle").GetString(), found.GetProperty("name").GetString(),
            found.GetProperty("products").GetProperty("totalCount").GetInt32()));

        // Renamed: the old handle finds nothing and is free for another workspace at once.
        var second = $"corner-{Guid.NewGuid():N}"[..30];
        Assert.Equal(0, (await SetAsync(owner, workspace, second)).GetProperty("errors").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, (await FindAsync(first)).ValueKind);
        Assert.Equal("Corner Shop", (await FindAsync(second)).GetProperty("name").GetString());
        var other = await api.Host.CreateWorkspaceAsync(owner, "Next Door");
        Assert.Equal(0, (await SetAsync(owner, other, first)).GetProperty("errors").GetArrayLength());
        Assert.Equal("Next Door", (await FindAsync(first)).GetProperty("name").GetString());

        // Setting the same handle again changes nothing and is no error.
        Assert.Equal(0, (await SetAsync(owner, other, first.ToUpperInvariant())).GetProperty("errors").GetArrayLength());
    }

    [Fact]
    public async Task a_handle_another_storefront_has_is_taken_and_malformed_handles_are_refused()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var mine = await api.Host.CreateWorkspaceAsync(owner);
        var theirs = await api.Host.CreateWorkspaceAsync(owner, "Theirs");
        var handle = await api.Host.StorefrontHandleAsync(owner, theirs);

        var taken = await SetAsync(owner, mine, handle.ToUpperInvariant());
        Assert.Equal("HANDLE_TAKEN", taken.GetProperty("errors")[0].GetProperty("code").GetString());
        Assert.Equal(JsonValueKind.Null, taken.GetProperty("workspace").ValueKind);
        Assert.Equal("Theirs", (await FindAsync(handle)).GetProperty("name").GetString());

        foreach (var bad in new[] { "ab", new string('a', 41), "-shop", "shop-", "my shop", "shöp", "shop/1", "" })
        {
            var refused = await SetAsync(owner, mine, bad);
            Assert.True(refused.GetProperty("errors").GetArrayLength() == 1 && refused.GetProperty("errors")[0].GetProperty("code").GetString() == "VALIDATION", bad + ": " + refused);
        }

        var member = await api.Host.PersonAsync("Editor");
        await api.Host.AddMemberAsync(owner, mine, member, "EDITOR");
        var forbidden = await api.Host.AsAsync(member, "mutation ($input: SetStorefrontHandleInput!) { setStorefrontHandle(input: $input) { errors { __typename } } }",
            new { input = new { workspaceId = mine, handle = $"e-{Guid.NewGuid():N}" } });
        Assert.Contains("FORBIDDEN", forbidden.ErrorCodes);
    }

    [Fact]
    public async Task workspaces_claiming_one_handle_at_once_get_it_exactly_once()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspaces = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            workspaces.Add(await api.Host.CreateWorkspaceAsync(owner, $"Racer {i}"));
        }

        var handle = $"race-{Guid.NewGuid():N}";
        var answers = await Task.WhenAll(workspaces.Select(w => SetAsync(owner, w, handle)));

        var winner = Assert.Single(answers, a => a.GetProperty("errors").GetArrayLength() == 0);
        Assert.All(answers.Where(a => a.GetProperty("errors").GetArrayLength() > 0),
            lost => Assert.Equal("HANDLE_TAKEN", lost.GetProperty("errors")[0].GetProperty("code").GetString()));
        var winnerId = winner.GetProperty("workspace").GetProperty("id").GetString();
        Assert.Equal($"Racer {workspaces.IndexOf(winnerId!)}", (await FindAsync(handle)).GetProperty("name").GetString());
    }
}
