using System.ComponentModel;
using GraphQL.Types;
using JasperFx.Events.Projections;
using Marten;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.Infrastructure;

namespace Nexus.Api.Features.Storefront;

/// <summary>
/// Where an order is. PENDING holds its stock while the buyer is on Stripe Checkout; PAID once Stripe says the money
/// arrived; FULFILLED once shipped (or, for DIGITAL products, as soon as it is paid: the link is the delivery);
/// REFUNDED once the whole amount went back; CANCELLED when checkout expired or failed, its stock back on sale.
/// </summary>
public enum OrderStatus
{
    Pending,
    Paid,
    Fulfilled,
    Refunded,
    Cancelled,
}

/// <summary>Where Stripe's Checkout collected a physical order's shipping address (only when shipping countries are configured).</summary>
public sealed record ShippingAddress(string? Name, string? Line1, string? Line2, string? PostalCode, string? City, string? State, string Country);

/// <summary>
/// One product variant of an order, as it was sold: title, variant name, delivery, unit price and (DIGITAL) file are
/// copied from the product at checkout, so a later edit of the product does not change what was bought.
/// </summary>
public sealed record OrderLine(Guid ProductId, Guid VariantId, string ProductTitle, string VariantName, DeliveryKind Delivery, int Quantity, long UnitAmount, Guid? DigitalFileId);

// An order buys several lines since checkoutProducts. OrderPlaced gained Lines rather than a new event type taking its
// place: every order, old or new, starts with the one event an analyst already knows, and its single-product fields
// (committed, never renamed) still describe the first line, so readers of those fields keep reading true if partial
// history. An event without Lines (placed before them) is an order of that one line.
[Description("A buyer started checkout: the order is pending and its stock (physical lines) is reserved until HoldUntil. ProductId … DigitalFileId describe the first line; Lines has every line (absent on orders placed before orders had several).")]
public sealed record OrderPlaced(Guid OrderId, Guid WorkspaceId, Guid ProductId, Guid VariantId, string ProductTitle, string VariantName, DeliveryKind Delivery,
    int Quantity, long UnitAmount, string Currency, Guid? DigitalFileId, DateTimeOffset HoldUntil, DateTimeOffset At, IReadOnlyList<OrderLine>? Lines = null) : IDomainEvent
{
    /// <summary>The order's lines: <see cref="Lines"/>, or the one line the single-product fields describe.</summary>
    public IReadOnlyList<OrderLine> AllLines() =>
        Lines is { Count: > 0 } lines ? lines : [new OrderLine(ProductId, VariantId, ProductTitle, VariantName, Delivery, Quantity, UnitAmount, DigitalFileId)];

    /// <summary>A new order's event: the first line in the single-product fields, every line in <see cref="Lines"/>.</summary>
    public static OrderPlaced Of(Guid orderId, Guid workspaceId, IReadOnlyList<OrderLine> lines, string currency, DateTimeOffset holdUntil, DateTimeOffset at)
    {
        var first = lines[0];
        return new(orderId, workspaceId, first.ProductId, first.VariantId, first.ProductTitle, first.VariantName, first.Delivery, first.Quantity, first.UnitAmount, currency,
            first.DigitalFileId, holdUntil, at, lines);
    }
}

[Description("Stripe opened the order's Checkout Session (its id, never anything about a card).")]
public sealed record OrderCheckoutOpened(Guid OrderId, string CheckoutSessionId, DateTimeOffset At) : IDomainEvent;

[Description("Stripe confirmed the order's payment: the amount it collected, and the PaymentIntent refunds go through.")]
public sealed record OrderPaid(Guid OrderId, string PaymentIntentId, long AmountTotal, string Currency, string? BuyerEmail, string? BuyerName,
    ShippingAddress? Shipping, DateTimeOffset At) : IDomainEvent;

[Description("The order was delivered: shipped by a member (with an optional carrier and tracking number), or, for a digital product, its download link sent on payment (ByUserId null).")]
public sealed record OrderFulfilled(Guid OrderId, Guid? ByUserId, string? Carrier, string? TrackingNumber, DateTimeOffset At) : IDomainEvent;

