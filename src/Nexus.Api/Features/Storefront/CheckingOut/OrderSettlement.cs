using Marten;
using JasperFx.Events;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Billing;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.Infrastructure;
using Nexus.Api.Infrastructure.Email;
using Stripe;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Runtime.Handlers;

namespace Nexus.Api.Features.Storefront.CheckingOut;

/// <summary>
/// How a pending order ends. Neither a webhook's copy nor the clock is trusted for it: the order's Checkout Session is
/// fetched from Stripe and its state decides (complete and paid: PAID; expired: CANCELLED with the stock back). The
/// order's stream is read for writing before the fetch, so two deciders (the webhook and the hold's timer) cannot both
/// append: the second fails on the version, runs again, and finds the order no longer pending.
/// </summary>
public static class OrderSettlement
{
    /// <summary>What Stripe's session says now, applied to the order; the messages to send (emails) after the commit.</summary>
    public static async Task<OutgoingMessages> SettleAsync(IDocumentSession session, IEventStream<Order> stream, Stripe.Checkout.Session checkout,
        OrderLinks links, NexusUrls urls, ILogger logger, DateTimeOffset now, CancellationToken ct)
    {
        if (stream.Aggregate is not { } order)
        {
            return [];
        }

        switch (checkout.Status)
        {
            case "complete" when checkout.PaymentStatus is "paid" or "no_payment_required":
                if (order.Status == OrderStatus.Cancelled)
                {
                    // Only reachable if Stripe completed a session Nexus had seen expire: the money must go back by hand.
                    logger.LogError("Order {OrderId} was paid on Stripe after it was cancelled; refund it from Stripe's dashboard", order.Id);
                    return [];
                }

                if (order.Status != OrderStatus.Pending)
                {
                    return [];
                }

                var shipping = checkout.CollectedInformation?.ShippingDetails is { Address: { } address } details
                    ? new ShippingAddress(details.Name, address.Line1, address.Line2, address.PostalCode, address.City, address.State, address.Country ?? "")
                    : null;
                var paid = new OrderPaid(order.Id, checkout.PaymentIntentId ?? "", checkout.AmountTotal ?? order.Total, (checkout.Currency ?? order.Currency).ToUpperInvariant(),
                    checkout.CustomerDetails?.Email, checkout.CustomerDetails?.Name, shipping, now);
                stream.AppendOne(paid);
                if (!order.HasPhysical)
                {
                    // The links are the delivery: an order of digital lines only is fulfilled the moment it is paid.
                    stream.AppendOne(new OrderFulfilled(order.Id, null, null, null, now));
                }

                return await PaidEmailsAsync(session, order, paid, links, urls, ct);
            case "expired" when order.Status == OrderStatus.Pending:
                await CancelAsync(session, stream, "checkout_expired", now, ct);
                return [];
            default:
                return [];
        }
    }

    /// <summary>Cancels a pending order and puts its reserved stock back on sale, in the caller's transaction.</summary>
    public static async Task CancelAsync(IDocumentSession session, IEventStream<Order> stream, string reason, DateTimeOffset now, CancellationToken ct)
    {
        var order = stream.Aggregate!;
        stream.AppendOne(new OrderCancelled(order.Id, reason, now));
        await ReleaseAsync(session, order, now, ct);
    }

    /// <summary>
    /// Gives every physical line's units back to its variant's stock, on each product's stream at the version read, in the
    /// caller's one transaction (by product id, as checkout reserved them, so no two writers lock in opposite orders).
    /// Nothing comes back for a digital line, or a variant removed since (its stock went with it).
    /// </summary>
    public static async Task ReleaseAsync(IDocumentSession session, Order order, DateTimeOffset now, CancellationToken ct)
    {
        foreach (var lines in order.Lines.Where(l => l.Delivery == DeliveryKind.Physical).GroupBy(l => l.ProductId).OrderBy(g => g.Key))
        {
            var product = await session.Events.FetchForWriting<Product>(lines.Key, ct);
            foreach (var line in lines)
            {
                if (product.Aggregate?.Variants.FirstOrDefault(v => v.Id == line.VariantId) is { Inventory: { } stock })
                {
                    var after = (int)Math.Min((long)stock + line.Quantity, ProductRules.MaxStock);
                    product.AppendOne(new ProductStockReleased(line.ProductId, line.VariantId, order.Id, line.Quantity, after, now));
                }
            }
        }
    }

