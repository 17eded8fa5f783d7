using GraphQL;
using GraphQL.DataLoader;
using GraphQL.Types;
using Marten;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL.Loading;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.GraphQL.Scalars;

namespace Nexus.Api.Features.Storefront;

public sealed class OrderStatusType : EnumerationGraphType<OrderStatus>
{
    public OrderStatusType()
    {
        Name = "OrderStatus";
        Description = "PENDING (stock held while the buyer is on Stripe Checkout), PAID, FULFILLED (shipped, or a digital file delivered), REFUNDED (wholly) or CANCELLED (checkout expired or failed; stock back on sale).";
    }

    protected override string ChangeEnumCase(string val) => val.ToUpperInvariant();
}

/// <summary>What the buyer and the seller both see of an order.</summary>
public static class OrderFields
{
    public static void AddTo(ObjectGraphType<Order> type)
    {
        type.Field<NonNullGraphType<OrderStatusType>, OrderStatus>("status").Resolve(ctx => ctx.Source.Status);
        const string FirstLine = "The first line's; an order may have several: use `lines`.";
        type.Field<NonNullGraphType<StringGraphType>, string>("productTitle").Description("The first line's product title when it was bought.").DeprecationReason(FirstLine).Resolve(ctx => ctx.Source.ProductTitle);
        type.Field<NonNullGraphType<StringGraphType>, string>("variantName").DeprecationReason(FirstLine).Resolve(ctx => ctx.Source.VariantName);
        type.Field<NonNullGraphType<DeliveryKindType>, DeliveryKind>("delivery").DeprecationReason(FirstLine).Resolve(ctx => ctx.Source.Delivery);
        type.Field<NonNullGraphType<IntGraphType>, int>("quantity").DeprecationReason(FirstLine).Resolve(ctx => ctx.Source.Quantity);
        type.Field<NonNullGraphType<MoneyType>, Money>("unitPrice").DeprecationReason(FirstLine).Resolve(ctx => new Money(ctx.Source.UnitAmount, ctx.Source.Currency));
        type.Field<NonNullGraphType<MoneyType>, Money>("total").Description("The lines' totals added up; what Stripe collects.").Resolve(ctx => new Money(ctx.Source.Total, ctx.Source.Currency));
        type.Field<NonNullGraphType<MoneyType>, Money>("refunded").Description("What went back to the buyer so far.").Resolve(ctx => new Money(ctx.Source.AmountRefunded, ctx.Source.Currency));
        type.Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("createdAt").Resolve(ctx => ctx.Source.CreatedAt);
        type.Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("holdUntil").Description("Until when a PENDING order holds its stock.").Resolve(ctx => ctx.Source.HoldUntil);
        type.Field<DateTimeScalar, DateTimeOffset?>("paidAt").Resolve(ctx => ctx.Source.PaidAt);
        type.Field<DateTimeScalar, DateTimeOffset?>("fulfilledAt").Resolve(ctx => ctx.Source.FulfilledAt);
        type.Field<StringGraphType, string?>("carrier").Resolve(ctx => ctx.Source.Carrier);
        type.Field<StringGraphType, string?>("trackingNumber").Resolve(ctx => ctx.Source.TrackingNumber);
    }
}

/// <summary><c>StorefrontOrder</c>: the buyer's view of their order, opened by its token; nothing about the seller's workspace.</summary>
public sealed class StorefrontOrderType : ObjectGraphType<Order>
{
    public StorefrontOrderType()
    {
        Name = "StorefrontOrder";
        Description = "An order as its buyer sees it (opened by the order's token).";
        // The same global id as the seller's Order, but not a Node: node(id) answers members the seller's view only.
        Field<NonNullGraphType<IdGraphType>, string>("id").Resolve(ctx => GlobalId.Encode(Order.TypeName, ctx.Source.Id));
        OrderFields.AddTo(this);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StorefrontOrderLineType>>>, IEnumerable<OrderLineView>>("lines")
            .Description("What was bought, one line per variant, in the order the buyer gave them.").Resolve(ctx => OrderLineView.Of(ctx.Source));
        Field<StringGraphType, string?>("downloadUrl")
            .Description("The first DIGITAL line's download link (see `lines.downloadUrl`), fresh on every read; null when there is none or the order is not paid.")
            .DeprecationReason("An order may have several digital lines: use `lines { downloadUrl }`.")
            .Resolve(ctx => OrderLineView.Of(ctx.Source).Select(l => l.DownloadUrl(ctx.RequestServices!)).FirstOrDefault(url => url is not null));
    }
}

