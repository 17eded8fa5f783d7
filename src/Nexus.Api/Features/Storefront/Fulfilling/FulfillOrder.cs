using FluentValidation;
using GraphQL;
using Marten;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.Infrastructure.Email;
using Wolverine;

namespace Nexus.Api.Features.Storefront.Fulfilling;

/// <summary>A member marks a paid physical order shipped, with the carrier and tracking number when there are; the buyer is told by email.</summary>
public sealed record FulfillOrder(Guid OrderId, Guid ByUserId, string? Carrier, string? TrackingNumber)
{
    public const int MaxLength = 100;

    public sealed class Validator : AbstractValidator<FulfillOrder>
    {
        public Validator()
        {
            RuleFor(c => c.Carrier).MaximumLength(MaxLength).WithMessage($"At most {MaxLength} characters.");
            RuleFor(c => c.TrackingNumber).MaximumLength(MaxLength).WithMessage($"At most {MaxLength} characters.");
        }
    }
}

public static class FulfillOrderHandler
{
    public static async Task<(Outcome<Guid, OrderNotFoundError, OrderStateError, RoleRequiredError>, OutgoingMessages)> HandleAsync(
        FulfillOrder command, IDocumentSession session, DateTimeOffset now, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Order>(command.OrderId, ct);
        if (stream.Aggregate is not { } order)
        {
            return (new OrderNotFoundError(), []);
        }

        if (await ProductChecks.RefusalAsync(session, order.WorkspaceId, command.ByUserId, ct) is { } refusal)
        {
            return (refusal, []);
        }

        if (order.Status != OrderStatus.Paid)
        {
            return (new OrderStateError(order.Status, "fulfilled"), []);
        }

        var carrier = string.IsNullOrWhiteSpace(command.Carrier) ? null : command.Carrier.Trim();
        var tracking = string.IsNullOrWhiteSpace(command.TrackingNumber) ? null : command.TrackingNumber.Trim();
        stream.AppendOne(new OrderFulfilled(order.Id, command.ByUserId, carrier, tracking, now));
        OutgoingMessages messages = [];
        if (order.BuyerEmail is { Length: > 0 } buyer)
        {
            var news = tracking is null ? "" : $"\n\nTracking: {tracking}{(carrier is null ? "" : $" ({carrier})")}";
            var shipped = order.Lines.Where(l => l.Delivery == DeliveryKind.Physical).Select(l => $"{l.Quantity} × {l.ProductTitle} ({l.VariantName})");
            messages.Add(new SendEmail(new EmailMessage("order-shipped", buyer, $"Your order is on its way: {order.ProductTitle}{(order.Lines.Count > 1 ? " and more" : "")}",
                $"Shipped:\n{string.Join("\n", shipped)}{news}\n\nOrder: {order.Id:N}")));
        }

        return (order.Id, messages);
    }
}

public sealed record FulfillOrderInput(
    [property: Id] string OrderId,
    [property: DescribedAs("The carrier (at most {0} characters).", FulfillOrder.MaxLength)] string? Carrier = null,
    [property: DescribedAs("The parcel's tracking number (at most {0} characters).", FulfillOrder.MaxLength)] string? TrackingNumber = null) : IOrderInput;

public sealed class FulfillOrderMutation() : Mutation<FulfillOrderInput, FulfillOrder, Guid>("fulfillOrder",
    "Marks a paid PHYSICAL order shipped (FULFILLED), with the carrier and tracking number if any; the buyer is emailed. Digital orders are fulfilled by their download link when paid.",
    OrderAccess.Needs(Role.Editor).FirstPartyOnly(), OrderPayloads.Order,
    (input, caller) => new(caller.OrderId(), caller.UserId, input.Carrier, input.TrackingNumber));
