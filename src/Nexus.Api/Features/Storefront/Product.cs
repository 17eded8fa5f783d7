using System.ComponentModel;
using GraphQL.Types;
using JasperFx.Events.Projections;
using Marten;
using Nexus.Api.Features.Media;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.Infrastructure;

namespace Nexus.Api.Features.Storefront;

/// <summary>Where a product is in its life: only PUBLISHED products are on the public storefront.</summary>
public enum ProductStatus
{
    Draft,
    Published,
    Archived,
}

/// <summary>How a bought product reaches the buyer: shipped from counted stock, or a library file sent as a link.</summary>
public enum DeliveryKind
{
    Physical,
    Digital,
}

/// <summary>
/// One purchasable form of a product. <paramref name="Inventory"/> is the stock on hand of a PHYSICAL product's
/// variant, never below zero; null for DIGITAL products, whose stock is unlimited. <paramref name="PriceOverride"/>,
/// when set, replaces the product's price (same currency).
/// </summary>
public sealed record ProductVariant(Guid Id, string Name, string? Sku, long? PriceOverride, int? Inventory);

[Description("A product was created in a workspace's storefront catalogue, as a draft.")]
public sealed record ProductCreated(Guid ProductId, Guid WorkspaceId, string Title, string Description, IReadOnlyList<Guid> MediaIds, long PriceAmount, string Currency,
    DeliveryKind Delivery, Guid? DigitalFileId, IReadOnlyList<ProductVariant> Variants, Guid ByUserId, DateTimeOffset At) : IDomainEvent;

[Description("A product's details and variants were replaced; variants kept by id keep their stock.")]
public sealed record ProductUpdated(Guid ProductId, string Title, string Description, IReadOnlyList<Guid> MediaIds, long PriceAmount, string Currency,
    DeliveryKind Delivery, Guid? DigitalFileId, IReadOnlyList<ProductVariant> Variants, Guid ByUserId, DateTimeOffset At) : IDomainEvent;

[Description("A product was published: it is on the public storefront.")]
public sealed record ProductPublished(Guid ProductId, Guid ByUserId, DateTimeOffset At) : IDomainEvent;

[Description("A product was archived: it left the public storefront.")]
public sealed record ProductArchived(Guid ProductId, Guid ByUserId, DateTimeOffset At) : IDomainEvent;

[Description("A physical product variant's stock was changed by a delta; Inventory is the stock after it (never below zero).")]
public sealed record ProductInventoryAdjusted(Guid ProductId, Guid VariantId, int Delta, int Inventory, Guid ByUserId, DateTimeOffset At) : IDomainEvent;

[Description("Checkout reserved stock of a physical variant for a pending order; Inventory is the stock left to sell after it (never below zero).")]
public sealed record ProductStockReserved(Guid ProductId, Guid VariantId, Guid OrderId, int Quantity, int Inventory, DateTimeOffset At) : IDomainEvent;

[Description("Stock reserved for an order came back to sale: the checkout expired or was abandoned, or a refund restocked it; Inventory is the stock after it.")]
public sealed record ProductStockReleased(Guid ProductId, Guid VariantId, Guid OrderId, int Quantity, int Inventory, DateTimeOffset At) : IDomainEvent;

/// <summary>
/// A storefront product: the write model of its stream and, projected inline, the read model behind <c>Product</c> and
/// <c>StorefrontProduct</c>. Every change of its stock is an event on this stream, appended at the version the handler
/// read, so two writers that would together oversell cannot both commit (the loser runs again on the winner's state):
/// checkout reservations append to the same stream and inherit that guarantee. A variant's <c>Inventory</c> is what is
/// left to sell: stock reserved by pending orders is already taken out of it.
/// </summary>
public sealed record Product(
    Guid Id,
    Guid WorkspaceId,
    string Title,
    string Description,
    IReadOnlyList<Guid> MediaIds,
    long PriceAmount,
    string Currency,
    DeliveryKind Delivery,
    Guid? DigitalFileId,
    IReadOnlyList<ProductVariant> Variants,
    ProductStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    int Version)
{
    public const string TypeName = "Product";

    public static Product Create(ProductCreated e) =>
        new(e.ProductId, e.WorkspaceId, e.Title, e.Description, e.MediaIds, e.PriceAmount, e.Currency, e.Delivery, e.DigitalFileId, e.Variants, ProductStatus.Draft, e.At, e.At, 1);

    public Product Apply(ProductUpdated e) => this with
    {
        Title = e.Title,
        Description = e.Description,
        MediaIds = e.MediaIds,
        PriceAmount = e.PriceAmount,
        Currency = e.Currency,
        Delivery = e.Delivery,
        DigitalFileId = e.DigitalFileId,
        Variants = e.Variants,
        UpdatedAt = e.At,
    };

    public Product Apply(ProductPublished e) => this with { Status = ProductStatus.Published, UpdatedAt = e.At };

    public Product Apply(ProductArchived e) => this with { Status = ProductStatus.Archived, UpdatedAt = e.At };

    public Product Apply(ProductInventoryAdjusted e) => WithStock(e.VariantId, e.Inventory, e.At);

    public Product Apply(ProductStockReserved e) => WithStock(e.VariantId, e.Inventory, e.At);

    public Product Apply(ProductStockReleased e) => WithStock(e.VariantId, e.Inventory, e.At);

    private Product WithStock(Guid variantId, int inventory, DateTimeOffset at) => this with
    {
        Variants = [.. Variants.Select(v => v.Id == variantId ? v with { Inventory = inventory } : v)],
        UpdatedAt = at,
    };
}