[Description("Money went back to the buyer through Stripe (one refund; an order may have several until its total is refunded). ByUserId is null for a refund made on Stripe's dashboard.")]
public sealed record OrderRefunded(Guid OrderId, string RefundId, long Amount, string Currency, Guid? ByUserId, DateTimeOffset At) : IDomainEvent;

[Description("A refunded order's physical units went back to stock (once per order); Quantity is the units of every physical line.")]
public sealed record OrderRestocked(Guid OrderId, int Quantity, Guid ByUserId, DateTimeOffset At) : IDomainEvent;

[Description("The order ended unpaid (checkout expired, was abandoned, its payment failed, or Stripe could not open it); its reserved stock went back on sale.")]
public sealed record OrderCancelled(Guid OrderId, string Reason, DateTimeOffset At) : IDomainEvent;

/// <summary>
/// A storefront order: one or more product variants (<see cref="Lines"/>) of one workspace bought through Stripe
/// Checkout, one stream each, projected inline. The positional product fields are the first line's (as
/// <see cref="OrderPlaced"/> has them). Nothing about the card is here: Stripe keeps it, Nexus keeps the PaymentIntent's id.
/// </summary>
public sealed record Order(
    Guid Id,
    Guid WorkspaceId,
    Guid ProductId,
    Guid VariantId,
    string ProductTitle,
    string VariantName,
    DeliveryKind Delivery,
    int Quantity,
    long UnitAmount,
    string Currency,
    OrderStatus Status,
    DateTimeOffset HoldUntil,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    int Version)
{
    public const string TypeName = "Order";

    private readonly IReadOnlyList<OrderLine> _lines = [];

    /// <summary>Every line, the first one first. A document stored before orders had lines answers its one line.</summary>
    public IReadOnlyList<OrderLine> Lines
    {
        get => _lines.Count > 0 ? _lines : [new OrderLine(ProductId, VariantId, ProductTitle, VariantName, Delivery, Quantity, UnitAmount, DigitalFileId)];
        init => _lines = value ?? [];
    }

    /// <summary>The first line's file (DIGITAL), as it was bought (a later change of the product's file does not change what was sold). (a later change of the product's file does not change what was sold).</summary>
    public Guid? DigitalFileId { get; init; }

    public string? CheckoutSessionId { get; init; }

    public string? PaymentIntentId { get; init; }

    public long AmountPaid { get; init; }

    public DateTimeOffset? PaidAt { get; init; }

    public string? BuyerEmail { get; init; }

    public string? BuyerName { get; init; }

    public ShippingAddress? Shipping { get; init; }

    public DateTimeOffset? FulfilledAt { get; init; }

    public string? Carrier { get; init; }

    public string? TrackingNumber { get; init; }

    public long AmountRefunded { get; init; }

    /// <summary>Stripe's refund ids already recorded: a refund seen twice (our call's answer, then its webhook) counts once.</summary>
    public IReadOnlyList<string> RefundIds { get; init; } = [];

    /// <summary>How many units went back to stock through refunds (never more than the physical lines' units).</summary>
    public int Restocked { get; init; }

    public string? CancelReason { get; init; }

    public long Total => Lines.Sum(l => l.UnitAmount * l.Quantity);

    /// <summary>Units of every line.</summary>
    public int Units => Lines.Sum(l => l.Quantity);

    public bool HasPhysical => Lines.Any(l => l.Delivery == DeliveryKind.Physical);

    /// <summary>Lines with a file to download (DIGITAL), with their index in <see cref="Lines"/>.</summary>
    public IEnumerable<(OrderLine Line, int Index)> Downloads() => Lines.Select((l, i) => (l, i)).Where(x => x.l.DigitalFileId is not null);

    public bool IsPaid => Status is OrderStatus.Paid or OrderStatus.Fulfilled or OrderStatus.Refunded;

    public static Order Create(OrderPlaced e) =>
        new(e.OrderId, e.WorkspaceId, e.ProductId, e.VariantId, e.ProductTitle, e.VariantName, e.Delivery, e.Quantity, e.UnitAmount, e.Currency,
            OrderStatus.Pending, e.HoldUntil, e.At, e.At, 1)
        {
            DigitalFileId = e.DigitalFileId,
            Lines = e.AllLines(),
        };

    public Order Apply(OrderCheckoutOpened e) => this with { CheckoutSessionId = e.CheckoutSessionId, UpdatedAt = e.At };

    public Order Apply(OrderPaid e) => this with
    {
        Status = OrderStatus.Paid,
        PaymentIntentId = e.PaymentIntentId,
        AmountPaid = e.AmountTotal,
        PaidAt = e.At,
        BuyerEmail = e.BuyerEmail,
        BuyerName = e.BuyerName,
        Shipping = e.Shipping,
        UpdatedAt = e.At,
    };

    public Order Apply(OrderFulfilled e) => this with
    {
        Status = Status == OrderStatus.Paid ? OrderStatus.Fulfilled : Status,
        FulfilledAt = e.At,
        Carrier = e.Carrier,
        TrackingNumber = e.TrackingNumber,
        UpdatedAt = e.At,
    };

    public Order Apply(OrderRefunded e)
    {
        var refunded = AmountRefunded + e.Amount;
        return this with
        {
            AmountRefunded = refunded,
            RefundIds = [.. RefundIds, e.RefundId],
            Status = refunded >= AmountPaid ? OrderStatus.Refunded : Status,
            UpdatedAt = e.At,
        };
    }

    public Order Apply(OrderRestocked e) => this with { Restocked = e.Quantity, UpdatedAt = e.At };

    public Order Apply(OrderCancelled e) => this with { Status = OrderStatus.Cancelled, CancelReason = e.Reason, UpdatedAt = e.At };
}

