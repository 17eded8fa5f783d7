using System.Text.Json;
using System.Text.Json.Nodes;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Billing.Subscribing;
using Nexus.Api.Features.Storefront;
using Nexus.Api.Tests.Features.Media;
using Nexus.Api.Tests.Features.Storefront;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Billing;

/// <summary>
/// Issue 16's "done when", through the public API and signed webhooks only: a free workspace hits a limit with a clear
/// error, upgrades through checkout, Stripe's webhooks make it trialing then active and the limit is lifted; then two
/// buyers with no account race for the last item of its storefront and it is sold exactly once.
/// </summary>
[Collection(StripeCollection.Name)]
public sealed class BillingDoneWhenTests(StripeFixture api)
{
    private const string PlanError = "errors { __typename ... on Error { code message path } ... on PlanLimitError { limit usage max plan liftedBy } }";

    private async Task<JsonElement> CreateEndpointAsync(Person owner, string workspace, int n)
    {
        var response = await api.Host.AsAsync(owner, $"mutation ($input: CreateWebhookEndpointInput!) {{ createWebhookEndpoint(input: $input) {{ secret {PlanError} }} }}",
            new { input = new { workspaceId = workspace, url = $"https://93.184.215.14/hooks/{n}", eventTypes = new[] { "media.processed" } } });
        Assert.True(response.Errors.Length == 0, response.Body.ToString());
        return response.Data.GetProperty("createWebhookEndpoint");
    }

    private async Task<JsonElement> PlanAsync(Person owner, string workspace) =>
        (await api.Host.AsAsync(owner, "query ($id: ID!) { workspace(id: $id) { plan { id status renewsAt limits { name limit used } } } }", new { id = workspace }))
            .Data.GetProperty("workspace").GetProperty("plan");

    private async Task<JsonElement> VariantAsync(Person owner, string workspace) =>
        (await api.Host.AsAsync(owner, "query ($id: ID!) { workspace(id: $id) { products(first: 1) { edges { node { variants { id inventory } } } } } }", new { id = workspace }))
            .Data.GetProperty("workspace").GetProperty("products").GetProperty("edges")[0].GetProperty("node").GetProperty("variants")[0];

