using GraphQL;
using GraphQL.DataLoader;
using GraphQL.Types;
using Marten;
using Nexus.Api.Features.Media;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL.Loading;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.GraphQL.Scalars;
using Nexus.Api.Platforms;

namespace Nexus.Api.Features.Storefront;

/// <summary>An amount in minor units of an ISO 4217 currency.</summary>
public sealed record Money(long Amount, string Currency)
{
    /// <summary>
    /// How many decimals a minor unit is, as Stripe counts them: none for its zero-decimal currencies, three for its
    /// three-decimal ones, two for every other.
    /// </summary>
    public static int DecimalsOf(string currency) => currency.ToUpperInvariant() switch
    {
        "BIF" or "CLP" or "DJF" or "GNF" or "JPY" or "KMF" or "KRW" or "MGA" or "PYG" or "RWF" or "UGX" or "VND" or "VUV" or "XAF" or "XOF" or "XPF" => 0,
        "BHD" or "JOD" or "KWD" or "OMR" or "TND" => 3,
        _ => 2,
    };

    /// <summary>For people (emails): <c>25.00 EUR</c>, <c>500 JPY</c>.</summary>
    public string Display()
    {
        var decimals = DecimalsOf(Currency);
        var value = Amount / (decimal)Math.Pow(10, decimals);
        return $"{value.ToString("N" + decimals.ToString(System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture)} {Currency}";
    }
}

public sealed class MoneyType : ObjectGraphType<Money>
{
    public MoneyType()
    {
        Name = "Money";
        Description = "An amount of money: integer minor units (cents) of an ISO 4217 currency; never a float.";
        Field<NonNullGraphType<LongGraphType>, long>("amount").Description("In minor units of the currency (1999 is 19.99 EUR; 500 is 500 JPY).").Resolve(ctx => ctx.Source.Amount);
        Field<NonNullGraphType<StringGraphType>, string>("currency").Description("The ISO 4217 code, upper case.").Resolve(ctx => ctx.Source.Currency);
    }
}

public sealed class ProductStatusType : EnumerationGraphType<ProductStatus>
{
    public ProductStatusType()
    {
        Name = "ProductStatus";
        Description = "DRAFT (members only), PUBLISHED (on the public storefront) or ARCHIVED (kept, off the storefront).";
    }

    protected override string ChangeEnumCase(string val) => val.ToUpperInvariant();
}

public sealed class DeliveryKindType : EnumerationGraphType<DeliveryKind>
{
    public DeliveryKindType()
    {
        Name = "DeliveryKind";
        Description = "PHYSICAL: shipped from counted stock. DIGITAL: a library file, sent as a signed, expiring link after payment.";
    }

    protected override string ChangeEnumCase(string val) => val.ToUpperInvariant();
}

/// <summary><c>Product</c>: the members' view of a storefront product, drafts and stock included.</summary>
public sealed class ProductType : ObjectGraphType<Product>
{
    public ProductType()
    {
        Name = Product.TypeName;
        Description = "A product of the workspace's storefront catalogue, as its members see it (stock included).";
        this.NodeId(p => p.Id);
        Field(p => p.Title);
        Field(p => p.Description);
        Field<NonNullGraphType<ProductStatusType>, ProductStatus>("status").Resolve(ctx => ctx.Source.Status);
        Field<NonNullGraphType<DeliveryKindType>, DeliveryKind>("delivery").Resolve(ctx => ctx.Source.Delivery);
        Field<NonNullGraphType<MoneyType>, Money>("price").Resolve(ctx => new Money(ctx.Source.PriceAmount, ctx.Source.Currency));
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<MediaItemType>>>, IReadOnlyList<MediaAsset>>("media")
            .Description("The product's library items, in order; items deleted since are left out.")
            .ResolveAsync(async ctx => await StorefrontMedia.LiveAsync(ctx, ctx.Source.WorkspaceId, ctx.Source.MediaIds));
        Field<MediaItemType, MediaAsset>("digitalFile")
            .Description("A DIGITAL product's file (null for PHYSICAL products, or when it was deleted).")
            .ResolveAsync(async ctx => ctx.Source.DigitalFileId is { } file ? (await StorefrontMedia.LiveAsync(ctx, ctx.Source.WorkspaceId, [file])) is [var item] ? item : null : null);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<ProductVariantType>>>, IEnumerable<VariantView>>("variants")
            .Resolve(ctx => ctx.Source.Variants.Select(v => new VariantView(ctx.Source, v)));
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("createdAt").Resolve(ctx => ctx.Source.CreatedAt);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("updatedAt").Resolve(ctx => ctx.Source.UpdatedAt);
        Field<NonNullGraphType<IntGraphType>, int>("version").Description("The product stream's version: one more per change.").Resolve(ctx => ctx.Source.Version);
    }
}

