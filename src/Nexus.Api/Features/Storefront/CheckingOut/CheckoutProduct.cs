using System.ComponentModel;
using FluentValidation;
using GraphQL;
using GraphQL.Types;
using Marten;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Billing;
using Nexus.Api.Features.Billing.Subscribing;
using Nexus.Api.GraphQL;
using Nexus.Api.Infrastructure;
using Stripe;
using Wolverine;

namespace Nexus.Api.Features.Storefront.CheckingOut;

/// <summary>
/// A buyer (anyone, no account) starts buying <paramref name="Quantity"/> of a published product's variant. Two
/// transactions around one call to Stripe, so that no database transaction waits on the network:
/// <list type="number">
/// <item><see cref="ReserveOrder"/>: the stock is taken on the product's stream at the version the check was made on
/// (two checkouts of the last item cannot both commit; the loser runs again and finds it sold out), the order is
/// started, and <see cref="ExpireOrder"/> is scheduled durably in the same commit: whatever happens next, the hold
/// ends.</item>
/// <item>Stripe creates the Checkout Session, with an idempotency key derived from the order, so a retried call opens
/// the same session, never a second one.</item>
/// <item><see cref="RecordOrderCheckout"/> notes the session on the order; when Stripe refused, <see cref="CancelOrder"/>
/// gives the stock back at once.</item>
/// </list>
/// </summary>
public sealed record CheckoutProduct(Guid ProductId, Guid VariantId, int Quantity, string? Email)
{
    public sealed class Validator : AbstractValidator<CheckoutProduct>
    {
        public Validator()
        {
            RuleFor(c => c.Quantity).InclusiveBetween(1, OrderRules.MaxQuantity).WithMessage($"An order buys 1 to {OrderRules.MaxQuantity}.");
            RuleFor(c => c.Email).MaximumLength(254).EmailAddress().When(c => c.Email is not null).WithMessage("This is not an email address.");
        }
    }
}

public static class OrderRules
{
    public const int MaxQuantity = 100;
}

/// <summary>What the buyer gets back: Stripe's page to pay on, and the order with the token that lets them read it.</summary>
public sealed record CheckoutStarted(Guid OrderId, Uri Url, string AccessToken);