/// <summary>The storefront's documents and projections.</summary>
public sealed class StorefrontMarten : IConfigureMarten
{
    public const string ListingIndex = "mt_doc_product_idx_listing";
    public const string ListingByStatusIndex = "mt_doc_product_idx_listing_status";

    public void Configure(IServiceProvider services, StoreOptions options)
    {
        options.Projections.Snapshot<Product>(SnapshotLifecycle.Inline);
        options.Schema.For<Product>()
            // Workspace.products: newest first on (CreatedAt, Id), read in index order with the cursor's row comparison;
            // the expressions are those ProductListing queries with.
            .Index([p => p.WorkspaceId, p => p.CreatedAt, p => p.Id], index => index.Name = ListingIndex)
            // Workspace.products(status:) and the public storefront (PUBLISHED only): the same order within one status.
            .Index([p => p.WorkspaceId, p => p.Status, p => p.CreatedAt, p => p.Id], index => index.Name = ListingByStatusIndex);
    }
}

/// <summary>The product does not exist, or is another workspace's (at <c>input.productId</c> unless the input names several).</summary>
public sealed record ProductNotFoundError(IReadOnlyList<string>? At = null)
    : MutationError("NOT_FOUND", "This product does not exist.", At ?? ["input", "productId"]);

/// <summary>A variant id is not one of the product's.</summary>
public sealed record VariantNotFoundError(IReadOnlyList<string> Path)
    : MutationError("NOT_FOUND", "This product has no such variant.", Path);

/// <summary>A media id of the input names no live item of the product's workspace.</summary>
public sealed record ProductMediaNotFoundError(IReadOnlyList<string> Path)
    : MutationError("MEDIA_NOT_FOUND", "This media item is not in the workspace's library (or was deleted).", Path);

/// <summary>The change would take a variant's stock below zero; <c>available</c> is the stock now.</summary>
public sealed record InsufficientStockError(int Available)
    : MutationError("INSUFFICIENT_STOCK", $"Only {Available} in stock: the stock cannot go below zero.", ["input", "delta"]), IErrorFields<InsufficientStockError>
{
    public static void AddFields(ObjectGraphType<InsufficientStockError> type) =>
        type.Field<NonNullGraphType<IntGraphType>, int>("available").Description("The variant's stock now.").Resolve(ctx => ctx.Source.Available);
}

/// <summary>The change would take a variant's stock above what Nexus counts.</summary>
public sealed record StockTooHighError()
    : MutationError("STOCK_TOO_HIGH", $"A variant's stock is at most {ProductRules.MaxStock}.", ["input", "delta"]);

/// <summary>A DIGITAL product's variants have no stock to adjust.</summary>
public sealed record NotInventoriedError()
    : MutationError("NOT_INVENTORIED", "A digital product has no stock to adjust.", ["input", "variantId"]);

/// <summary>Who may change a product: a member of its workspace with the role, found from the input's <c>productId</c>.</summary>
public static class ProductAccess
{
    internal static readonly StorefrontAccess<Product> Rule = new(Product.TypeName, input => (input as IProductInput)?.ProductId, p => p.WorkspaceId);

    public static Access Needs(Role role) => Rule.Needs(role);

    /// <summary>The product the input names; <see cref="Guid.Empty"/> when it names none (the access check has refused it by then).</summary>
    public static Guid ProductId(this Caller caller) => Rule.IdOf(caller);
}

/// <summary>A generated mutation's input that names a product.</summary>
public interface IProductInput
{
    string ProductId { get; }
}

public static class ProductPayloads
{
    /// <summary><c>product: Product</c>: the product as it now is, after a failure too.</summary>
    public static Payload<Guid> Product { get; } = ProductAccess.Rule.Answer<ProductType>("product", "The product as it now is (after errors too).");
}

/// <summary>Checks made inside a product command's handler: the caller's role now, and the media it names.</summary>
public static class ProductChecks
{
    /// <summary>The workspace's refusal of the caller (a role changed while the call ran), or null.</summary>
    public static async Task<RoleRequiredError?> RefusalAsync(IQuerySession session, Guid workspaceId, Guid userId, CancellationToken ct) =>
        await session.LoadAsync<Workspace>(workspaceId, ct) is { } workspace ? workspace.Refuses(userId, Role.Editor) : new RoleRequiredError(Role.Editor);

    /// <summary>
    /// The first media id that names no live item of the workspace (a gallery item, or the digital file), as a typed
    /// error at its input path; null when every one is usable.
    /// </summary>
    public static async Task<ProductMediaNotFoundError?> MissingMediaAsync(IQuerySession session, Guid workspaceId, IReadOnlyList<Guid> mediaIds, Guid? digitalFileId, CancellationToken ct)
    {
        var ids = mediaIds.Concat(digitalFileId is { } file ? [file] : []).Distinct().ToArray();
        if (ids.Length == 0)
        {
            return null;
        }

        var found = (await session.LoadManyAsync<MediaAsset>(ct, ids)).Where(m => m.WorkspaceId == workspaceId && !m.Deleted).Select(m => m.Id).ToHashSet();
        for (var i = 0; i < mediaIds.Count; i++)
        {
            if (!found.Contains(mediaIds[i]))
            {
                return new ProductMediaNotFoundError(["input", "mediaIds", i.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            }
        }

        return digitalFileId is { } digital && !found.Contains(digital) ? new ProductMediaNotFoundError(["input", "digitalFileId"]) : null;
    }
}
