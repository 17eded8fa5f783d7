using System.Text.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Storefront;
using Nexus.Api.Features.Storefront.Sales;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Storefront;

/// <summary>
/// <c>Workspace.sales</c>: paid orders per period of the workspace's zone (Europe/Berlin here), product and currency;
/// refunds against the sale; pending and cancelled orders never; the range bounded.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class SalesTests(ApiFixture api)
{
    private const string Sales = """
        query ($id: ID!, $from: DateTime!, $to: DateTime!, $period: SalesPeriod, $product: ID) { workspace(id: $id) {
          sales(from: $from, to: $to, period: $period, productId: $product) {
            period timeZone truncated
            rows { date start end productId product { title } currency orders units gross { amount currency } refunded { amount currency } net { amount currency } }
            totals { currency orders units gross { amount currency } refunded { amount currency } net { amount currency } } } } }
        """;

    // Berlin is UTC+2 from 2026-03-29 (summer time) to 2026-10-25.
    private static readonly DateTimeOffset March = new(2026, 3, 1, 0, 0, 0, TimeSpan.FromHours(1));
    private static readonly DateTimeOffset May = new(2026, 5, 1, 0, 0, 0, TimeSpan.FromHours(2));

    private sealed record Shop(Person Owner, string Workspace, string Mug, string Cap);

    private async Task<Shop> ShopAsync()
    {
        var owner = await api.Host.PersonAsync("Seller");
        var workspace = await api.Host.CreateWorkspaceAsync(owner, timeZone: "Europe/Berlin");
        var mug = await api.Host.CreateProductAsync(owner, workspace, "Mug");
        var cap = await api.Host.CreateProductAsync(owner, workspace, "Cap");
        var lastMarchEvening = new DateTimeOffset(2026, 3, 31, 21, 30, 0, TimeSpan.Zero); // 23:30 in Berlin
        var firstAprilNight = new DateTimeOffset(2026, 3, 31, 22, 30, 0, TimeSpan.Zero); // 00:30 on 1 April in Berlin
        var april = new DateTimeOffset(2026, 4, 10, 9, 0, 0, TimeSpan.Zero);
        await api.Host.OrderAsync(workspace, new(mug, lastMarchEvening.AddMinutes(-5), Quantity: 2, PaidAt: lastMarchEvening));
        await api.Host.OrderAsync(workspace, new(mug, firstAprilNight.AddMinutes(-5), PaidAt: firstAprilNight, Refunds: [300, 100]));
        await api.Host.OrderAsync(workspace, new(cap, april, UnitAmount: 500, PaidAt: april.AddMinutes(1)));
        await api.Host.OrderAsync(workspace, new(cap, april, Quantity: 3, UnitAmount: 700, Currency: "USD", PaidAt: april.AddMinutes(2), Refunds: [2100]));
        // Never counted: pending, cancelled, and paid after the range.
        await api.Host.OrderAsync(workspace, new(mug, april));
        await api.Host.OrderAsync(workspace, new(mug, april, Cancelled: true));
        await api.Host.OrderAsync(workspace, new(mug, May, PaidAt: May));
        return new Shop(owner, workspace, mug, cap);
    }

    [Fact]
    public async Task months_start_at_local_midnight_refunds_count_against_the_sale_and_currencies_stay_apart()
    {
        var shop = await ShopAsync();

        var sales = await SalesAsync(shop.Owner, new { id = shop.Workspace, from = March, to = May });

        Assert.Equal("MONTH", sales.GetProperty("period").GetString());
        Assert.False(sales.GetProperty("truncated").GetBoolean());
        var rows = Rows(sales);
        Assert.Equal(4, rows.Count);
        AssertFigures(rows[("2026-03-01", shop.Mug, "EUR")], 1, 2, 2000, 0);
        AssertFigures(rows[("2026-04-01", shop.Mug, "EUR")], 1, 1, 1000, 400);
        AssertFigures(rows[("2026-04-01", shop.Cap, "EUR")], 1, 1, 500, 0);
        AssertFigures(rows[("2026-04-01", shop.Cap, "USD")], 1, 3, 2100, 2100);
        var april = rows[("2026-04-01", shop.Mug, "EUR")];
        Assert.Equal("2026-03-31T22:00:00Z", april.GetProperty("start").GetString());
        Assert.Equal("2026-04-30T22:00:00Z", april.GetProperty("end").GetString());
        Assert.Equal("Mug", april.GetProperty("product").GetProperty("title").GetString());

        var totals = sales.GetProperty("totals").EnumerateArray().ToList();
        Assert.Equal(["EUR", "USD"], totals.Select(t => t.GetProperty("currency").GetString()));
        AssertFigures(totals[0], 3, 4, 3500, 400);
        AssertFigures(totals[1], 1, 3, 2100, 2100);
    }

    [Fact]
    public async Task days_split_at_the_workspace_midnight_weeks_start_on_monday_and_a_product_narrows_it()
    {
        var shop = await ShopAsync();

        var days = Rows(await SalesAsync(shop.Owner, new { id = shop.Workspace, from = March, to = May, period = "DAY" }));
        AssertFigures(days[("2026-03-31", shop.Mug, "EUR")], 1, 2, 2000, 0);
        AssertFigures(days[("2026-04-01", shop.Mug, "EUR")], 1, 1, 1000, 400);
        Assert.Equal(4, days.Count);

        // 31 March 2026 is a Tuesday: both mug orders are in the week of Monday 30 March.
        var weeks = Rows(await SalesAsync(shop.Owner, new { id = shop.Workspace, from = March, to = May, period = "WEEK" }));
        AssertFigures(weeks[("2026-03-30", shop.Mug, "EUR")], 2, 3, 3000, 400);
        AssertFigures(weeks[("2026-04-06", shop.Cap, "USD")], 1, 3, 2100, 2100);

        var cap = await SalesAsync(shop.Owner, new { id = shop.Workspace, from = March, to = May, product = shop.Cap });
        Assert.All(Rows(cap).Keys, key => Assert.Equal(shop.Cap, key.Product));
        var totals = cap.GetProperty("totals").EnumerateArray().ToList();
        AssertFigures(totals[0], 1, 1, 500, 0);
        AssertFigures(totals[1], 1, 3, 2100, 2100);

        // A range ending just before the April midnight leaves the April orders out.
        var march = await SalesAsync(shop.Owner, new { id = shop.Workspace, from = March, to = new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.FromHours(2)) });
        Assert.Equal([("2026-03-01", shop.Mug, "EUR")], Rows(march).Keys);
    }

    [Fact]
    public async Task the_range_is_checked()
    {
        var owner = await api.Host.PersonAsync("Seller");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var from = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        foreach (var (to, period) in new[] { (from, "MONTH"), (from.AddDays(-1), "DAY"), (from.AddDays(367), "DAY"), (from.AddDays(5 * 366 + 1), "MONTH"), (from.AddDays(5 * 366 + 1), "WEEK") })
        {
            var refused = await api.Host.AsAsync(owner, Sales, new { id = workspace, from, to, period });
            Assert.True(refused.ErrorCodes is ["BAD_REQUEST"], refused.Body.ToString());
        }

        await SalesAsync(owner, new { id = workspace, from, to = from.AddDays(366), period = "DAY" });
        var empty = await SalesAsync(owner, new { id = workspace, from, to = from.AddDays(5 * 366), period = "MONTH" });
        Assert.Equal(0, empty.GetProperty("rows").GetArrayLength());
        Assert.Equal(0, empty.GetProperty("totals").GetArrayLength());

        var bad = await api.Host.AsAsync(owner, Sales, new { id = workspace, from, to = from.AddDays(1), product = "Order:nope" });
        Assert.True(bad.ErrorCodes is ["BAD_REQUEST"], bad.Body.ToString());
    }

    [Fact]
    public async Task past_the_row_cap_rows_stop_and_say_so_while_totals_cover_everything()
    {
        var owner = await api.Host.PersonAsync("Seller");
        var workspace = await api.Host.CreateWorkspaceAsync(owner, timeZone: "UTC");
        var paid = new DateTimeOffset(2026, 2, 3, 10, 0, 0, TimeSpan.Zero);
        // One paid order each of more products than the cap, in one commit (no product needs to exist to have sold).
        await using (var session = api.Host.Services.GetRequiredService<IDocumentStore>().LightweightSession())
        {
            for (var i = 0; i <= SalesReport.MaxRows; i++)
            {
                var orderId = Guid.CreateVersion7();
                session.Events.StartStream<Order>(orderId,
                    new OrderPlaced(orderId, Media.Ids.Of(workspace), Guid.CreateVersion7(), Guid.NewGuid(), "Sticker", "Standard", DeliveryKind.Physical, 1, 100, "EUR", null, paid, paid),
                    new OrderPaid(orderId, $"pi_{orderId:N}", 100, "EUR", null, null, null, paid));
            }

            await session.SaveChangesAsync();
        }

        var sales = await SalesAsync(owner, new { id = workspace, from = paid.AddDays(-1), to = paid.AddDays(1), period = "DAY" });

        Assert.True(sales.GetProperty("truncated").GetBoolean());
        Assert.Equal(SalesReport.MaxRows, sales.GetProperty("rows").GetArrayLength());
        AssertFigures(sales.GetProperty("totals")[0], SalesReport.MaxRows + 1, SalesReport.MaxRows + 1,
            100L * (SalesReport.MaxRows + 1), 0);
    }

    private async Task<JsonElement> SalesAsync(Person person, object variables)
    {
        var response = await api.Host.AsAsync(person, Sales, variables);
        Assert.True(response.Errors.Length == 0, response.Body.ToString());
        return response.Data.GetProperty("workspace").GetProperty("sales");
    }

    private static Dictionary<(string Date, string Product, string Currency), JsonElement> Rows(JsonElement sales) =>
        sales.GetProperty("rows").EnumerateArray().ToDictionary(r => (r.GetProperty("date").GetString()!, r.GetProperty("productId").GetString()!, r.GetProperty("currency").GetString()!));

    private static void AssertFigures(JsonElement figures, int orders, long units, long gross, long refunded)
    {
        var currency = figures.GetProperty("currency").GetString();
        Assert.Equal(orders, figures.GetProperty("orders").GetInt32());
        Assert.Equal(units, figures.GetProperty("units").GetInt64());
        Assert.Equal(gross, figures.GetProperty("gross").GetProperty("amount").GetInt64());
        Assert.Equal(refunded, figures.GetProperty("refunded").GetProperty("amount").GetInt64());
        Assert.Equal(gross - refunded, figures.GetProperty("net").GetProperty("amount").GetInt64());
        Assert.All(new[] { "gross", "refunded", "net" }, money => Assert.Equal(currency, figures.GetProperty(money).GetProperty("currency").GetString()));
    }
}