/// <summary><c>Nexus:Storefront</c>: how long checkout holds stock, where Checkout sends the buyer back, how long download links live.</summary>
public sealed class StorefrontOptions
{
    public const string Section = "Nexus:Storefront";

    /// <summary>
    /// How long a pending order holds its stock: the Checkout Session's <c>expires_at</c>. Stripe accepts 30 minutes to
    /// 24 hours; shorter values are raised to 30 minutes.
    /// </summary>
    public TimeSpan CheckoutHold { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// How long after the hold Nexus asks Stripe about an order it heard nothing of (a lost webhook): Stripe expires a
    /// session at its <c>expires_at</c> and tells of it shortly after.
    /// </summary>
    public TimeSpan ExpiryCheckDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a digital product's download link works once issued (by email on payment, or by the buyer's order view).</summary>
    public TimeSpan DownloadLinkLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The most units one order may buy.</summary>
    public int MaxQuantity { get; set; } = 100;

    /// <summary>
    /// Where Checkout sends a buyer who paid; <c>{orderId}</c> and <c>{token}</c> are replaced by the order's id and
    /// its access token (for <c>storefrontOrder</c>). Default <c>{FrontendUrl}/store/orders/{orderId}?token={token}</c>.
    /// </summary>
    public string? SuccessUrl { get; set; }

    /// <summary>Where Checkout sends a buyer who gives up; default <c>{FrontendUrl}/store/orders/{orderId}?token={token}&amp;checkout=cancelled</c>.</summary>
    public string? CancelUrl { get; set; }

    /// <summary>ISO 3166-1 alpha-2 countries physical orders ship to; empty (the default): Checkout collects no shipping address.</summary>
    public IList<string> ShippingCountries { get; set; } = [];

    public TimeSpan Hold => CheckoutHold < TimeSpan.FromMinutes(30) ? TimeSpan.FromMinutes(30) : CheckoutHold > TimeSpan.FromHours(24) ? TimeSpan.FromHours(24) : CheckoutHold;
}

public sealed class OrderMarten : IConfigureMarten
{
    public const string ListingIndex = "mt_doc_order_idx_listing";
    public const string ListingByStatusIndex = "mt_doc_order_idx_listing_status";
    public const string SalesIndex = "mt_doc_order_idx_sales";

