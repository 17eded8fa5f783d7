using System.Text.Json;
using Nexus.Api.Features.Storefront;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Infrastructure.Identity;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.GraphQL.Authorization;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Storefront;

/// <summary>The sellers' order list (<c>Workspace.orders</c>) and <c>Order</c> as a Relay node.</summary>
[Collection(ApiCollection.Name)]
public sealed class SellerOrderTests(ApiFixture api)
{
    private const string Orders = """
        query ($id: ID!, $first: Int, $after: String, $status: OrderStatus, $product: ID) { workspace(id: $id) {
          orders(first: $first, after: $after, status: $status, productId: $product) { edges { cursor node { id status createdAt buyerEmail } } pageInfo { hasNextPage endCursor } } } }
        """;

    private const string Node = "query ($id: ID!) { node(id: $id) { id ... on Order { status buyerEmail total { amount currency } } } }";

    private static readonly DateTimeOffset T0 = new(2026, 10, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task members_page_orders_newest_first_and_filter_them_by_status_and_product()
    {
        Person owner = await api.Host.PersonAsync("Seller"), viewer = await api.Host.PersonAsync("Viewer"), outsider = await api.Host.PersonAsync("Outsider");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        await api.Host.AddMemberAsync(owner, workspace, viewer, "VIEWER");
        var mug = await api.Host.CreateProductAsync(owner, workspace, "Mug");
        var cap = await api.Host.CreateProductAsync(owner, workspace, "Cap");

        // Oldest first: pending, paid, cancelled, paid (cap), refunded (cap).
        var written = new List<string>
        {
            await api.Host.OrderAsync(workspace, new(mug, T0)),
            await api.Host.OrderAsync(workspace, new(mug, T0.AddMinutes(1), PaidAt: T0.AddMinutes(2))),
            await api.Host.OrderAsync(workspace, new(mug, T0.AddMinutes(2), Cancelled: true)),
            await api.Host.OrderAsync(workspace, new(cap, T0.AddMinutes(3), PaidAt: T0.AddMinutes(4))),
            await api.Host.OrderAsync(workspace, new(cap, T0.AddMinutes(4), PaidAt: T0.AddMinutes(5), Refunds: [1000])),
        };
        // Two orders in the same instant still page apart, by id.
        written.Add(await api.Host.OrderAsync(workspace, new(mug, T0.AddMinutes(4))));
        written.Add(await api.Host.OrderAsync(workspace, new(mug, T0.AddMinutes(4))));

        var seen = new List<string>();
        string? after = null;
        do
        {
            var page = await OrdersAsync(viewer, new { id = workspace, first = 2, after });
            seen.AddRange(page.GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("node").GetProperty("id").GetString()!));
            after = page.GetProperty("pageInfo").GetProperty("hasNextPage").GetBoolean() ? page.GetProperty("pageInfo").GetProperty("endCursor").GetString() : null;
        }
        while (after is not null);

        // The three of T0+4 by id (PostgreSQL orders uuids as their hex), then the older ones.
        List<string> expected = [.. written[4..].OrderByDescending(id => Media.Ids.Of(id).ToString("N"), StringComparer.Ordinal), written[3], written[2], written[1], written[0]];
        Assert.Equal(expected, seen);

        var paid = await OrdersAsync(viewer, new { id = workspace, first = 10, status = "PAID" });
        Assert.Equal([written[3], written[1]], Ids(paid));
        Assert.Equal("buyer@example.com", paid.GetProperty("edges")[0].GetProperty("node").GetProperty("buyerEmail").GetString());
        Assert.Equal([written[4]], Ids(await OrdersAsync(viewer, new { id = workspace, first = 10, status = "REFUNDED" })));
        Assert.Equal([written[4], written[3]], Ids(await OrdersAsync(viewer, new { id = workspace, first = 10, product = cap })));
        Assert.Equal([written[3]], Ids(await OrdersAsync(viewer, new { id = workspace, first = 10, product = cap, status = "PAID" })));

        var paidPage = await OrdersAsync(viewer, new { id = workspace, first = 1, status = "PAID" });
        var next = await OrdersAsync(viewer, new { id = workspace, first = 1, status = "PAID", after = paidPage.GetProperty("pageInfo").GetProperty("endCursor").GetString() });
        Assert.Equal([written[1]], Ids(next));
        Assert.False(next.GetProperty("pageInfo").GetProperty("hasNextPage").GetBoolean());

        var refused = await api.Host.AsAsync(outsider, Orders, new { id = workspace, first = 10 });
        Assert.Contains("FORBIDDEN", refused.ErrorCodes);
        var bad = await api.Host.AsAsync(viewer, Orders, new { id = workspace, first = 10, product = "Product:nope" });
        Assert.Contains("BAD_REQUEST", bad.ErrorCodes);
    }

    [Fact]
    public async Task a_member_refetches_an_order_by_id_and_everyone_else_gets_null_or_apps_forbidden()
    {
        Person owner = await api.Host.PersonAsync("Seller"), viewer = await api.Host.PersonAsync("Viewer"), outsider = await api.Host.PersonAsync("Outsider");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        await api.Host.AddMemberAsync(owner, workspace, viewer, "VIEWER");
        var mug = await api.Host.CreateProductAsync(owner, workspace);
        var order = await api.Host.OrderAsync(workspace, new(mug, T0, Quantity: 2, UnitAmount: 1500, PaidAt: T0.AddMinutes(1)));

        var node = (await api.Host.AsAsync(viewer, Node, new { id = order })).Data.GetProperty("node");
        Assert.Equal(order, node.GetProperty("id").GetString());
        Assert.Equal("PAID", node.GetProperty("status").GetString());
        Assert.Equal("buyer@example.com", node.GetProperty("buyerEmail").GetString());
        Assert.Equal(3000, node.GetProperty("total").GetProperty("amount").GetInt64());

        AssertNull(await api.Host.AsAsync(outsider, Node, new { id = order }));
        AssertNull(await api.Host.PostGraphQLAsync(Node, new { id = order }));
        AssertNull(await api.Host.AsAsync(viewer, Node, new { id = GlobalId.Encode(Order.TypeName, Guid.NewGuid()) }));

        var app = await api.Host.RegisterConfidentialAppAsync(owner, workspace);
        var refused = await api.Host.PostGraphQLAsync(await api.Host.AppTokenAsync(app, [.. AppScope.All]), Node, new { id = order });
        Assert.True(refused.ErrorCodes is ["FORBIDDEN"], refused.Body.ToString());
        Assert.Contains("`Order`", refused.Errors[0].GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private async Task<JsonElement> OrdersAsync(Person person, object variables)
    {
        var response = await api.Host.AsAsync(person, Orders, variables);
        Assert.True(response.Errors.Length == 0, response.Body.ToString());
        return response.Data.GetProperty("workspace").GetProperty("orders");
    }

    private static List<string> Ids(JsonElement connection) =>
        [.. connection.GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("node").GetProperty("id").GetString()!)];

    private static void AssertNull(GraphQLResponse response)
    {
        Assert.True(response.Errors.Length == 0, response.Body.ToString());
        Assert.Equal(JsonValueKind.Null, response.Data.GetProperty("node").ValueKind);
    }
}
