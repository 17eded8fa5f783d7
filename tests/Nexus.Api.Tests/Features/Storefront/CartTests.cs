using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Billing.Subscribing;
using Nexus.Api.Features.Storefront;
using Nexus.Api.Features.Storefront.CheckingOut;
using Nexus.Api.Tests.Features.Billing;
using Nexus.Api.Tests.Features.Media;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Storefront;

/// <summary>
/// <c>checkoutProducts</c> with several lines: one order, one Stripe line item per line, the stock of every physical
/// line held in one commit (or none of it), digital lines delivered by their own links, refunds restocking every
/// physical line and sales counted per product.
/// </summary>
[Collection(StripeCollection.Name)]
public sealed class CartTests(StripeFixture api)
{
    private const string Checkout = """
        mutation ($input: CheckoutProductsInput!) { checkoutProducts(input: $input) {
          url orderToken order { id status total { amount currency } lines { productId variantId productTitle quantity unitPrice { amount } total { amount } } }
          errors { __typename ... on Error { code message path } ... on OutOfStockError { available } } } }
        """;

    private async Task<Item> ProductAsync(Person owner, string workspace, string title, long price, int? stock, string currency = "EUR", string? file = null)
    {
        var created = await api.Host.MutateAsync(owner, "createProduct", "CreateProductInput", new
        {
            workspaceId = workspace,
            title,
            description = "",
            price,
            currency,
            delivery = file is null ? "PHYSICAL" : "DIGITAL",
            digitalFileId = file,
            variants = new[] { new { name = "Standard", inventory = stock } },
        }, ProductScenarios.Selection);
        Assert.True(created.GetProperty("errors").GetArrayLength() == 0, created.ToString());
        var product = created.GetProperty("product");
        var id = product.GetProperty("id").GetString()!;
        Assert.Equal(0, (await api.Host.MutateAsync(owner, "publishProduct", "PublishProductInput", new { productId = id }, ProductScenarios.Selection)).GetProperty("errors").GetArrayLength());
        return new Item(id, product.GetProperty("variants")[0].GetProperty("id").GetString()!, workspace);
    }

    private async Task<JsonElement> CheckoutAsync(string handle, params (Item Item, int Quantity)[] lines)
    {
        var response = await api.Host.PostGraphQLAsync(Checkout, new
        {
            input = new { handle, items = lines.Select(l => new { productId = l.Item.Product, variantId = l.Item.Variant, quantity = l.Quantity }).ToArray() },
        });
        Assert.True(response.Status == 200 && response.Errors.Length == 0, response.Body.ToString());
        return response.Data.GetProperty("checkoutProducts");
    }

    private sealed record Item(string Product, string Variant, string Workspace);

    private async Task<int> StockAsync(Person owner, Item item)
    {
        var data = await api.Host.AsAsync(owner, "query ($id: ID!) { workspace(id: $id) { products(first: 10) { edges { node { id variants { inventory } } } } } }", new { id = item.Workspace });
        Assert.True(data.Errors.Length == 0, data.Body.ToString());
        return data.Data.GetProperty("workspace").GetProperty("products").GetProperty("edges").EnumerateArray()
            .Single(e => e.GetProperty("node").GetProperty("id").GetString() == item.Product).GetProperty("node").GetProperty("variants")[0].GetProperty("inventory").GetInt32();
    }

    private static void AssertError(JsonElement error, string code, params string[] path)
    {
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal(path, PathOf(error));
    }

    private static string[] PathOf(JsonElement error) => [.. error.GetProperty("path").EnumerateArray().Select(p => p.GetString()!)];

