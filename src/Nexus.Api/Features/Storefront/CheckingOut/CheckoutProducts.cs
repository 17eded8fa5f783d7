using System.ComponentModel;
using FluentValidation;
using GraphQL;
using GraphQL.Types;
using Marten;
using JasperFx.Events;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Billing;
using Nexus.Api.Features.Billing.Subscribing;
using Nexus.Api.GraphQL;
using Nexus.Api.Infrastructure;
using Stripe;
using Wolverine;

namespace Nexus.Api.Features.Storefront.CheckingOut;

/// <summary>
/// A buyer (anyone, no account) starts buying one or more variants of a storefront's published products
/// (<paramref name="Items"/>, one line each). Two transactions around one call to Stripe, so that no database
/// transaction waits on the network:
/// <list type="number">
/// <item><see cref="ReserveOrder"/>: the stock of every physical line is taken on its product's stream at the version
/// the check was made on, all in one commit (two checkouts of the last item cannot both commit; the loser runs again
/// and finds it sold out; an order never holds part of its lines), the order is started, and <see cref="ExpireOrder"/>
/// is scheduled durably in the same commit: whatever happens next, the hold ends.</item>
/// <item>Stripe creates the Checkout Session, one line item per line, with an idempotency key derived from the order,
/// so a retried call opens the same session, never a second one.</item>
/// <item><see cref="RecordOrderCheckout"/> notes the session on the order; when Stripe refused, <see cref="CancelOrder"/>
/// gives the stock back at once.</item>
/// </list>
/// </summary>
public sealed record CheckoutProducts(string Handle, IReadOnlyList<CheckoutItem> Items, string? Email)
{
    public sealed class Validator : AbstractValidator<CheckoutProducts>
    {
        public Validator()
        {
            RuleFor(c => c.Items)
                .Must(items => items.Count is >= 1 and <= OrderRules.MaxLines).WithMessage($"An order has 1 to {OrderRules.MaxLines} lines.")
                // One line per variant, so that a line's stock check is the variant's whole demand.
                .Must(items => items.Select(i => i.VariantId).Distinct().Count() == items.Count).WithMessage("Each variant is named once (give its quantity on one line).");
            RuleForEach(c => c.Items).ChildRules(item =>
                item.RuleFor(i => i.Quantity).InclusiveBetween(1, OrderRules.MaxQuantity).WithMessage($"A line buys 1 to {OrderRules.MaxQuantity}."));
            RuleFor(c => c.Email).MaximumLength(254).EmailAddress().When(c => c.Email is not null).WithMessage("This is not an email address.");
        }
    }
}

/// <summary>One line the buyer asks for.</summary>
public sealed record CheckoutItem(Guid ProductId, Guid VariantId, int Quantity);

public static class OrderRules
{
    /// <summary>The most units of one variant an order buys.</summary>
    public const int MaxQuantity = 100;

    /// <summary>The most lines an order has (Stripe Checkout takes up to 100 line items; a cart rarely needs more than a few).</summary>
    public const int MaxLines = 20;
}

/// <summary>What the buyer gets back: Stripe's page to pay on, and the order with the token that lets them read it.</summary>
public sealed record CheckoutStarted(Guid OrderId, Uri Url, string AccessToken);

