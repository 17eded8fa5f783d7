using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Billing.Subscribing;
using Nexus.Api.Features.Storefront;
using Nexus.Api.Features.Storefront.CheckingOut;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Infrastructure.Email;
using Nexus.Api.Tests.Features.Billing;
using Nexus.Api.Tests.Features.Media;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;
using Wolverine;

namespace Nexus.Api.Tests.Features.Storefront;

/// <summary>
/// Orders of the storefront through Stripe Checkout, against the Stripe fake: the buyer has no account, stock is held
/// while they pay and comes back when they do not, payments and refunds arrive as signed webhooks.
/// </summary>
[Collection(StripeCollection.Name)]
public sealed class OrderTests(StripeFixture api)
{
    private const string OrderSelection = "id status productTitle variantName delivery quantity unitPrice { amount currency } total { amount currency } refunded { amount currency } holdUntil paidAt fulfilledAt carrier trackingNumber";

    private const string Checkout = """
        mutation ($input: CheckoutProductsInput!) { checkoutProducts(input: $input) {
          url orderToken order { id status total { amount currency } holdUntil }
          errors { __typename ... on Error { code message path } ... on OutOfStockError { available } } } }
        """;

    private sealed record Shop(Person Owner, string Workspace, string Product, string Variant, string Handle);

    private sealed record Started(string OrderId, string Token, string Url, string SessionId);

    private async Task<Shop> ShopAsync(int stock = 1, long price = 2500)
    {
        var owner = await api.Host.PersonAsync("Seller");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var created = await api.Host.MutateAsync(owner, "createProduct", "CreateProductInput", new
        {
            workspaceId = workspace,
            title = "Poster",
            description = "A signed print.",
            price,
            currency = "EUR",
            delivery = "PHYSICAL",
            variants = new[] { new { name = "A2", inventory = stock } },
        }, ProductScenarios.Selection);
        var product = created.GetProperty("product");
        var id = product.GetProperty("id").GetString()!;
        Assert.Equal(0, (await api.Host.MutateAsync(owner, "publishProduct", "PublishProductInput", new { productId = id }, ProductScenarios.Selection)).GetProperty("errors").GetArrayLength());
        return new Shop(owner, workspace, id, product.GetProperty("variants")[0].GetProperty("id").GetString()!, await api.Host.StorefrontHandleAsync(owner, workspace));
    }

    /// <summary>An anonymous checkout; the payload.</summary>
    private async Task<JsonElement> CheckoutAsync(Shop shop, int quantity = 1, string? email = null)
    {
        var response = await api.Host.PostGraphQLAsync(Checkout, new { input = new { handle = shop.Handle, items = new[] { new { productId = shop.Product, variantId = shop.Variant, quantity } }, email } });
        Assert.True(response.Status == 200 && response.Errors.Length == 0, response.Body.ToString());
        return response.Data.GetProperty("checkoutProducts");
    }

    private async Task<Started> StartAsync(Shop shop, int quantity = 1)
    {
        var payload = await CheckoutAsync(shop, quantity);
        Assert.Equal(0, payload.GetProperty("errors").GetArrayLength());
        var url = payload.GetProperty("url").GetString()!;
        return new Started(payload.GetProperty("order").GetProperty("id").GetString()!, payload.GetProperty("orderToken").GetString()!, url, url.Split('/')[^1]);
    }

    private async Task<int?> StockAsync(Shop shop)
    {
        var data = await api.Host.AsAsync(shop.Owner, "query ($id: ID!) { workspace(id: $id) { products(first: 5) { edges { node { id variants { inventory } } } } } }", new { id = shop.Workspace });
        Assert.True(data.Errors.Length == 0, data.Body.ToString());
        return data.Data.GetProperty("workspace").GetProperty("products").GetProperty("edges").EnumerateArray()
            .Single(e => e.GetProperty("node").GetProperty("id").GetString() == shop.Product).GetProperty("node").GetProperty("variants")[0].GetProperty("inventory").GetInt32();
    }