    [Fact]
    public async Task A_free_workspace_hits_a_limit_upgrades_through_checkout_and_a_buyer_with_no_account_buys_the_last_item_once()
    {
        var owner = await api.Host.PersonAsync("Founder");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var workspaceId = Ids.Of(workspace);

        // The free plan allows one webhook endpoint: the second is refused, naming the limit, the usage and the plan that lifts it.
        Assert.Equal("free", (await PlanAsync(owner, workspace)).GetProperty("id").GetString());
        Assert.Equal(0, (await CreateEndpointAsync(owner, workspace, 1)).GetProperty("errors").GetArrayLength());
        var refused = (await CreateEndpointAsync(owner, workspace, 2)).GetProperty("errors")[0];
        Assert.Equal(("PLAN_LIMIT", "webhooks", 1, 1, "free", "starter"), (refused.GetProperty("code").GetString(), refused.GetProperty("limit").GetString(),
            refused.GetProperty("usage").GetInt64(), refused.GetProperty("max").GetInt64(), refused.GetProperty("plan").GetString(), refused.GetProperty("liftedBy").GetString()));

        // Upgrade: checkout answers Stripe's page; nothing changes until Stripe's signed webhook says so.
        var checkout = await api.Host.MutateAsync(owner, "startCheckout", "StartCheckoutInput", new { workspaceId = workspace, plan = "starter", interval = "MONTH" }, "url");
        Assert.Equal(0, checkout.GetProperty("errors").GetArrayLength());
        Assert.StartsWith("https://checkout.stripe.com/", checkout.GetProperty("url").GetString());
        Assert.Equal("free", (await PlanAsync(owner, workspace)).GetProperty("id").GetString());

        var (subscription, customer) = ("sub_dw_" + workspaceId.ToString("N")[..10], "cus_dw_" + workspaceId.ToString("N")[..10]);
        api.Stripe.SetSubscription(subscription, customer, "trialing", StripeFixture.StarterMonth, workspaceId, trialEnd: api.Clock.GetUtcNow().AddDays(14));
        await api.DeliverAsync("checkout.session.completed", StripeFake.CheckoutSessionCompleted(workspaceId, customer, subscription));
        var trialing = await PlanAsync(owner, workspace);
        Assert.Equal(("starter", "TRIALING"), (trialing.GetProperty("id").GetString(), trialing.GetProperty("status").GetString()));

        // The trial ends and the first invoice is paid: Stripe's webhook makes the subscription active.
        var active = api.Stripe.SetSubscription(subscription, customer, "active", StripeFixture.StarterMonth, workspaceId);
        await api.DeliverAsync("customer.subscription.updated", active);
        var plan = await PlanAsync(owner, workspace);
        Assert.Equal(("starter", "ACTIVE"), (plan.GetProperty("id").GetString(), plan.GetProperty("status").GetString()));
        // The fake's subscription runs to 2027-01-01: that is when it renews.
        Assert.Equal(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero), DateTimeOffset.Parse(plan.GetProperty("renewsAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal((1L, 5L), (plan.GetProperty("limits").EnumerateArray().Single(l => l.GetProperty("name").GetString() == "webhooks") is var hooks
            ? (hooks.GetProperty("used").GetInt64(), hooks.GetProperty("limit").GetInt64()) : default));
        Assert.Equal(0, (await CreateEndpointAsync(owner, workspace, 2)).GetProperty("errors").GetArrayLength());

        // The storefront: one poster left; two buyers with no account check out at once.
        var product = await api.Host.PublishedProductAsync(owner, workspace, "Last poster", stock: 1);
        var variant = (await VariantAsync(owner, workspace)).GetProperty("id").GetString();
        var handle = await api.Host.StorefrontHandleAsync(owner, workspace);
        const string Buy = "mutation ($input: CheckoutProductsInput!) { checkoutProducts(input: $input) { url orderToken order { id status } errors { __typename ... on Error { code } } } }";
        var buy = new { input = new { handle, items = new[] { new { productId = product, variantId = variant, quantity = 1 } } } };
        var attempts = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => api.Host.PostGraphQLAsync(Buy, buy)));
        var payloads = attempts.Select(a => a.Data.GetProperty("checkoutProducts")).ToArray();
        var winner = Assert.Single(payloads, p => p.GetProperty("errors").GetArrayLength() == 0);
        var loser = Assert.Single(payloads, p => p.GetProperty("errors").GetArrayLength() > 0);
        Assert.Equal("OUT_OF_STOCK", loser.GetProperty("errors")[0].GetProperty("code").GetString());

        // The winner pays on Stripe's page; the signed webhook (delivered twice) makes the order paid, once.
        var sessionId = winner.GetProperty("url").GetString()!.Split('/')[^1];
        await api.DeliverAsync("checkout.session.completed", api.Stripe.Pay(sessionId, email: "first@example.com"));
        var orderId = winner.GetProperty("order").GetProperty("id").GetString()!;
        var receipt = await api.Host.QueryAsync("query ($id: ID!, $token: String!) { storefrontOrder(orderId: $id, token: $token) { status total { amount currency } } }",
            new { id = orderId, token = winner.GetProperty("orderToken").GetString() });
        Assert.Equal("PAID", receipt.GetProperty("storefrontOrder").GetProperty("status").GetString());
        Assert.Equal(1999, receipt.GetProperty("storefrontOrder").GetProperty("total").GetProperty("amount").GetInt64());

        await using (var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession())
        {
            var orders = await session.Query<Order>().Where(o => o.ProductId == Ids.Of(product)).ToListAsync();
            var sold = Assert.Single(orders);
            Assert.Equal(OrderStatus.Paid, sold.Status);
            Assert.Equal(1, (await session.Events.FetchStreamAsync(sold.Id)).Count(e => e.Data is OrderPaid));
        }

        // Sold out for everyone after.
        var late = await api.Host.PostGraphQLAsync(Buy, buy);
        Assert.Equal("OUT_OF_STOCK", late.Data.GetProperty("checkoutProducts").GetProperty("errors")[0].GetProperty("code").GetString());
        Assert.Equal(0, (await VariantAsync(owner, workspace)).GetProperty("inventory").GetInt32());
    }
}