public static class CheckoutProductHandler
{
    public static async Task<Outcome<CheckoutStarted, Billing.Subscribing.BillingNotConfiguredError, ProductNotFoundError, VariantNotFoundError, OutOfStockError, PaymentProviderError>> HandleAsync(
        CheckoutProduct command, IMessageBus bus, StripeGateway stripe, OrderLinks links, IOptions<StorefrontOptions> options, ILogger<CheckoutProduct> logger, CancellationToken ct)
    {
        if (stripe.Client is not { } client)
        {
            return new Billing.Subscribing.BillingNotConfiguredError();
        }

        var reserved = await bus.InvokeAsync<Outcome<Order, ProductNotFoundError, VariantNotFoundError, OutOfStockError>>(
            new ReserveOrder(Guid.CreateVersion7(), command.ProductId, command.VariantId, command.Quantity), ct);
        if (reserved.Errors is [var refusal, ..])
        {
            return refusal switch
            {
                ProductNotFoundError e => e,
                VariantNotFoundError e => e,
                OutOfStockError e => e,
                _ => throw new InvalidOperationException($"Unexpected refusal {refusal.GetType().Name}."),
            };
        }

        var order = reserved.Value!;
        var token = links.AccessToken(order.Id);
        Stripe.Checkout.Session session;
        try
        {
            session = await new Stripe.Checkout.SessionService(client).CreateAsync(SessionOptions(order, command.Email, token, stripe, options.Value, links),
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

    private static Stripe.Checkout.SessionCreateOptions SessionOptions(Order order, string? email, string token, StripeGateway stripe, StorefrontOptions options, OrderLinks links)
    {
        var metadata = new Dictionary<string, string>
        {
            ["orderId"] = order.Id.ToString(),
            ["workspaceId"] = order.WorkspaceId.ToString(),
            ["productId"] = order.ProductId.ToString(),
        };
        return new()
        {
            Mode = "payment",
            LineItems =
            [
                new()
                {
                    Quantity = order.Quantity,
                    PriceData = new()
                    {
                        Currency = order.Currency.ToLowerInvariant(),
                        UnitAmount = order.UnitAmount,
                        ProductData = new() { Name = order.VariantName == "Default" ? order.ProductTitle : $"{order.ProductTitle} – {order.VariantName}" },
                    },
                },
            ],
            ClientReferenceId = order.Id.ToString(),
            Metadata = metadata,
            PaymentIntentData = new() { Metadata = metadata },
            CustomerEmail = email,
            ExpiresAt = order.HoldUntil.UtcDateTime,
            ShippingAddressCollection = order.Delivery == DeliveryKind.Physical && options.ShippingCountries.Count > 0
                ? new() { AllowedCountries = [.. options.ShippingCountries] }
                : null,
            SuccessUrl = links.BuyerPage(options.SuccessUrl, order.Id, token, cancelled: false),
            CancelUrl = links.BuyerPage(options.CancelUrl, order.Id, token, cancelled: true),
        };
    }
}

/// <summary>Takes the stock and starts the order (see <see cref="CheckoutProduct"/>).</summary>
public sealed record ReserveOrder(Guid OrderId, Guid ProductId, Guid VariantId, int Quantity);

public static class ReserveOrderHandler
{
    public static async Task<(Outcome<Order, ProductNotFoundError, VariantNotFoundError, OutOfStockError>, OutgoingMessages)> HandleAsync(
        ReserveOrder command, IDocumentSession session, IOptions<StorefrontOptions> options, DateTimeOffset now, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Product>(command.ProductId, ct);
        // A draft or archived product is not for sale, and says nothing of its existence to an anonymous buyer.
        if (stream.Aggregate is not { Status: ProductStatus.Published } product)
        {
            return (new ProductNotFoundError(), []);
        }

        if (product.Variants.FirstOrDefault(v => v.Id == command.VariantId) is not { } variant)
        {
            return (new VariantNotFoundError(["input", "variantId"]), []);
        }

        if (variant.Inventory is { } stock)
        {
            if (stock < command.Quantity)
            {
                return (new OutOfStockError(stock), []);
            }

            stream.AppendOne(new ProductStockReserved(product.Id, variant.Id, command.OrderId, command.Quantity, stock - command.Quantity, now));
        }

        var hold = now + options.Value.Hold;
        var placed = new OrderPlaced(command.OrderId, product.WorkspaceId, product.Id, variant.Id, product.Title, variant.Name, product.Delivery,
            command.Quantity, variant.PriceOverride ?? product.PriceAmount, product.Currency, product.Delivery == DeliveryKind.Digital ? product.DigitalFileId : null, hold, now);
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

public sealed record CheckoutProductInput(
    [property: Id] string ProductId,
    [property: Id, Description("The variant to buy (every product has at least one).")] string VariantId,
    [property: DescribedAs("How many, 1 to {0}.", OrderRules.MaxQuantity)] int Quantity,
    [property: Description("The buyer's email, to fill in on Stripe's page (optional: Stripe asks for it otherwise).")] string? Email = null);

public sealed class CheckoutProductMutation() : Mutation<CheckoutProductInput, CheckoutProduct, CheckoutStarted>("checkoutProduct",
    "Starts buying a published product, with no account: the stock is held while the buyer pays on Stripe Checkout (`url`), for `Nexus:Storefront:CheckoutHold` (30 minutes by default), and comes back on sale if they do not. The order becomes PAID when Stripe's webhook confirms the payment, not when this answers. Public; rate limited per address.",
    Access.Public(NexusRateLimiter.StorefrontCheckout).AnyAppScope(),
    Payload<CheckoutStarted>.Of<StorefrontOrderType>("order", "The pending order.", async (context, started) =>
            await context.RequestServices!.GetRequiredService<IQuerySession>().LoadAsync<Order>(started.OrderId, context.CancellationToken))
        .And<StringGraphType>("url", "Stripe Checkout's page for this order: send the buyer's browser there.", started => started.Url.AbsoluteUri)
        .And<StringGraphType>("orderToken", "The token that opens this order in `storefrontOrder` (the buyer's receipt and download link); keep it with the order id.", started => started.AccessToken),
    (input, _) => new(ProductRules.IdOf(input.ProductId, Product.TypeName), ProductRules.IdOf(input.VariantId, ProductRules.VariantTypeName), input.Quantity, input.Email));