    [Fact]
    public async Task a_cart_is_one_order_with_a_line_item_per_line_digital_lines_get_links_refunds_restock_every_physical_line_and_sales_are_per_product()
    {
        var owner = await api.Host.PersonAsync("Seller");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var handle = await api.Host.StorefrontHandleAsync(owner, workspace);
        byte[] content = [0x25, 0x50, 0x44, 0x46, 1, 2, 3];
        var file = await api.Host.AddMediaAsync(workspace, "book.jpg", bytes: content);
        var mug = await ProductAsync(owner, workspace, "Mug", 1000, stock: 3);
        var cap = await ProductAsync(owner, workspace, "Cap", 2500, stock: 3);
        var book = await ProductAsync(owner, workspace, "E-book", 900, stock: null, file: file);

        var payload = await CheckoutAsync(handle, (mug, 2), (cap, 1), (book, 1));

        Assert.True(payload.GetProperty("errors").GetArrayLength() == 0, payload.ToString());
        var order = payload.GetProperty("order");
        Assert.Equal(2 * 1000 + 2500 + 900, order.GetProperty("total").GetProperty("amount").GetInt64());
        Assert.Equal(["Mug", "Cap", "E-book"], order.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("productTitle").GetString()));
        Assert.Equal([mug.Variant, cap.Variant, book.Variant], order.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("variantId").GetString()));
        Assert.Equal(2000, order.GetProperty("lines")[0].GetProperty("total").GetProperty("amount").GetInt64());
        Assert.Equal((1, 2), (await StockAsync(owner, mug), await StockAsync(owner, cap)));

        // One Stripe line item per line, in minor units.
        var sessionId = payload.GetProperty("url").GetString()!.Split('/')[^1];
        var session = api.Stripe.Session(sessionId);
        Assert.Equal(5400, (long)session["amount_total"]!);
        var items = session["nexus_line_items"]!.AsArray();
        Assert.Equal([(2L, 1000L), (1L, 2500L), (1L, 900L)], items.Select(i => ((long)i!["quantity"]!, (long)i["unit_amount"]!)));

        // Paid: a physical line waits to ship, so the order is PAID (not fulfilled); the digital line has its own link.
        await api.DeliverAsync("checkout.session.completed", api.Stripe.Pay(sessionId, email: "cart@example.com"));
        var view = (await api.Host.QueryAsync("query ($id: ID!, $token: String!) { storefrontOrder(orderId: $id, token: $token) { status lines { productTitle downloadUrl } } }",
            new { id = order.GetProperty("id").GetString(), token = payload.GetProperty("orderToken").GetString() })).GetProperty("storefrontOrder");
        Assert.Equal("PAID", view.GetProperty("status").GetString());
        var lines = view.GetProperty("lines").EnumerateArray().ToArray();
        Assert.Equal(JsonValueKind.Null, lines[0].GetProperty("downloadUrl").ValueKind);
        Assert.Equal(JsonValueKind.Null, lines[1].GetProperty("downloadUrl").ValueKind);
        var link = new Uri(lines[2].GetProperty("downloadUrl").GetString()!);
        using var client = api.Host.Server.CreateClient();
        var redirect = await client.GetAsync(link.PathAndQuery);
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.Equal(content, await client.GetByteArrayAsync(redirect.Headers.Location!.PathAndQuery));
        var mail = api.Host.Services.GetRequiredService<Nexus.Api.Infrastructure.Email.MailDrop>();
        await Eventually.TrueAsync(() => mail.For("cart@example.com").Any(m => m.Kind == "order-paid" && m.TextBody.Contains("E-book: ") && m.TextBody.Contains("/download?token=")),
            "the receipt has no download link for the digital line");

        // Sales: each product's row has its lines' units and share.
        var sales = await SalesAsync(owner, workspace);
        Assert.Equal(5400, sales.GetProperty("totals")[0].GetProperty("gross").GetProperty("amount").GetInt64());
        Assert.Equal(1, sales.GetProperty("totals")[0].GetProperty("orders").GetInt32());
        Assert.Equal(4, sales.GetProperty("totals")[0].GetProperty("units").GetInt64());
        var rows = sales.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("productId").GetString()!);
        Assert.Equal((2L, 2000L), (rows[mug.Product].GetProperty("units").GetInt64(), rows[mug.Product].GetProperty("gross").GetProperty("amount").GetInt64()));
        Assert.Equal((1L, 2500L), (rows[cap.Product].GetProperty("units").GetInt64(), rows[cap.Product].GetProperty("gross").GetProperty("amount").GetInt64()));
        Assert.Equal((1L, 900L), (rows[book.Product].GetProperty("units").GetInt64(), rows[book.Product].GetProperty("gross").GetProperty("amount").GetInt64()));

        // The seller's listing finds the order by any of its products.
        var byCap = await api.Host.AsAsync(owner, "query ($id: ID!, $p: ID) { workspace(id: $id) { orders(productId: $p) { edges { node { id lines { product { id } } } } } } }",
            new { id = workspace, p = cap.Product });
        Assert.Equal(order.GetProperty("id").GetString(), byCap.Data.GetProperty("workspace").GetProperty("orders").GetProperty("edges")[0].GetProperty("node").GetProperty("id").GetString());

        // A whole refund with restock puts both physical lines back; the digital link stops.
        var refunded = await api.Host.MutateAsync(owner, "refundOrder", "RefundOrderInput", new { orderId = order.GetProperty("id").GetString(), restock = true },
            "order { status restocked refunded { amount } }");
        Assert.True(refunded.GetProperty("errors").GetArrayLength() == 0, refunded.ToString());
        Assert.Equal("REFUNDED", refunded.GetProperty("order").GetProperty("status").GetString());
        Assert.Equal(3, refunded.GetProperty("order").GetProperty("restocked").GetInt32());
        Assert.Equal((3, 3), (await StockAsync(owner, mug), await StockAsync(owner, cap)));
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(link.PathAndQuery)).StatusCode);
        sales = await SalesAsync(owner, workspace);
        var refundedRows = sales.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("productId").GetString()!, r => r.GetProperty("refunded").GetProperty("amount").GetInt64());
        Assert.Equal((2000L, 2500L, 900L), (refundedRows[mug.Product], refundedRows[cap.Product], refundedRows[book.Product]));
    }

    private async Task<JsonElement> SalesAsync(Person owner, string workspace)
    {
        var now = DateTimeOffset.UtcNow;
        var response = await api.Host.AsAsync(owner, """
            query ($id: ID!, $from: DateTime!, $to: DateTime!) { workspace(id: $id) { sales(from: $from, to: $to, period: MONTH) {
              rows { productId orders units gross { amount } refunded { amount } } totals { currency orders units gross { amount } refunded { amount } } } } }
            """, new { id = workspace, from = now.AddDays(-2), to = now.AddDays(2) });
        Assert.True(response.Errors.Length == 0, response.Body.ToString());
        return response.Data.GetProperty("workspace").GetProperty("sales");
    }

    [Fact]
    public async Task a_refused_line_holds_nothing_of_the_others()
    {
        var owner = await api.Host.PersonAsync("Seller");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var handle = await api.Host.StorefrontHandleAsync(owner, workspace);
        var mug = await ProductAsync(owner, workspace, "Mug", 1000, stock: 3);
        var cap = await ProductAsync(owner, workspace, "Cap", 1000, stock: 1);

        var payload = await CheckoutAsync(handle, (mug, 2), (cap, 2));

        var error = Assert.Single(payload.GetProperty("errors").EnumerateArray());
        Assert.Equal("OUT_OF_STOCK", error.GetProperty("code").GetString());
        Assert.Equal(1, error.GetProperty("available").GetInt32());
        Assert.Equal(["input", "items", "1", "quantity"], PathOf(error));
        Assert.Equal(JsonValueKind.Null, payload.GetProperty("order").ValueKind);
        Assert.Equal((3, 1), (await StockAsync(owner, mug), await StockAsync(owner, cap)));
    }

    [Fact]
    public async Task lines_of_another_storefront_twice_the_same_variant_mixed_currencies_and_unknown_handles_are_refused()
    {
        var owner = await api.Host.PersonAsync("Seller");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var other = await api.Host.CreateWorkspaceAsync(owner, "Other");
        var handle = await api.Host.StorefrontHandleAsync(owner, workspace);
        await api.Host.StorefrontHandleAsync(owner, other);
        var mug = await ProductAsync(owner, workspace, "Mug", 1000, stock: 5);
        var dollars = await ProductAsync(owner, workspace, "Import", 1000, stock: 5, currency: "USD");
        var foreign = await ProductAsync(owner, other, "Elsewhere", 1000, stock: 5);

        var elsewhere = (await CheckoutAsync(handle, (mug, 1), (foreign, 1))).GetProperty("errors")[0];
        AssertError(elsewhere, "NOT_FOUND", "input", "items", "1", "productId");
        var twice = (await CheckoutAsync(handle, (mug, 1), (mug, 2))).GetProperty("errors")[0];
        Assert.Equal("VALIDATION", twice.GetProperty("code").GetString());
        var mixed = (await CheckoutAsync(handle, (mug, 1), (dollars, 1))).GetProperty("errors")[0];
        AssertError(mixed, "CURRENCY_MISMATCH", "input", "items", "1", "productId");
        var wrongVariant = (await CheckoutAsync(handle, (mug with { Variant = dollars.Variant }, 1))).GetProperty("errors")[0];
        AssertError(wrongVariant, "NOT_FOUND", "input", "items", "0", "variantId");
        var nowhere = (await CheckoutAsync($"none-{Guid.NewGuid():N}", (mug, 1))).GetProperty("errors")[0];
        AssertError(nowhere, "NOT_FOUND", "input", "handle");
        var empty = (await CheckoutAsync(handle)).GetProperty("errors")[0];
        Assert.Equal("VALIDATION", empty.GetProperty("code").GetString());
        var tooLong = (await api.Host.PostGraphQLAsync(Checkout, new
        {
            input = new { handle, items = Enumerable.Range(0, OrderRules.MaxLines + 1).Select(_ => new { productId = mug.Product, variantId = ProductRulesVariant(), quantity = 1 }).ToArray() },
        })).Data.GetProperty("checkoutProducts").GetProperty("errors")[0];
        Assert.Equal("VALIDATION", tooLong.GetProperty("code").GetString());

        Assert.Equal((5, 5), (await StockAsync(owner, mug), await StockAsync(owner, dollars)));
        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        Assert.Equal(0, await session.Query<Order>().CountAsync(o => o.WorkspaceId == Ids.Of(workspace)));
    }

    private static string ProductRulesVariant() => ProductRules.VariantGlobalId(Guid.CreateVersion7());

    [Fact]
    public async Task concurrent_carts_crossing_the_same_last_items_sell_them_once_and_never_deadlock()
    {
        var owner = await api.Host.PersonAsync("Seller");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var handle = await api.Host.StorefrontHandleAsync(owner, workspace);
        var mug = await ProductAsync(owner, workspace, "Mug", 1000, stock: 1);
        var cap = await ProductAsync(owner, workspace, "Cap", 1000, stock: 1);

        // Half the carts name the mug first, half the cap: the reservations are written in one order all the same.
        var payloads = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => i % 2 == 0 ? CheckoutAsync(handle, (mug, 1), (cap, 1)) : CheckoutAsync(handle, (cap, 1), (mug, 1))));

        var won = Assert.Single(payloads, p => p.GetProperty("errors").GetArrayLength() == 0);
        Assert.All(payloads.Where(p => p.GetProperty("errors").GetArrayLength() > 0), lost => Assert.Equal("OUT_OF_STOCK", lost.GetProperty("errors")[0].GetProperty("code").GetString()));
        Assert.Equal((0, 0), (await StockAsync(owner, mug), await StockAsync(owner, cap)));
        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var order = Assert.Single(await session.Query<Order>().Where(o => o.WorkspaceId == Ids.Of(workspace)).ToListAsync());
        Assert.Equal(Ids.Of(won.GetProperty("order").GetProperty("id").GetString()!), order.Id);
        Assert.Equal(2, order.Lines.Count);

        // Expired: both lines come back.
        var sessionId = won.GetProperty("url").GetString()!.Split('/')[^1];
        await api.DeliverAsync("checkout.session.expired", api.Stripe.ExpireNow(sessionId));
        Assert.Equal((1, 1), (await StockAsync(owner, mug), await StockAsync(owner, cap)));
    }
}