/// <summary>
/// A product is visible through <c>node(id)</c> to members of its workspace only, drafts and archived ones included, as
/// <c>Workspace.products</c> shows them; never to apps (that field is first-party). The public storefront's ids are the
/// same ids, so an anonymous caller holding one gets null, not the members' view.
/// </summary>
public sealed class ProductNodeResolver : INodeResolver
{
    public static readonly BatchLoader<Guid, Product> ById = BatchLoader.ById<Product>(p => p.Id);

    public string TypeName => Product.TypeName;

    public IDataLoaderResult Resolve(Guid id, IResolveFieldContext context) =>
        context.Load(ById, id).Then(product => product is null
            ? ((Product?)null).AsLoaded()
            : WorkspaceLoaders.Visible(context, product.WorkspaceId, _ => product));
}

/// <summary>A variant with its product, for its price and currency.</summary>
public sealed record VariantView(Product Product, ProductVariant Variant)
{
    public Money Price => new(Variant.PriceOverride ?? Product.PriceAmount, Product.Currency);

    public bool InStock => Variant.Inventory is not { } stock || stock > 0;
}

public sealed class ProductVariantType : ObjectGraphType<VariantView>
{
    public ProductVariantType()
    {
        Name = "ProductVariant";
        Description = "One purchasable form of a product, with its stock.";
        Field<NonNullGraphType<IdGraphType>, string>("id").Resolve(ctx => ProductRules.VariantGlobalId(ctx.Source.Variant.Id));
        Field<NonNullGraphType<StringGraphType>, string>("name").Resolve(ctx => ctx.Source.Variant.Name);
        Field<StringGraphType, string?>("sku").Resolve(ctx => ctx.Source.Variant.Sku);
        Field<NonNullGraphType<MoneyType>, Money>("price").Description("The variant's own price, or the product's.").Resolve(ctx => ctx.Source.Price);
        Field<LongGraphType, long?>("priceOverride").Description("The variant's own price in minor units; null when it sells at the product's.").Resolve(ctx => ctx.Source.Variant.PriceOverride);
        Field<IntGraphType, int?>("inventory").Description("Stock on hand (PHYSICAL); null for DIGITAL products (unlimited).").Resolve(ctx => ctx.Source.Variant.Inventory);
        Field<NonNullGraphType<BooleanGraphType>, bool>("inStock").Resolve(ctx => ctx.Source.InStock);
    }
}