public static class CheckoutProductsHandler
{
    public static async Task<Outcome<CheckoutStarted, Billing.Subscribing.BillingNotConfiguredError, StorefrontNotFoundError, ProductNotFoundError, VariantNotFoundError, OutOfStockError, CurrencyMismatchError, PaymentProviderError>> HandleAsync(
        CheckoutProducts command, IMessageBus bus, IQuerySession query, StripeGateway stripe, OrderLinks links, IOptions<StorefrontOptions> options, ILogger<CheckoutProducts> logger, CancellationToken ct)
    {
        if (stripe.Client is not { } client)
        {
            return new Billing.Subscribing.BillingNotConfiguredError();
        }

        if (await PublicStorefront.StorefrontView.FindAsync(query, command.Handle, ct) is not { } storefront)
        {
            return new StorefrontNotFoundError();
        }

        var reserved = await bus.InvokeAsync<Outcome<Order, ProductNotFoundError, VariantNotFoundError, OutOfStockError, CurrencyMismatchError>>(
            new ReserveOrder(Guid.CreateVersion7(), storefront.Workspace.Id, command.Items), ct);
        if (reserved.Errors is [var refusal, ..])
        {
            return refusal switch
            {
                ProductNotFoundError e => e,
                VariantNotFoundError e => e,
                OutOfStockError e => e,
                CurrencyMismatchError e => e,
                _ => throw new InvalidOperationException($"Unexpected refusal {refusal.GetType().Name}."),
            };
        }

        var order = reserved.Value!;
        var token = links.AccessToken(order.Id);
        Stripe.Checkout.Session session;
        try
        {
            session = await new Stripe.Checkout.SessionService(client).CreateAsync(SessionOptions(order, command.Email, token, options.Value, links),
                new RequestOptions { IdempotencyKey = $"nexus-order-{order.Id:N}" }, ct);
        }
        catch (StripeException ex)
        {
            logger.LogWarning("Stripe refused the checkout of order {OrderId} ({Status} {Code}); its stock is released", order.Id, (int)ex.HttpStatusCode, ex.StripeError?.Code);
            await bus.InvokeAsync(new CancelOrder(order.Id, "payment_provider_error"), CancellationToken.None);
            return new PaymentProviderError(ex.StripeError?.Code ?? ((int)ex.HttpStatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        await bus.InvokeAsync(new RecordOrderCheckout(order.Id, session.Id), CancellationToken.None);
        return new CheckoutStarted(order.Id, new Uri(session.Url), token);
    }

    private static Stripe.Checkout.SessionCreateOptions SessionOptions(Order order, string? email, string token, StorefrontOptions options, OrderLinks links)
    {
        var metadata = new Dictionary<string, string>
        {
            ["orderId"] = order.Id.ToString(),
            ["workspaceId"] = order.WorkspaceId.ToString(),
        };
        return new()
        {
            Mode = "payment",
            LineItems =
            [
                .. order.Lines.Select(line => new Stripe.Checkout.SessionLineItemOptions
                {
                    Quantity = line.Quantity,
                    PriceData = new()
                    {
                        Currency = order.Currency.ToLowerInvariant(),
                        UnitAmount = line.UnitAmount,
                        ProductData = new() { Name = line.VariantName == "Default" ? line.ProductTitle : $"{line.ProductTitle} – {line.VariantName}" },
                    },
                }),
            ],
            ClientReferenceId = order.Id.ToString(),
            Metadata = metadata,
            PaymentIntentData = new() { Metadata = metadata },
            CustomerEmail = email,
            ExpiresAt = order.HoldUntil.UtcDateTime,
            ShippingAddressCollection = order.HasPhysical && options.ShippingCountries.Count > 0
                ? new() { AllowedCountries = [.. options.ShippingCountries] }
                : null,
            SuccessUrl = links.BuyerPage(options.SuccessUrl, order.Id, token, cancelled: false),
            CancelUrl = links.BuyerPage(options.CancelUrl, order.Id, token, cancelled: true),
        };
    }
}

/// <summary>Takes the stock and starts the order (see <see cref="CheckoutProducts"/>).</summary>
public sealed record ReserveOrder(Guid OrderId, Guid WorkspaceId, IReadOnlyList<CheckoutItem> Items);

public static class ReserveOrderHandler
{
    public static async Task<(Outcome<Order, ProductNotFoundError, VariantNotFoundError, OutOfStockError, CurrencyMismatchError>, OutgoingMessages)> HandleAsync(
        ReserveOrder command, IDocumentSession session, IOptions<StorefrontOptions> options, DateTimeOffset now, CancellationToken ct)
    {
        var streams = new Dictionary<Guid, IEventStream<Product>>();
        var lines = new List<OrderLine>(command.Items.Count);
        var reservations = new List<(IEventStream<Product> Stream, ProductStockReserved Reserved)>();
        string? currency = null;
        for (var i = 0; i < command.Items.Count; i++)
        {
            var item = command.Items[i];
            string[] at = ["input", "items", i.ToString(System.Globalization.CultureInfo.InvariantCulture)];
            if (!streams.TryGetValue(item.ProductId, out var stream))
            {
                stream = streams[item.ProductId] = await session.Events.FetchForWriting<Product>(item.ProductId, ct);
            }

            // A draft or archived product, or another storefront's, is not for sale here, and says nothing of its existence to an anonymous buyer.
            if (stream.Aggregate is not { Status: ProductStatus.Published } product || product.WorkspaceId != command.WorkspaceId)
            {
                return (new ProductNotFoundError([.. at, "productId"]), []);
            }

            if (product.Variants.FirstOrDefault(v => v.Id == item.VariantId) is not { } variant)
            {
                return (new VariantNotFoundError([.. at, "variantId"]), []);
            }

            currency ??= product.Currency;
            if (product.Currency != currency)
            {
                return (new CurrencyMismatchError([.. at, "productId"]), []);
            }

            if (variant.Inventory is { } stock)
            {
                // Each variant is on one line (the validator), so its stock is checked against its whole demand here.
                if (stock < item.Quantity)
                {
                    return (new OutOfStockError(stock, [.. at, "quantity"]), []);
                }

                reservations.Add((stream, new ProductStockReserved(product.Id, variant.Id, command.OrderId, item.Quantity, stock - item.Quantity, now)));
            }

            lines.Add(new OrderLine(product.Id, variant.Id, product.Title, variant.Name, product.Delivery, item.Quantity, variant.PriceOverride ?? product.PriceAmount,
                product.Delivery == DeliveryKind.Digital ? product.DigitalFileId : null));
        }

        // Nothing is appended before every line passed, so a refused checkout holds nothing. Streams are written in one
        // order (by product id), so two checkouts of the same products lock their rows in the same order, never a cycle.
        foreach (var (stream, reserved) in reservations.OrderBy(r => r.Reserved.ProductId))
        {
            stream.AppendOne(reserved);
        }

        var hold = now + options.Value.Hold;
        var placed = OrderPlaced.Of(command.OrderId, command.WorkspaceId, lines, currency!, hold, now);
        session.Events.StartStream<Order>(command.OrderId, placed);
        return (Order.Create(placed), [new ExpireOrder(command.OrderId).ScheduledAt(hold + options.Value.ExpiryCheckDelay)]);
    }
}

/// <summary>Notes the Checkout Session Stripe opened for a pending order.</summary>
public sealed record RecordOrderCheckout(Guid OrderId, string CheckoutSessionId);

public static class RecordOrderCheckoutHandler
{
    public static async Task HandleAsync(RecordOrderCheckout command, IDocumentSession session, DateTimeOffset now, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Order>(command.OrderId, ct);
        if (stream.Aggregate is { CheckoutSessionId: null })
        {
            stream.AppendOne(new OrderCheckoutOpened(command.OrderId, command.CheckoutSessionId, now));
        }
    }
}

/// <summary>Ends a pending order Stripe could not open a session for, giving its stock back.</summary>
public sealed record CancelOrder(Guid OrderId, string Reason);

public static class CancelOrderHandler
{
    public static async Task HandleAsync(CancelOrder command, IDocumentSession session, DateTimeOffset now, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Order>(command.OrderId, ct);
        if (stream.Aggregate is { Status: OrderStatus.Pending })
        {
            await OrderSettlement.CancelAsync(session, stream, command.Reason, now, ct);
        }
    }
}

public sealed record CheckoutItemInput(
    [property: Id] string ProductId,
    [property: Id, Description("The variant to buy (every product has at least one); each variant on one line only.")] string VariantId,
    [property: DescribedAs("How many, 1 to {0}.", OrderRules.MaxQuantity)] int Quantity);

public sealed record CheckoutProductsInput(
    [property: Description("The storefront's handle (`storefront(handle)`): every item is one of its published products.")] string Handle,
    [property: DescribedAs("The order's lines, 1 to {0}, all priced in one currency.", OrderRules.MaxLines)] IReadOnlyList<CheckoutItemInput> Items,
    [property: Description("The buyer's email, to fill in on Stripe's page (optional: Stripe asks for it otherwise).")] string? Email = null);

public sealed class CheckoutProductsMutation() : Mutation<CheckoutProductsInput, CheckoutProducts, CheckoutStarted>("checkoutProducts",
    "Starts buying one or more published products of a storefront in one order, with no account: the stock of every line is held while the buyer pays on Stripe Checkout (`url`), for `Nexus:Storefront:CheckoutHold` (30 minutes by default), and comes back on sale if they do not. The order becomes PAID when Stripe's webhook confirms the payment, not when this answers. Public; rate limited per address.",
    Access.Public(NexusRateLimiter.StorefrontCheckout).AnyAppScope(),
    Payload<CheckoutStarted>.Of<StorefrontOrderType>("order", "The pending order.", async (context, started) =>
            await context.RequestServices!.GetRequiredService<IQuerySession>().LoadAsync<Order>(started.OrderId, context.CancellationToken))
        .And<StringGraphType>("url", "Stripe Checkout's page for this order: send the buyer's browser there.", started => started.Url.AbsoluteUri)
        .And<StringGraphType>("orderToken", "The token that opens this order in `storefrontOrder` (the buyer's receipt and download links); keep it with the order id.", started => started.AccessToken),
    (input, _) => new(StorefrontHandles.Normalize(input.Handle), [.. (input.Items ?? []).Select(i =>
        new CheckoutItem(ProductRules.IdOf(i.ProductId, Product.TypeName), ProductRules.IdOf(i.VariantId, ProductRules.VariantTypeName), i.Quantity))], input.Email));
