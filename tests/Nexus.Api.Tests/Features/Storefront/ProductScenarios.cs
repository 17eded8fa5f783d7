using System.Text.Json;
using Alba;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Storefront;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Tests.Features.Media;
using Nexus.Api.Tests.Features.Workspaces;

namespace Nexus.Api.Tests.Features.Storefront;

/// <summary>Products made through the API, as an editor makes them.</summary>
public static class ProductScenarios
{
    public const string Selection = "product { id title description status delivery price { amount currency } variants { id name sku price { amount currency } inventory inStock } media { id } version }";

    /// <summary>A physical product with one variant holding <paramref name="stock"/>; its global id.</summary>
    public static async Task<string> CreateProductAsync(this IAlbaHost host, Person editor, string workspaceId, string title = "Mug", int stock = 5, string[]? mediaIds = null)
    {
        var payload = await host.MutateAsync(editor, "createProduct", "CreateProductInput", PhysicalInput(workspaceId, title, stock, mediaIds), Selection);
        Assert.True(payload.GetProperty("errors").GetArrayLength() == 0, payload.ToString());
        return payload.GetProperty("product").GetProperty("id").GetString()!;
    }

    public static object PhysicalInput(string workspaceId, string title = "Mug", int stock = 5, string[]? mediaIds = null) => new
    {
        workspaceId,
        title,
        description = "A sturdy mug.",
        mediaIds = mediaIds ?? [],
        price = 1999,
        currency = "EUR",
        delivery = "PHYSICAL",
        variants = new[] { new { name = "Standard", sku = "MUG-1", inventory = stock } },
    };

    public static async Task<string> PublishedProductAsync(this IAlbaHost host, Person editor, string workspaceId, string title = "Mug", int stock = 5, string[]? mediaIds = null)
    {
        var id = await host.CreateProductAsync(editor, workspaceId, title, stock, mediaIds);
        var published = await host.MutateAsync(editor, "publishProduct", "PublishProductInput", new { productId = id }, Selection);
        Assert.Equal(0, published.GetProperty("errors").GetArrayLength());
        return id;
    }

    /// <summary>Gives the workspace's storefront a fresh handle (as its owner or an admin); the handle.</summary>
    public static async Task<string> StorefrontHandleAsync(this IAlbaHost host, Person admin, string workspaceId, string? handle = null)
    {
        handle ??= $"shop-{Guid.NewGuid():N}";
        var payload = await host.MutateAsync(admin, "setStorefrontHandle", "SetStorefrontHandleInput", new { workspaceId, handle }, "workspace { storefrontHandle }");
        Assert.True(payload.GetProperty("errors").GetArrayLength() == 0, payload.ToString());
        return handle;
    }

    /// <summary>"productId|variantId" of a new product's one variant (for calls that name both).</summary>
    public static async Task<string> ProductAndVariantAsync(IAlbaHost host, Person editor, string workspaceId)
    {
        var payload = await host.MutateAsync(editor, "createProduct", "CreateProductInput", PhysicalInput(workspaceId), Selection);
        var product = payload.GetProperty("product");
        return product.GetProperty("id").GetString() + "|" + product.GetProperty("variants")[0].GetProperty("id").GetString();
    }

    /// <summary>The product as its workspace's members see it, found through <c>Workspace.products</c>.</summary>
    public static async Task<JsonElement?> ProductOfAsync(IAlbaHost host, Person member, string productId)
    {
        var workspaces = await host.AsAsync(member, "{ me { workspaces { edges { node { id products(first: 100) { edges { node { id status variants { id inventory inStock } } } } } } } } }");
        foreach (var workspace in workspaces.Data.GetProperty("me").GetProperty("workspaces").GetProperty("edges").EnumerateArray())
        {
            foreach (var edge in workspace.GetProperty("node").GetProperty("products").GetProperty("edges").EnumerateArray())
            {
                if (edge.GetProperty("node").GetProperty("id").GetString() == productId)
                {
                    return edge.GetProperty("node");
                }
            }
        }

        return null;
    }
}

/// <summary>Orders written straight to their streams, for tests about who may act on one (no Stripe needed).</summary>
public static class OrderScenarios
{
    /// <summary>A PENDING order of a new product in the workspace; its global id.</summary>
    public static async Task<string> PendingOrderAsync(IAlbaHost host, Person owner, string workspaceId)
    {
        var product = await host.PublishedProductAsync(owner, workspaceId);
        var orderId = Guid.CreateVersion7();
        var now = DateTimeOffset.UtcNow;
        await using var session = host.Services.GetRequiredService<IDocumentStore>().LightweightSession();
        session.Events.StartStream<Order>(orderId, new OrderPlaced(orderId, Ids.Of(workspaceId), Ids.Of(product), Guid.NewGuid(), "Mug", "Standard",
            DeliveryKind.Physical, 1, 1999, "EUR", null, now.AddMinutes(30), now));
        await session.SaveChangesAsync();
        return GlobalId.Encode(Order.TypeName, orderId);
    }
}