/// <summary>
/// <c>StorefrontProduct</c>: what anyone may see of a PUBLISHED product. Deliberately a type of its own, not
/// <c>Product</c> with fields hidden: it has no status, stock counts, digital file, workspace or members to leak.
/// </summary>
public sealed class StorefrontProductType : ObjectGraphType<Product>
{
    public StorefrontProductType()
    {
        Name = "StorefrontProduct";
        Description = "A published product as the public storefront shows it: no stock counts, no digital file, nothing about the workspace's members.";
        Field<NonNullGraphType<IdGraphType>, string>("id").Resolve(ctx => GlobalId.Encode(Product.TypeName, ctx.Source.Id));
        Field(p => p.Title);
        Field(p => p.Description);
        Field<NonNullGraphType<DeliveryKindType>, DeliveryKind>("delivery").Resolve(ctx => ctx.Source.Delivery);
        Field<NonNullGraphType<MoneyType>, Money>("price").Resolve(ctx => new Money(ctx.Source.PriceAmount, ctx.Source.Currency));
        // Both lists are priced by the most a product may hold, which the product's rules enforce, rather than the cost
        // estimate's generic guess: see StorefrontQuery.DefaultPageSize.
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StorefrontMediaType>>>, IReadOnlyList<MediaAsset>>("media")
            .Description("The product's images and videos, in order, each with a signed URL that expires (Nexus:Media:UrlLifetime).")
            .WithComplexityImpact(1, ProductRules.MaxMedia)
            .ResolveAsync(async ctx => await StorefrontMedia.LiveAsync(ctx, ctx.Source.WorkspaceId, ctx.Source.MediaIds));
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StorefrontVariantType>>>, IEnumerable<VariantView>>("variants")
            .WithComplexityImpact(1, ProductRules.MaxVariants)
            .Resolve(ctx => ctx.Source.Variants.Select(v => new VariantView(ctx.Source, v)));
    }
}

public sealed class StorefrontVariantType : ObjectGraphType<VariantView>
{
    public StorefrontVariantType()
    {
        Name = "StorefrontVariant";
        Description = "A variant as buyers see it: whether it is in stock, never how many.";
        Field<NonNullGraphType<IdGraphType>, string>("id").Resolve(ctx => ProductRules.VariantGlobalId(ctx.Source.Variant.Id));
        Field<NonNullGraphType<StringGraphType>, string>("name").Resolve(ctx => ctx.Source.Variant.Name);
        Field<StringGraphType, string?>("sku").Resolve(ctx => ctx.Source.Variant.Sku);
        Field<NonNullGraphType<MoneyType>, Money>("price").Resolve(ctx => ctx.Source.Price);
        Field<NonNullGraphType<BooleanGraphType>, bool>("inStock").Description("Whether at least one can be bought now (always for DIGITAL products).").Resolve(ctx => ctx.Source.InStock);
    }
}

public sealed class StorefrontMediaType : ObjectGraphType<MediaAsset>
{
    public StorefrontMediaType()
    {
        Name = "StorefrontMedia";
        Description = "An image or video of a published product.";
        Field<NonNullGraphType<StringGraphType>, string>("url")
            .Description("A signed URL to the file, valid for a limited time (Nexus:Media:UrlLifetime) and for this item only.")
            .Resolve(ctx => ctx.RequestServices!.GetRequiredService<MediaUrls>().For(ctx.Source.Id).AbsoluteUri);
        Field<NonNullGraphType<MediaKindType>, MediaKind>("kind").Resolve(ctx => ctx.Source.Facts.Kind);
        Field<NonNullGraphType<StringGraphType>, string>("mime").Resolve(ctx => ctx.Source.Facts.Mime);
        Field<IntGraphType, int?>("width").Resolve(ctx => ctx.Source.Facts.Width);
        Field<IntGraphType, int?>("height").Resolve(ctx => ctx.Source.Facts.Height);
    }
}

public static class StorefrontMedia
{
    /// <summary>The live items of the workspace among <paramref name="ids"/>, in their order (deleted or foreign ones left out).</summary>
    public static async Task<IReadOnlyList<MediaAsset>> LiveAsync(IResolveFieldContext context, Guid workspaceId, IReadOnlyList<Guid> ids)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        var found = (await context.RequestServices!.GetRequiredService<IQuerySession>().LoadManyAsync<MediaAsset>(context.CancellationToken, ids.Distinct().ToArray()))
            .Where(m => m.WorkspaceId == workspaceId && !m.Deleted).ToDictionary(m => m.Id);
        return [.. ids.Where(found.ContainsKey).Select(id => found[id])];
    }
}