    private static async Task<OutgoingMessages> PaidEmailsAsync(IDocumentSession session, Order order, OrderPaid paid, OrderLinks links, NexusUrls urls, CancellationToken ct)
    {
        var messages = new OutgoingMessages();
        var amount = new Money(paid.AmountTotal, paid.Currency).Display();
        var summary = string.Join("\n", order.Lines.Select(l => $"{l.Quantity} × {l.ProductTitle} ({l.VariantName})"));
        var subject = order.Lines.Count == 1 ? order.ProductTitle : $"{order.ProductTitle} and {order.Lines.Count - 1} more";
        if (paid.BuyerEmail is { Length: > 0 } buyer)
        {
            var downloads = order.Downloads().Select(d => $"{d.Line.ProductTitle}: {links.DownloadUrl(order.Id, d.Index)}").ToList();
            var delivery = (downloads.Count > 0
                    ? "Download here (the links work for a limited time; your order page gives fresh ones):\n" + string.Join("\n", downloads) + "\n"
                    : "") +
                (order.HasPhysical ? "The seller will ship your order and tell you when it is on its way." : "");
            messages.Add(new SendEmail(new EmailMessage("order-paid", buyer, $"Your order: {subject}",
                $"""
                Thank you for your order.

                {summary}
                Total: {amount}

                {delivery}

                Order: {order.Id:N}
                """)));
        }

        if (await session.LoadAsync<Workspace>(order.WorkspaceId, ct) is { } workspace)
        {
            var admins = await session.LoadManyAsync<Accounts.User>(ct, workspace.Members.Where(m => m.Value >= Role.Admin).Select(m => m.Key));
            foreach (var admin in admins)
            {
                messages.Add(new SendEmail(new EmailMessage("order-received", admin.Email, $"New order in \"{workspace.Name}\": {subject}",
                    $"""
                    An order was paid: {amount}.
                    {summary}
                    {(order.HasPhysical ? "It is waiting to be shipped." : "The buyer received the download links.")}

                    Orders: {urls.FrontendUrl.TrimEnd('/')}/store/orders
                    """)));
            }
        }

        return messages;
    }

}

/// <summary>
/// The hold of a pending order is over and no webhook ended it (it may have been lost): Nexus asks Stripe to expire the
/// session (refused when the buyer already paid) and settles the order on what Stripe answers.
/// </summary>
public sealed record ExpireOrder(Guid OrderId, int Checks = 0);

public static class ExpireOrderHandler
{
    /// <summary>A complete session whose payment is still processing (a bank debit) is asked about again this often.</summary>
    private static readonly TimeSpan ProcessingCheck = TimeSpan.FromHours(1);

    public static void Configure(HandlerChain chain) =>
        chain.OnException(e => e is StripeException or HttpRequestException or TaskCanceledException, "Stripe could not be asked about an order")
            .RetryWithCooldown(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5))
            .Then.ScheduleRetry(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(10), TimeSpan.FromHours(1), TimeSpan.FromHours(6));

    public static async Task<OutgoingMessages> HandleAsync(ExpireOrder command, IDocumentSession session, StripeGateway stripe, OrderLinks links,
        IOptions<NexusUrls> urls, ILogger<ExpireOrder> logger, DateTimeOffset now, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Order>(command.OrderId, ct);
        if (stream.Aggregate is not { Status: OrderStatus.Pending } order)
        {
            return [];
        }

        if (order.CheckoutSessionId is not { } sessionId || stripe.Client is not { } client)
        {
            // No session was recorded (the node stopped between reserving and recording it, or Stripe refused): nobody
            // was given a page to pay on, and any session Stripe made expired with the hold.
            await OrderSettlement.CancelAsync(session, stream, "checkout_expired", now, ct);
            return [];
        }

        var sessions = new Stripe.Checkout.SessionService(client);
        var checkout = await sessions.GetAsync(sessionId, null, null, ct);
        if (checkout.Status == "open")
        {
            try
            {
                checkout = await sessions.ExpireAsync(sessionId, null, new RequestOptions { IdempotencyKey = $"nexus-expire-{order.Id:N}" }, ct);
            }
            catch (StripeException ex) when ((int)ex.HttpStatusCode is >= 400 and < 500)
            {
                // The buyer completed it in between: what Stripe says now decides.
                checkout = await sessions.GetAsync(sessionId, null, null, ct);
            }
        }

        var messages = await OrderSettlement.SettleAsync(session, stream, checkout, links, urls.Value, logger, now, ct);
        // A bank debit can take days; after two weeks of asking, the order is left to the webhook that will end it.
        if (checkout.Status == "complete" && checkout.PaymentStatus == "unpaid" && command.Checks < 14 * 24)
        {
            messages.Add((command with { Checks = command.Checks + 1 }).DelayedFor(ProcessingCheck));
        }

        return messages;
    }
}
