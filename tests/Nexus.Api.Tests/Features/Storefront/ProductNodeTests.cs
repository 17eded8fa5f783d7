using System.Text.Json;
using Nexus.Api.Features.Storefront;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Infrastructure.Identity;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.GraphQL.Authorization;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Storefront;

/// <summary><c>Product</c> as a Relay node: members of its workspace refetch it by id; nobody else learns it exists.</summary>
[Collection(ApiCollection.Name)]
public sealed class ProductNodeTests(ApiFixture api)
{
    private const string Node = "query ($id: ID!) { node(id: $id) { id ... on Product { title status variants { inventory } } } }";

    [Fact]
    public async Task a_member_refetches_a_product_by_id_drafts_included_and_everyone_else_gets_null()
    {
        Person owner = await api.Host.PersonAsync("Owner"), viewer = await api.Host.PersonAsync("Viewer"), outsider = await api.Host.PersonAsync("Outsider");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        await api.Host.AddMemberAsync(owner, workspace, viewer, "VIEWER");
        var draft = await api.Host.CreateProductAsync(owner, workspace, "Draft mug", stock: 4);
        var published = await api.Host.PublishedProductAsync(owner, workspace, "Published mug");

        foreach (var (id, status) in new[] { (draft, "DRAFT"), (published, "PUBLISHED") })
        {
            var node = (await api.Host.AsAsync(viewer, Node, new { id })).Data.GetProperty("node");
            Assert.Equal(id, node.GetProperty("id").GetString());
            Assert.Equal(status, node.GetProperty("status").GetString());
        }

        Assert.Equal(4, (await api.Host.AsAsync(viewer, Node, new { id = draft })).Data.GetProperty("node").GetProperty("variants")[0].GetProperty("inventory").GetInt32());

        // An outsider, an anonymous caller (the storefront shows the published one's id to anyone) and an unknown id:
        // null, the same answer, so none of them tells whether the product exists.
        foreach (var id in new[] { draft, published })
        {
            AssertNull(await api.Host.AsAsync(outsider, Node, new { id }));
            AssertNull(await api.Host.PostGraphQLAsync(Node, new { id }));
        }

        AssertNull(await api.Host.AsAsync(viewer, Node, new { id = GlobalId.Encode(Product.TypeName, Guid.NewGuid()) }));
        Assert.Contains("BAD_REQUEST", (await api.Host.AsAsync(viewer, Node, new { id = "Product:nope" })).ErrorCodes);
    }

    [Fact]
    public async Task node_fields_load_products_of_several_workspaces_in_one_document_and_hide_the_foreign_one()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var stranger = await api.Host.PersonAsync("Stranger");
        var mine = await api.Host.CreateProductAsync(owner, await api.Host.CreateWorkspaceAsync(owner), "Mine");
        var alsoMine = await api.Host.CreateProductAsync(owner, await api.Host.CreateWorkspaceAsync(owner, "Second"), "Also mine");
        var theirs = await api.Host.CreateProductAsync(stranger, await api.Host.CreateWorkspaceAsync(stranger, "Theirs"), "Theirs");

        var response = await api.Host.AsAsync(owner, "query ($a: ID!, $b: ID!, $c: ID!) { a: node(id: $a) { id } b: node(id: $b) { id } c: node(id: $c) { id } }",
            new { a = mine, b = alsoMine, c = theirs });

        Assert.True(response.Errors.Length == 0, response.Body.ToString());
        Assert.Equal(mine, response.Data.GetProperty("a").GetProperty("id").GetString());
        Assert.Equal(alsoMine, response.Data.GetProperty("b").GetProperty("id").GetString());
        Assert.Equal(JsonValueKind.Null, response.Data.GetProperty("c").ValueKind);
    }

    [Fact]
    public async Task apps_are_refused_products_through_node_as_workspace_products_is_first_party()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var product = await api.Host.CreateProductAsync(owner, workspace);
        var app = await api.Host.RegisterConfidentialAppAsync(owner, workspace);

        var refused = await api.Host.PostGraphQLAsync(await api.Host.AppTokenAsync(app, [.. AppScope.All]), Node, new { id = product });

        Assert.True(refused.ErrorCodes is ["FORBIDDEN"], refused.Body.ToString());
        Assert.Contains("`Product`", refused.Errors[0].GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private static void AssertNull(GraphQLResponse response)
    {
        Assert.True(response.Errors.Length == 0, response.Body.ToString());
        Assert.Equal(JsonValueKind.Null, response.Data.GetProperty("node").ValueKind);
    }
}
