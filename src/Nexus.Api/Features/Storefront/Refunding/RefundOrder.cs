using System.ComponentModel;
using FluentValidation;
using GraphQL;
using Marten;
using Nexus.Api.Features.Billing;
using Nexus.Api.Features.Billing.Subscribing;
using Nexus.Api.Features.Storefront.CheckingOut;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Stripe;
using Wolverine;

namespace Nexus.Api.Features.Storefront.Refunding;

/// <summary>
/// Gives a paid order's money back through Stripe, all of it or part (<paramref name="Amount"/>, minor units; null is
/// what is left), and with <paramref name="Restock"/> puts every physical line's units back on sale. The call to Stripe
/// runs outside any transaction, keyed by the order's version and the amount: two identical clicks on the same order
/// make one refund (Stripe answers the second with the first's refund), and the refund is recorded by its id, so the
/// answer and Stripe's <c>charge.refunded</c> webhook count it once between them.
/// </summary>
public sealed record RefundOrder(Guid OrderId, Guid ByUserId, long? Amount, bool Restock)
{
    public sealed class Validator : AbstractValidator<RefundOrder>
    {
        public Validator() => RuleFor(c => c.Amount).InclusiveBetween(1, ProductRules.MaxAmount * OrderRules.MaxQuantity * OrderRules.MaxLines).When(c => c.Amount is not null)
            .WithMessage("A refund is at least 1 (minor unit) and at most the order's total.");
    }
}

public static class RefundOrderHandler
{
    public static async Task<Outcome<Guid, OrderNotFoundError, OrderStateError, RefundTooLargeError, RoleRequiredError, Billing.Subscribing.BillingNotConfiguredError, PaymentProviderError>> HandleAsync(
        RefundOrder command, IQuerySession session, IMessageBus bus, StripeGateway stripe, ILogger<RefundOrder> logger, CancellationToken ct)
    {
        if (await session.LoadAsync<Order>(command.OrderId, ct) is not { } order)
        {
            return new OrderNotFoundError();
        }

        // The role now, not only when the access check ran: a demotion in between refuses the refund.
        if (await session.LoadAsync<Workspace>(order.WorkspaceId, ct) is not { } workspace)
        {
            return new RoleRequiredError(Role.Admin);
        }

        if (workspace.Refuses(command.ByUserId, Role.Admin) is { } refusal)
        {
            return refusal;
        }

        if (order.Status is not (OrderStatus.Paid or OrderStatus.Fulfilled) || order.PaymentIntentId is not { Length: > 0 } paymentIntent)
        {
            return new OrderStateError(order.Status, "refunded");
        }

        var refundable = order.AmountPaid - order.AmountRefunded;
        var amount = command.Amount ?? refundable;
        if (amount > refundable)
        {
            return new RefundTooLargeError(refundable);
        }

        if (stripe.Client is not { } client)
        {
            return new Billing.Subscribing.BillingNotConfiguredError();
        }

        Refund refund;
        try
        {
            refund = await new RefundService(client).CreateAsync(
                new RefundCreateOptions
                {
                    PaymentIntent = paymentIntent,
                    Amount = amount,
                    Metadata = new() { ["orderId"] = order.Id.ToString(), ["workspaceId"] = order.WorkspaceId.ToString() },
                },
                new RequestOptions { IdempotencyKey = $"nexus-refund-{order.Id:N}-v{order.Version}-{amount}" }, ct);
        }
        catch (StripeException ex)
        {
            logger.LogWarning("Stripe refused a refund of order {OrderId} ({Status} {Code})", order.Id, (int)ex.HttpStatusCode, ex.StripeError?.Code);
            return new PaymentProviderError(ex.StripeError?.Code ?? ((int)ex.HttpStatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        await bus.InvokeAsync(new RecordOrderRefund(order.Id, refund.Id, refund.Amount, (refund.Currency ?? order.Currency).ToUpperInvariant(), command.Restock, command.ByUserId), CancellationToken.None);
        return order.Id;
    }
}

/// <summary>Records a refund Stripe made, once by its id, and the restock asked for with it.</summary>
public sealed record RecordOrderRefund(Guid OrderId, string RefundId, long Amount, string Currency, bool Restock, Guid ByUserId);

public static class RecordOrderRefundHandler
{
    public static async Task HandleAsync(RecordOrderRefund command, IDocumentSession session, DateTimeOffset now, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Order>(command.OrderId, ct);
        if (stream.Aggregate is not { } order)
        {
            return;
        }

        if (!order.RefundIds.Contains(command.RefundId))
        {
            stream.AppendOne(new OrderRefunded(order.Id, command.RefundId, command.Amount, command.Currency, command.ByUserId, now));
        }

        if (command.Restock && order.HasPhysical && order.Restocked == 0)
        {
            stream.AppendOne(new OrderRestocked(order.Id, order.Lines.Where(l => l.Delivery == DeliveryKind.Physical).Sum(l => l.Quantity), command.ByUserId, now));
            await OrderSettlement.ReleaseAsync(session, order, now, ct);
        }
    }
}

public sealed record RefundOrderInput(
    [property: Id] string OrderId,
    [property: Description("In minor units of the order's currency; leave out to refund all that is left.")] long? Amount = null,
    [property: Description("Put the units of every PHYSICAL line back in stock (once per order); false when left out.")] bool? Restock = null) : IOrderInput;

public sealed class RefundOrderMutation() : Mutation<RefundOrderInput, RefundOrder, Guid>("refundOrder",
    "Refunds a paid order through Stripe, wholly or in part; the order is REFUNDED once all of it went back. A digital order's download link stops working when it is wholly refunded.",
    OrderAccess.Needs(Role.Admin).FirstPartyOnly(), OrderPayloads.Order,
    (input, caller) => new(caller.OrderId(), caller.UserId, input.Amount, input.Restock ?? false));