/// <summary><c>Order</c>: the seller's view, with the buyer's contact and shipping address.</summary>
public sealed class OrderType : ObjectGraphType<Order>
{
    public OrderType()
    {
        Name = Order.TypeName;
        Description = "An order of the workspace's storefront, as its members see it.";
        this.NodeId(o => o.Id);
        OrderFields.AddTo(this);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<OrderLineType>>>, IEnumerable<OrderLineView>>("lines")
            .Description("What was bought, one line per variant, in the order the buyer gave them.").Resolve(ctx => OrderLineView.Of(ctx.Source));
        Field<ProductType, Product>("product").Description("The first line's product as it is now.").DeprecationReason("An order may have several lines: use `lines { product }`.")
            .ResolveAsync(async ctx => await ctx.RequestServices!.GetRequiredService<IQuerySession>().LoadAsync<Product>(ctx.Source.ProductId, ctx.CancellationToken));
        Field<StringGraphType, string?>("buyerEmail").Description("From Stripe Checkout, once paid.").Resolve(ctx => ctx.Source.BuyerEmail);
        Field<StringGraphType, string?>("buyerName").Resolve(ctx => ctx.Source.BuyerName);
        Field<ShippingAddressType, ShippingAddress?>("shipping").Description("Collected by Checkout for PHYSICAL orders when `Nexus:Storefront:ShippingCountries` is set.").Resolve(ctx => ctx.Source.Shipping);
        Field<StringGraphType, string?>("paymentIntentId").Description("Stripe's PaymentIntent (pi_…), to find the payment in Stripe's dashboard.").Resolve(ctx => ctx.Source.PaymentIntentId);
        Field<IntGraphType, int?>("restocked").Description("Units (of every physical line) a refund put back in stock.").Resolve(ctx => ctx.Source.Restocked);
        Field<StringGraphType, string?>("cancelReason").Description("checkout_expired, payment_failed or payment_provider_error.").Resolve(ctx => ctx.Source.CancelReason);
        Field<NonNullGraphType<IntGraphType>, int>("version").Resolve(ctx => ctx.Source.Version);
    }
}

/// <summary>
/// An order is visible through <c>node(id)</c> to members of its workspace only, as <c>Workspace.orders</c> shows it;
/// never to apps (that field is first-party). The buyer holds the same id (in Checkout's return URL), so an anonymous
/// caller or an outsider gets null, never the seller's view with the buyer's contact.
/// </summary>
public sealed class OrderNodeResolver : INodeResolver
{
    public static readonly BatchLoader<Guid, Order> ById = BatchLoader.ById<Order>(o => o.Id);

    public string TypeName => Order.TypeName;

    public IDataLoaderResult Resolve(Guid id, IResolveFieldContext context) =>
        context.Load(ById, id).Then(order => order is null
            ? ((Order?)null).AsLoaded()
            : WorkspaceLoaders.Visible(context, order.WorkspaceId, _ => order));
}

public sealed class ShippingAddressType : ObjectGraphType<ShippingAddress>
{
    public ShippingAddressType()
    {
        Name = "ShippingAddress";
        Field<StringGraphType, string?>("name").Resolve(ctx => ctx.Source.Name);
        Field<StringGraphType, string?>("line1").Resolve(ctx => ctx.Source.Line1);
        Field<StringGraphType, string?>("line2").Resolve(ctx => ctx.Source.Line2);
        Field<StringGraphType, string?>("postalCode").Resolve(ctx => ctx.Source.PostalCode);
        Field<StringGraphType, string?>("city").Resolve(ctx => ctx.Source.City);
        Field<StringGraphType, string?>("state").Resolve(ctx => ctx.Source.State);
        Field<NonNullGraphType<StringGraphType>, string>("country").Description("ISO 3166-1 alpha-2.").Resolve(ctx => ctx.Source.Country);
    }
}