    private async Task<Order> OrderAsync(string orderId)
    {
        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return (await session.LoadAsync<Order>(Ids.Of(orderId)))!;
    }

    private async Task<JsonElement> BuyerViewAsync(string orderId, string token) =>
        (await api.Host.QueryAsync($"query ($id: ID!, $token: String!) {{ storefrontOrder(orderId: $id, token: $token) {{ {OrderSelection} downloadUrl }} }}", new { id = orderId, token }))
            .GetProperty("storefrontOrder");

    /// <summary>Delivers a signed event and waits until it is processed.</summary>
    private async Task<string> DeliverAsync(string type, JsonObject dataObject, string? id = null)
    {
        var body = StripeFake.Event(type, dataObject, api.Clock.GetUtcNow(), id);
        Assert.Equal(200, await StripeFake.DeliverAsync(api.Host, body, StripeFake.Signature(body, api.Clock.GetUtcNow())));
        var eventId = StripeFake.IdOf(body);
        await Eventually.TrueAsync(async () =>
        {
            await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
            return (await session.LoadAsync<StripeEventRecord>(eventId))?.ProcessedAt is not null;
        }, $"Stripe event {eventId} was not processed");
        return eventId;
    }

    private async Task<int> EventCountAsync<T>(string streamId)
    {
        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return (await session.Events.FetchStreamAsync(Ids.Of(streamId))).Count(e => e.Data is T);
    }

    [Fact]
    public async Task a_buyer_with_no_account_checks_out_pays_and_the_signed_webhook_makes_the_order_paid_once()
    {
        var shop = await ShopAsync(stock: 3, price: 2500);
        var started = await StartAsync(shop, quantity: 2);

        // Stock is held at once, and Stripe got the order: amounts in minor units, the hold as expires_at, a key per order.
        Assert.Equal(1, await StockAsync(shop));
        var session = api.Stripe.Session(started.SessionId);
        Assert.Equal("payment", (string?)session["mode"]);
        Assert.Equal(5000, (long)session["amount_total"]!);
        Assert.Equal("eur", (string?)session["currency"]);
        Assert.Equal(Ids.Of(started.OrderId).ToString(), (string?)session["metadata"]!["orderId"]);
        var order = await OrderAsync(started.OrderId);
        Assert.Equal(OrderStatus.Pending, order.Status);
        Assert.Equal(order.HoldUntil.ToUnixTimeSeconds(), (long)session["expires_at"]!);
        Assert.InRange(order.HoldUntil - order.CreatedAt, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(30.01));
        var request = Assert.Single(api.Stripe.Requests("/v1/checkout/sessions"), r => r.Form["client_reference_id"] == Ids.Of(started.OrderId).ToString());
        Assert.Equal($"nexus-order-{Ids.Of(started.OrderId):N}", request.Headers["Idempotency-Key"].Single());
        Assert.Contains(Ids.Of(started.OrderId).ToString("N"), (string?)session["success_url"]);

        var pending = await BuyerViewAsync(started.OrderId, started.Token);
        Assert.Equal("PENDING", pending.GetProperty("status").GetString());
        Assert.Equal(5000, pending.GetProperty("total").GetProperty("amount").GetInt64());

        var paid = api.Stripe.Pay(started.SessionId, email: "bea@example.com");
        var eventId = await DeliverAsync("checkout.session.completed", paid);
        var view = await BuyerViewAsync(started.OrderId, started.Token);
        Assert.Equal("PAID", view.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, view.GetProperty("downloadUrl").ValueKind);
        order = await OrderAsync(started.OrderId);
        Assert.Equal("bea@example.com", order.BuyerEmail);
        Assert.Equal($"pi_{started.SessionId[3..]}", order.PaymentIntentId);
        Assert.Equal(5000, order.AmountPaid);
        Assert.Equal(1, await StockAsync(shop));

        // The same delivery again, and a second event about the same session: one payment.
        Assert.Equal(200, await StripeFake.DeliverAsync(api.Host, StripeFake.Event("checkout.session.completed", paid, api.Clock.GetUtcNow(), eventId),
            StripeFake.Signature(StripeFake.Event("checkout.session.completed", paid, api.Clock.GetUtcNow(), eventId), api.Clock.GetUtcNow())));
        await DeliverAsync("checkout.session.completed", paid);
        Assert.Equal(1, await EventCountAsync<OrderPaid>(started.OrderId));

        var mail = api.Host.Services.GetRequiredService<MailDrop>();
        await Eventually.TrueAsync(() => mail.For("bea@example.com").Any(m => m.Kind == "order-paid"), "the buyer got no receipt");
        await Eventually.TrueAsync(() => mail.For(shop.Owner.Email).Any(m => m.Kind == "order-received"), "the seller was not told of the order");
    }

