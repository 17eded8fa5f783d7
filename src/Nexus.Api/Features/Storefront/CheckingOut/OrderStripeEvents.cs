using System.Text.Json;
using Marten;
using Nexus.Api.Features.Billing;
using Nexus.Api.Features.Billing.Subscribing;
using Nexus.Api.Infrastructure;
using Stripe;
using Wolverine;
using static Nexus.Api.Features.Billing.Subscribing.StripeJson;

namespace Nexus.Api.Features.Storefront.CheckingOut;

/// <summary>
/// The Stripe events about storefront orders: a payment-mode Checkout Session that completed, expired or whose
/// delayed payment succeeded or failed, and refunds (<c>charge.refunded</c>, <c>refund.*</c>), including ones made on
/// Stripe's dashboard. As for subscriptions, the event only says which order to look at: what Stripe answers now is
/// what is recorded, so a late, repeated or reordered event leaves the same one state.
/// </summary>
public static class OrderStripeEvents
{
    /// <summary>The event's effects on an order; null when it is not about one (subscription events go to <c>StripeEffects</c>).</summary>
    public static async Task<OutgoingMessages?> TryApplyAsync(StripeEventRecord record, IDocumentSession session, StripeGateway stripe, OrderLinks links,
        NexusUrls urls, ILogger logger, DateTimeOffset now, CancellationToken ct)
    {
        using var json = JsonDocument.Parse(record.Body);
        if (!json.RootElement.TryGetProperty("data", out var data) || !data.TryGetProperty("object", out var obj) || obj.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var concerns = Str(obj, "object") switch
        {
            "checkout.session" => Str(obj, "mode") == "payment",
            "charge" or "refund" => true,
            _ => false,
        };
        return concerns ? await ApplyAsync(record.Type, obj, session, stripe, links, urls, logger, now, ct) : null;
    }

    private static async Task<OutgoingMessages> ApplyAsync(string type, JsonElement obj, IDocumentSession session, StripeGateway stripe, OrderLinks links,
        NexusUrls urls, ILogger logger, DateTimeOffset now, CancellationToken ct)
    {
        if (stripe.Client is not { } client)
        {
            throw new InvalidOperationException("Stripe's secret key is not configured: the order cannot be checked.");
        }

        if (Str(obj, "object") == "checkout.session")
        {
            return await CheckoutAsync(type, obj, session, client, links, urls, logger, now, ct);
        }

        if (Str(obj, "payment_intent") is not { Length: > 0 } paymentIntent)
        {
            return [];
        }

        if (await session.Query<Order>().Where(o => o.PaymentIntentId == paymentIntent).Select(o => o.Id).Take(1).ToListAsync(ct) is [var orderId])
        {
            await ReconcileRefundsAsync(session, orderId, client, null, now, ct);
        }

        return [];
    }

    /// <summary>
    /// Records every refund Stripe has made on the order's PaymentIntent that the order does not have yet (ours, whose
    /// answer may not be recorded yet, and the dashboard's), reading the stream for writing first.
    /// </summary>
    public static async Task ReconcileRefundsAsync(IDocumentSession session, Guid orderId, IStripeClient client, Guid? byUserId, DateTimeOffset now, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Order>(orderId, ct);
        if (stream.Aggregate is not { PaymentIntentId: { Length: > 0 } paymentIntent } order)
        {
            return;
        }

        var refunds = await new RefundService(client).ListAsync(new RefundListOptions { PaymentIntent = paymentIntent, Limit = 100 }, null, ct);
        var refunded = order.AmountRefunded;
        foreach (var refund in refunds.Data.Where(r => r.Status is "succeeded" or "pending").OrderBy(r => r.Created))
        {
            if (order.RefundIds.Contains(refund.Id) || refunded + refund.Amount > order.AmountPaid)
            {
                continue;
            }

            refunded += refund.Amount;
            stream.AppendOne(new OrderRefunded(order.Id, refund.Id, refund.Amount, (refund.Currency ?? order.Currency).ToUpperInvariant(), byUserId, now));
        }
    }

    private static async Task<OutgoingMessages> CheckoutAsync(string type, JsonElement obj, IDocumentSession session, IStripeClient client, OrderLinks links,
        NexusUrls urls, ILogger logger, DateTimeOffset now, CancellationToken ct)
    {
        if (Str(obj, "id") is not { Length: > 0 } sessionId || !Guid.TryParse(Metadata(obj, "orderId") ?? Str(obj, "client_reference_id"), out var orderId))
        {
            return [];
        }

        var stream = await session.Events.FetchForWriting<Order>(orderId, ct);
        if (stream.Aggregate is not { } order)
        {
            logger.LogWarning("A Stripe checkout event names an order Nexus does not know; ignored");
            return [];
        }

        Stripe.Checkout.Session checkout;
        try
        {
            checkout = await new Stripe.Checkout.SessionService(client).GetAsync(sessionId, null, null, ct);
        }
        catch (StripeException ex) when (ex.HttpStatusCode == System.Net.HttpStatusCode.NotFound)
        {
            logger.LogWarning("A Stripe checkout event names a session Stripe does not know; ignored");
            return [];
        }

        // The session Stripe returns must be this order's: metadata is set by Nexus when it opens the session.
        if (checkout.Metadata?.GetValueOrDefault("orderId") != order.Id.ToString())
        {
            logger.LogWarning("A Stripe checkout session does not belong to order {OrderId}; ignored", order.Id);
            return [];
        }

        if (type == "checkout.session.async_payment_failed" && order.Status == OrderStatus.Pending)
        {
            await OrderSettlement.CancelAsync(session, stream, "payment_failed", now, ct);
            return [];
        }

        return await OrderSettlement.SettleAsync(session, stream, checkout, links, urls, logger, now, ct);
    }

}