    public void Configure(IServiceProvider services, StoreOptions options)
    {
        options.Projections.Snapshot<Order>(SnapshotLifecycle.Inline);
        options.Schema.For<Order>()
            // Workspace.orders: newest first on (CreatedAt, Id), read in index order with the cursor's row comparison.
            .Index([o => o.WorkspaceId, o => o.CreatedAt, o => o.Id], index => index.Name = ListingIndex)
            .Index([o => o.WorkspaceId, o => o.Status, o => o.CreatedAt, o => o.Id], index => index.Name = ListingByStatusIndex)
            // Workspace.sales: a workspace's paid orders in a range of PaidAt (the duplicated column), unpaid ones left out.
            .Index([o => o.WorkspaceId, o => o.PaidAt!], index =>
            {
                index.Name = SalesIndex;
                index.Predicate = "paid_at is not null";
            })
            // Workspace.sales: paid orders of a period, and refunds found by the PaymentIntent Stripe names.
            .Duplicate(o => o.PaidAt)
            .Duplicate(o => o.PaymentIntentId);
    }
}

/// <summary>The order does not exist, is another workspace's, or the access token does not open it.</summary>
public sealed record OrderNotFoundError()
    : MutationError("NOT_FOUND", "This order does not exist.", ["input", "orderId"]);

/// <summary>The variant has fewer units left to sell than asked; <c>available</c> is how many.</summary>
public sealed record OutOfStockError(int Available, IReadOnlyList<string> Path)
    : MutationError("OUT_OF_STOCK", Available == 0 ? "This item is sold out." : $"Only {Available} left.", Path), IErrorFields<OutOfStockError>
{
    public static void AddFields(ObjectGraphType<OutOfStockError> type) =>
        type.Field<NonNullGraphType<IntGraphType>, int>("available").Description("How many can be bought now.").Resolve(ctx => ctx.Source.Available);
}

/// <summary>No storefront has the handle the checkout names.</summary>
public sealed record StorefrontNotFoundError()
    : MutationError("NOT_FOUND", "No storefront has this handle.", ["input", "handle"]);

/// <summary>An order is paid in one currency; this line's product is priced in another than the first line's.</summary>
public sealed record CurrencyMismatchError(IReadOnlyList<string> Path)
    : MutationError("CURRENCY_MISMATCH", "Every product of an order must be priced in the same currency.", Path);

/// <summary>The order is not in a state that allows this (refunding an unpaid order, shipping a cancelled one…).</summary>
public sealed record OrderStateError(OrderStatus Status, string Action)
    : MutationError("ORDER_STATE", $"An order that is {Status.ToString().ToUpperInvariant()} cannot be {Action}.", ["input", "orderId"]);

/// <summary>The refund asks for more than is left to refund; <c>refundable</c> is what is left, in minor units.</summary>
public sealed record RefundTooLargeError(long Refundable)
    : MutationError("REFUND_TOO_LARGE", $"At most {Refundable} (minor units) is left to refund on this order.", ["input", "amount"]), IErrorFields<RefundTooLargeError>
{
    public static void AddFields(ObjectGraphType<RefundTooLargeError> type) =>
        type.Field<NonNullGraphType<LongGraphType>, long>("refundable").Description("What is left to refund, in minor units.").Resolve(ctx => ctx.Source.Refundable);
}

/// <summary>Who may act on an order: a member of its workspace with the role, found from the input's <c>orderId</c>.</summary>
public static class OrderAccess
{
    internal static readonly StorefrontAccess<Order> Rule = new(Order.TypeName, input => (input as IOrderInput)?.OrderId, o => o.WorkspaceId);

    public static Access Needs(Role role) => Rule.Needs(role);

    /// <summary>The order the input names; <see cref="Guid.Empty"/> when it names none (the access check has refused it by then).</summary>
    public static Guid OrderId(this Caller caller) => Rule.IdOf(caller);
}

/// <summary>A generated mutation's input that names an order.</summary>
public interface IOrderInput
{
    string OrderId { get; }
}

public static class OrderPayloads
{
    /// <summary><c>order: Order</c>: the order as it now is, after a failure too.</summary>
    public static Payload<Guid> Order { get; } = OrderAccess.Rule.Answer<OrderType>("order", "The order as it now is (after errors too).");
}