    [Fact]
    public async Task concurrent_checkouts_of_the_last_item_sell_it_exactly_once()
    {
        var shop = await ShopAsync(stock: 1);
        var payloads = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => CheckoutAsync(shop)));

        var won = Assert.Single(payloads, p => p.GetProperty("errors").GetArrayLength() == 0);
        foreach (var lost in payloads.Where(p => p.GetProperty("errors").GetArrayLength() > 0))
        {
            var error = lost.GetProperty("errors")[0];
            Assert.Equal("OUT_OF_STOCK", error.GetProperty("code").GetString());
            Assert.Equal(0, error.GetProperty("available").GetInt32());
            Assert.Equal(JsonValueKind.Null, lost.GetProperty("url").ValueKind);
        }

        Assert.Equal(0, await StockAsync(shop));
        Assert.Single(api.Stripe.PaymentSessions, s => (string?)s["metadata"]!["workspaceId"] == Ids.Of(shop.Workspace).ToString());
        var storefront = await api.Host.QueryAsync("query ($h: String!) { storefront(handle: $h) { products { edges { node { variants { inStock } } } } } }", new { h = shop.Handle });
        Assert.False(storefront.GetProperty("storefront").GetProperty("products").GetProperty("edges")[0].GetProperty("node").GetProperty("variants")[0].GetProperty("inStock").GetBoolean());
        Assert.Equal("PENDING", won.GetProperty("order").GetProperty("status").GetString());
    }

    [Fact]
    public async Task an_expired_checkout_cancels_the_order_and_puts_the_stock_back()
    {
        var shop = await ShopAsync(stock: 2);
        var started = await StartAsync(shop, quantity: 2);
        Assert.Equal(0, await StockAsync(shop));

        var expired = api.Stripe.ExpireNow(started.SessionId);
        await DeliverAsync("checkout.session.expired", expired);
        Assert.Equal(OrderStatus.Cancelled, (await OrderAsync(started.OrderId)).Status);
        Assert.Equal("checkout_expired", (await OrderAsync(started.OrderId)).CancelReason);
        Assert.Equal(2, await StockAsync(shop));

        // Told again (a replay under a new id, or the hold's own timer): nothing more comes back.
        await DeliverAsync("checkout.session.expired", expired);
        await api.Host.Services.GetRequiredService<IMessageBus>().InvokeAsync(new ExpireOrder(Ids.Of(started.OrderId)));
        Assert.Equal(2, await StockAsync(shop));
        Assert.Equal(1, await EventCountAsync<ProductStockReleased>(shop.Product));
    }

    [Fact]
    public async Task when_the_webhook_is_lost_the_holds_timer_asks_stripe_and_settles_either_way()
    {
        var shop = await ShopAsync(stock: 2);
        var abandoned = await StartAsync(shop);
        var bought = await StartAsync(shop);
        Assert.Equal(0, await StockAsync(shop));
        api.Stripe.Pay(bought.SessionId, email: "late@example.com");

        // The expiry check is scheduled durably with the reservation, for after the hold.
        var order = await OrderAsync(abandoned.OrderId);
        Assert.True(await ScheduledExpiryAsync(), "no ExpireOrder was scheduled");

        var bus = api.Host.Services.GetRequiredService<IMessageBus>();
        await bus.InvokeAsync(new ExpireOrder(Ids.Of(abandoned.OrderId)));
        await bus.InvokeAsync(new ExpireOrder(Ids.Of(bought.OrderId)));

        Assert.Equal("expired", (string?)api.Stripe.Session(abandoned.SessionId)["status"]);
        Assert.Equal(OrderStatus.Cancelled, (await OrderAsync(abandoned.OrderId)).Status);
        Assert.Equal(OrderStatus.Paid, (await OrderAsync(bought.OrderId)).Status);
        Assert.Equal("complete", (string?)api.Stripe.Session(bought.SessionId)["status"]);
        Assert.Equal(1, await StockAsync(shop));
        Assert.True(order.HoldUntil > DateTimeOffset.UtcNow.AddMinutes(29));
    }

    private async Task<bool> ScheduledExpiryAsync()
    {
        var source = api.Host.Services.GetRequiredService<Npgsql.NpgsqlDataSource>();
        await using var command = source.CreateCommand(
            $"select count(*) from {Nexus.Api.Infrastructure.Persistence.SchemaName}.wolverine_incoming_envelopes where message_type like '%ExpireOrder%' and status = 'Scheduled' and execution_time > now() + interval '30 minutes'");
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }

    [Fact]
    public async Task a_digital_order_is_delivered_by_a_signed_expiring_link_that_stops_with_a_full_refund()
    {
        var owner = await api.Host.PersonAsync("Author");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        byte[] content = [0x25, 0x50, 0x44, 0x46, 9, 8, 7, 6, 5];
        var file = await api.Host.AddMediaAsync(workspace, "book.jpg", bytes: content);
        var created = await api.Host.MutateAsync(owner, "createProduct", "CreateProductInput", new
        {
            workspaceId = workspace, title = "E-book", description = "", price = 900, currency = "USD", delivery = "DIGITAL", digitalFileId = file, variants = new[] { new { name = "PDF" } },
        }, ProductScenarios.Selection);
        var product = created.GetProperty("product");
        var shop = new Shop(owner, workspace, product.GetProperty("id").GetString()!, product.GetProperty("variants")[0].GetProperty("id").GetString()!,
            await api.Host.StorefrontHandleAsync(owner, workspace));
        await api.Host.MutateAsync(owner, "publishProduct", "PublishProductInput", new { productId = shop.Product }, ProductScenarios.Selection);

        var started = await StartAsync(shop);
        Assert.Equal(JsonValueKind.Null, (await BuyerViewAsync(started.OrderId, started.Token)).GetProperty("downloadUrl").ValueKind);
        await DeliverAsync("checkout.session.completed", api.Stripe.Pay(started.SessionId, email: "reader@example.com"));

        var view = await BuyerViewAsync(started.OrderId, started.Token);
        Assert.Equal("FULFILLED", view.GetProperty("status").GetString());
        var link = new Uri(view.GetProperty("downloadUrl").GetString()!);
        using var client = api.Host.Server.CreateClient();
        var redirect = await client.GetAsync(link.PathAndQuery);
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        var bytes = await client.GetByteArrayAsync(redirect.Headers.Location!.PathAndQuery);
        Assert.Equal(content, bytes);

        var mail = api.Host.Services.GetRequiredService<MailDrop>();
        await Eventually.TrueAsync(() => mail.For("reader@example.com").Any(m => m.Kind == "order-paid" && m.TextBody.Contains("/download?token=")), "no download link was emailed");

        // A link for another order, a forged token, and an unknown order are refused alike.
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(link.PathAndQuery.Replace(Ids.Of(started.OrderId).ToString("N"), Guid.NewGuid().ToString("N")))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(link.AbsolutePath + "?token=forged")).StatusCode);

        // The link lives DownloadLinkLifetime (24 h).
        api.Clock.SetTo(DateTimeOffset.UtcNow.AddHours(25));
        try
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(link.PathAndQuery)).StatusCode);
        }
        finally
        {
            api.Clock.Reset();
        }

        var refunded = await api.Host.MutateAsync(owner, "refundOrder", "RefundOrderInput", new { orderId = started.OrderId }, "order { status refunded { amount currency } }");
        Assert.Equal(0, refunded.GetProperty("errors").GetArrayLength());
        Assert.Equal("REFUNDED", refunded.GetProperty("order").GetProperty("status").GetString());
        Assert.Equal(900, refunded.GetProperty("order").GetProperty("refunded").GetProperty("amount").GetInt64());
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(link.PathAndQuery)).StatusCode);
        Assert.Equal(JsonValueKind.Null, (await BuyerViewAsync(started.OrderId, started.Token)).GetProperty("downloadUrl").ValueKind);
    }

    [Fact]
    public async Task refunds_go_through_stripe_once_partial_then_whole_with_restock_and_dashboard_refunds_are_recorded()
    {
        var shop = await ShopAsync(stock: 3, price: 1000);
        var started = await StartAsync(shop, quantity: 3);
        await DeliverAsync("checkout.session.completed", api.Stripe.Pay(started.SessionId));
        Assert.Equal(0, await StockAsync(shop));

        // Two identical clicks at once: one refund at Stripe, recorded once.
        var clicks = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ =>
            api.Host.MutateAsync(shop.Owner, "refundOrder", "RefundOrderInput", new { orderId = started.OrderId, amount = 1000 }, "order { status refunded { amount } }")));
        Assert.All(clicks, c => Assert.Equal(0, c.GetProperty("errors").GetArrayLength()));
        var pi = (await OrderAsync(started.OrderId)).PaymentIntentId!;
        Assert.Equal(1000, (await OrderAsync(started.OrderId)).AmountRefunded);
        Assert.Equal(1, await EventCountAsync<OrderRefunded>(started.OrderId));
        Assert.Equal(OrderStatus.Paid, (await OrderAsync(started.OrderId)).Status);

        // Too much is refused before Stripe is called.
        var tooMuch = await api.Host.MutateAsync(shop.Owner, "refundOrder", "RefundOrderInput", new { orderId = started.OrderId, amount = 2001 }, "order { status }");
        Assert.Equal("REFUND_TOO_LARGE", tooMuch.GetProperty("errors")[0].GetProperty("code").GetString());

        // A refund made on Stripe's dashboard arrives as charge.refunded and is recorded; replays add nothing.
        var charge = api.Stripe.RefundOnDashboard(pi, 500);
        await DeliverAsync("charge.refunded", charge);
        await DeliverAsync("charge.refunded", charge);
        Assert.Equal(1500, (await OrderAsync(started.OrderId)).AmountRefunded);

        // The rest, with restock: REFUNDED, and the three units are for sale again.
        var rest = await api.Host.MutateAsync(shop.Owner, "refundOrder", "RefundOrderInput", new { orderId = started.OrderId, restock = true }, "order { status refunded { amount } restocked }");
        Assert.Equal(0, rest.GetProperty("errors").GetArrayLength());
        Assert.Equal("REFUNDED", rest.GetProperty("order").GetProperty("status").GetString());
        Assert.Equal(3000, rest.GetProperty("order").GetProperty("refunded").GetProperty("amount").GetInt64());
        Assert.Equal(3, rest.GetProperty("order").GetProperty("restocked").GetInt32());
        Assert.Equal(3, await StockAsync(shop));

        var again = await api.Host.MutateAsync(shop.Owner, "refundOrder", "RefundOrderInput", new { orderId = started.OrderId }, "order { status }");
        Assert.Equal("ORDER_STATE", again.GetProperty("errors")[0].GetProperty("code").GetString());
    }

    [Fact]
    public async Task a_paid_physical_order_is_fulfilled_with_tracking_and_the_buyer_is_told()
    {
        var shop = await ShopAsync(stock: 1);
        var started = await StartAsync(shop);
        var early = await api.Host.MutateAsync(shop.Owner, "fulfillOrder", "FulfillOrderInput", new { orderId = started.OrderId }, "order { status }");
        Assert.Equal("ORDER_STATE", early.GetProperty("errors")[0].GetProperty("code").GetString());

        await DeliverAsync("checkout.session.completed", api.Stripe.Pay(started.SessionId, email: "ship@example.com"));
        var shipped = await api.Host.MutateAsync(shop.Owner, "fulfillOrder", "FulfillOrderInput", new { orderId = started.OrderId, carrier = "DHL", trackingNumber = "JD0123" },
            "order { status carrier trackingNumber buyerEmail }");
        Assert.Equal(0, shipped.GetProperty("errors").GetArrayLength());
        Assert.Equal("FULFILLED", shipped.GetProperty("order").GetProperty("status").GetString());
        Assert.Equal("ship@example.com", shipped.GetProperty("order").GetProperty("buyerEmail").GetString());
        var view = await BuyerViewAsync(started.OrderId, started.Token);
        Assert.Equal("JD0123", view.GetProperty("trackingNumber").GetString());
        var mail = api.Host.Services.GetRequiredService<MailDrop>();
        await Eventually.TrueAsync(() => mail.For("ship@example.com").Any(m => m.Kind == "order-shipped" && m.TextBody.Contains("JD0123")), "the buyer was not told of the shipment");

        // A stranger cannot act on it.
        var stranger = await api.Host.PersonAsync("Stranger");
        var refused = await api.Host.AsAsync(stranger, "mutation ($input: RefundOrderInput!) { refundOrder(input: $input) { errors { __typename } } }", new { input = new { orderId = started.OrderId } });
        Assert.Contains("FORBIDDEN", refused.ErrorCodes);
    }

    [Fact]
    public async Task the_buyers_view_needs_the_orders_own_token_and_unsellable_products_are_not_found()
    {
        var shop = await ShopAsync(stock: 1);
        var started = await StartAsync(shop);
        var other = await StartAsync(await ShopAsync(stock: 1));

        var wrong = await api.Host.QueryAsync("query ($id: ID!, $token: String!) { storefrontOrder(orderId: $id, token: $token) { id } }", new { id = started.OrderId, token = other.Token });
        Assert.Equal(JsonValueKind.Null, wrong.GetProperty("storefrontOrder").ValueKind);
        var forged = await api.Host.QueryAsync("query ($id: ID!, $token: String!) { storefrontOrder(orderId: $id, token: $token) { id } }", new { id = started.OrderId, token = "x" });
        Assert.Equal(JsonValueKind.Null, forged.GetProperty("storefrontOrder").ValueKind);

        var draft = await api.Host.CreateProductAsync(shop.Owner, shop.Workspace, "Draft mug", stock: 4);
        var refused = await api.Host.PostGraphQLAsync(Checkout, new { input = new { handle = shop.Handle, items = new[] { new { productId = draft, variantId = shop.Variant, quantity = 1 } } } });
        Assert.True(refused.Errors.Length == 0, refused.Body.ToString());
        Assert.Equal("NOT_FOUND", refused.Data.GetProperty("checkoutProducts").GetProperty("errors")[0].GetProperty("code").GetString());
        var tooMany = await api.Host.PostGraphQLAsync(Checkout, new { input = new { handle = shop.Handle, items = new[] { new { productId = shop.Product, variantId = shop.Variant, quantity = OrderRules.MaxQuantity + 1 } } } });
        Assert.True(tooMany.Errors.Length == 0, tooMany.Body.ToString());
        Assert.Equal("VALIDATION", tooMany.Data.GetProperty("checkoutProducts").GetProperty("errors")[0].GetProperty("code").GetString());
    }

    [Fact]
    public async Task when_stripe_refuses_the_session_the_stock_comes_back_at_once()
    {
        var shop = await ShopAsync(stock: 1);
        api.Stripe.FailCheckouts = true;
        JsonElement payload;
        try
        {
            payload = await CheckoutAsync(shop);
        }
        finally
        {
            api.Stripe.FailCheckouts = false;
        }

        Assert.Equal("PAYMENT_PROVIDER_ERROR", payload.GetProperty("errors")[0].GetProperty("code").GetString());
        Assert.Equal(1, await StockAsync(shop));
        await StartAsync(shop);
    }
}