/// <summary>One line of an order, with the order it belongs to (a buyer's download link names both).</summary>
public sealed record OrderLineView(Order Order, int Index)
{
    public OrderLine Line => Order.Lines[Index];

    public static IEnumerable<OrderLineView> Of(Order order) => order.Lines.Select((_, i) => new OrderLineView(order, i));

    /// <summary>A DIGITAL line's link while the order is paid (refunded or cancelled orders download nothing); null otherwise.</summary>
    public string? DownloadUrl(IServiceProvider services) =>
        Line.DigitalFileId is not null && Order.Status is OrderStatus.Paid or OrderStatus.Fulfilled
            ? services.GetRequiredService<OrderLinks>().DownloadUrl(Order.Id, Index).AbsoluteUri
            : null;

    public static void AddFields(ObjectGraphType<OrderLineView> type)
    {
        type.Field<NonNullGraphType<IdGraphType>, string>("productId").Resolve(ctx => GlobalId.Encode(Product.TypeName, ctx.Source.Line.ProductId));
        type.Field<NonNullGraphType<IdGraphType>, string>("variantId").Resolve(ctx => ProductRules.VariantGlobalId(ctx.Source.Line.VariantId));
        type.Field<NonNullGraphType<StringGraphType>, string>("productTitle").Description("The product's title when it was bought.").Resolve(ctx => ctx.Source.Line.ProductTitle);
        type.Field<NonNullGraphType<StringGraphType>, string>("variantName").Resolve(ctx => ctx.Source.Line.VariantName);
        type.Field<NonNullGraphType<DeliveryKindType>, DeliveryKind>("delivery").Resolve(ctx => ctx.Source.Line.Delivery);
        type.Field<NonNullGraphType<IntGraphType>, int>("quantity").Resolve(ctx => ctx.Source.Line.Quantity);
        type.Field<NonNullGraphType<MoneyType>, Money>("unitPrice").Resolve(ctx => new Money(ctx.Source.Line.UnitAmount, ctx.Source.Order.Currency));
        type.Field<NonNullGraphType<MoneyType>, Money>("total").Description("Quantity × unit price.").Resolve(ctx => new Money(ctx.Source.Line.UnitAmount * ctx.Source.Line.Quantity, ctx.Source.Order.Currency));
    }
}

/// <summary><c>OrderLine</c>: a line as the seller sees it, with the product as it is now.</summary>
public sealed class OrderLineType : ObjectGraphType<OrderLineView>
{
    public OrderLineType()
    {
        Name = "OrderLine";
        Description = "One product variant of an order, as it was sold.";
        OrderLineView.AddFields(this);
        Field<ProductType, IDataLoaderResult<Product?>>("product").Description("The product as it is now.").Resolve(ctx => ctx.Load(ProductNodeResolver.ById, ctx.Source.Line.ProductId));
    }
}

/// <summary><c>StorefrontOrderLine</c>: a line as the buyer sees it, with its download link.</summary>
public sealed class StorefrontOrderLineType : ObjectGraphType<OrderLineView>
{
    public StorefrontOrderLineType()
    {
        Name = "StorefrontOrderLine";
        Description = "One product variant of an order, as its buyer sees it.";
        OrderLineView.AddFields(this);
        Field<StringGraphType, string?>("downloadUrl")
            .Description("A DIGITAL line's download link, fresh on every read, valid for `Nexus:Storefront:DownloadLinkLifetime` while the order is paid; null otherwise.")
            .Resolve(ctx => ctx.Source.DownloadUrl(ctx.RequestServices!));
    }
}
