using System.Collections.Frozen;
using FluentValidation;
using GraphQL;
using Nexus.Api.Features.Media;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Relay;

namespace Nexus.Api.Features.Storefront;

/// <summary>
/// A variant as a create or update command gives it: <paramref name="Id"/> names one of the product's variants to keep
/// (and its stock), null makes a new one. <paramref name="Inventory"/> is a new PHYSICAL variant's opening stock; a kept
/// variant's stock changes only through <c>adjustInventory</c>.
/// </summary>
public sealed record VariantSpec(Guid? Id, string Name, string? Sku, long? PriceOverride, int? Inventory);

/// <summary>What <c>createProduct</c> and <c>updateProduct</c> both set; their commands share its rules.</summary>
public interface IProductDetails
{
    string Title { get; }

    string Description { get; }

    IReadOnlyList<Guid> MediaIds { get; }

    long Price { get; }

    string Currency { get; }

    DeliveryKind Delivery { get; }

    Guid? DigitalFileId { get; }

    IReadOnlyList<VariantSpec> Variants { get; }
}

/// <summary>The limits on every product input, and the rules the create and update commands share.</summary>
public static class ProductRules
{
    public const int MaxTitleLength = 200;
    public const int MaxDescriptionLength = 5000;
    public const int MaxMedia = 20;
    public const int MaxVariants = 50;
    public const int MaxVariantNameLength = 100;
    public const int MaxSkuLength = 64;

    /// <summary>The largest amount in minor units (999,999.99 in a two-decimal currency): Stripe's own limit for a price.</summary>
    public const long MaxAmount = 99_999_999;

    public const int MaxInventory = 1_000_000;

    /// <summary>The most a variant's stock may reach through adjustments.</summary>
    public const int MaxStock = 100_000_000;

    /// <summary>The variant id as the API shows it: a global id of its own type.</summary>
    public const string VariantTypeName = "ProductVariant";

    public static string VariantGlobalId(Guid id) => GlobalId.Encode(VariantTypeName, id);

    /// <summary>An id of the input (a media item, a variant) as a <see cref="Guid"/>; an invalid one is the empty id, which names nothing.</summary>
    public static Guid IdOf(string? id, string typeName) => GlobalId.TryParse(id, typeName, out var parsed) ? parsed : Guid.Empty;

    public static IReadOnlyList<Guid> MediaIdsOf(IReadOnlyList<string>? ids) => [.. (ids ?? []).Select(id => IdOf(id, MediaItemType.TypeName))];

    public static IReadOnlyList<VariantSpec> VariantsOf(IReadOnlyList<ProductVariantInput>? variants) =>
        [.. (variants ?? []).Select(v => new VariantSpec(v.VariantId is null ? null : IdOf(v.VariantId, VariantTypeName), v.Name ?? "", v.Sku, v.PriceOverride, v.Inventory))];

    /// <summary>
    /// The product's variants after a create or update: kept ones keep their id and stock, new ones get a version 7 id
    /// and their opening stock (none for DIGITAL products). Null when a spec names a variant the product does not have.
    /// </summary>
    public static IReadOnlyList<ProductVariant>? Variants(IProductDetails details, IReadOnlyList<ProductVariant> existing)
    {
        var result = new List<ProductVariant>(details.Variants.Count);
        foreach (var spec in details.Variants)
        {
            var kept = spec.Id is { } id ? existing.FirstOrDefault(v => v.Id == id) : null;
            if (spec.Id is not null && kept is null)
            {
                return null;
            }

            int? stock = details.Delivery == DeliveryKind.Digital ? null : kept?.Inventory ?? spec.Inventory ?? 0;
            result.Add(new ProductVariant(kept?.Id ?? Guid.CreateVersion7(), spec.Name.Trim(), string.IsNullOrWhiteSpace(spec.Sku) ? null : spec.Sku.Trim(), spec.PriceOverride, stock));
        }

        return result;
    }

    /// <summary>The rules of <see cref="IProductDetails"/>, included by each command's validator.</summary>
    public sealed class DetailsValidator : AbstractValidator<IProductDetails>
    {
        public DetailsValidator()
        {
            RuleFor(c => c.Title)
                .Must(t => !string.IsNullOrWhiteSpace(t)).WithMessage("Enter a title.")
                .Must(t => (t ?? "").Trim().Length <= MaxTitleLength).WithMessage($"A title has at most {MaxTitleLength} characters.")
                .Must(t => !(t ?? "").Any(char.IsControl)).WithMessage("A title cannot contain control characters.");
            RuleFor(c => c.Description)
                .Must(d => (d ?? "").Length <= MaxDescriptionLength).WithMessage($"A description has at most {MaxDescriptionLength} characters.");
            RuleFor(c => c.MediaIds)
                .Must(m => m.Count <= MaxMedia).WithMessage($"A product has at most {MaxMedia} media items.")
                .Must(m => m.Distinct().Count() == m.Count).WithMessage("Each media item is named once.");
            RuleFor(c => c.Price).InclusiveBetween(0, MaxAmount).WithMessage($"A price is 0 to {MaxAmount} in minor units (cents).");
            RuleFor(c => c.Currency)
                .Must(Currencies.IsKnown).WithMessage("Use an ISO 4217 currency code, like EUR or USD.");
            RuleFor(c => c.DigitalFileId).NotNull().When(c => c.Delivery == DeliveryKind.Digital).WithMessage("A digital product needs its file (a library item).");
            RuleFor(c => c.DigitalFileId).Null().When(c => c.Delivery == DeliveryKind.Physical).WithMessage("Only a digital product has a file.");
            RuleFor(c => c.Variants)
                .Must(v => v.Count is >= 1 and <= MaxVariants).WithMessage($"A product has 1 to {MaxVariants} variants.")
                .Must(v => v.Where(x => !string.IsNullOrWhiteSpace(x.Sku)).Select(x => x.Sku!.Trim()).GroupBy(s => s, StringComparer.OrdinalIgnoreCase).All(g => g.Count() == 1))
                .WithMessage("Each SKU appears once in a product.")
                .Must(v => v.Where(x => x.Id is not null).GroupBy(x => x.Id).All(g => g.Count() == 1)).WithMessage("Each variant is named once.");
            RuleForEach(c => c.Variants).ChildRules(variant =>
            {
                variant.RuleFor(v => v.Name)
                    .Must(n => !string.IsNullOrWhiteSpace(n)).WithMessage("Enter a variant name.")
                    .Must(n => (n ?? "").Trim().Length <= MaxVariantNameLength).WithMessage($"A variant name has at most {MaxVariantNameLength} characters.")
                    .Must(n => !(n ?? "").Any(char.IsControl)).WithMessage("A variant name cannot contain control characters.");
                variant.RuleFor(v => v.Sku)
                    .Must(s => s is null || (s.Trim().Length <= MaxSkuLength && s.Trim().All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
                    .WithMessage($"A SKU has at most {MaxSkuLength} characters: letters, digits, '-', '_' and '.'.");
                variant.RuleFor(v => v.PriceOverride).InclusiveBetween(0, MaxAmount).When(v => v.PriceOverride is not null)
                    .WithMessage($"A price is 0 to {MaxAmount} in minor units (cents).");
                variant.RuleFor(v => v.Inventory).InclusiveBetween(0, MaxInventory).When(v => v.Inventory is not null)
                    .WithMessage($"Opening stock is 0 to {MaxInventory}.");
            });
            RuleForEach(c => c.Variants).Must(v => v.Inventory is null).When(c => c.Delivery == DeliveryKind.Digital)
                .WithMessage("A digital product's variants have no stock.");
        }
    }
}

/// <summary>A variant in <c>createProduct</c> or <c>updateProduct</c>.</summary>
public sealed record ProductVariantInput(
    [property: Id][property: System.ComponentModel.Description("A variant of the product to keep, with its stock (updateProduct); omit for a new one.")] string? VariantId,
    [property: DescribedAs("1 to {0} characters (\"Small\", \"Blue / XL\").", ProductRules.MaxVariantNameLength)] string Name,
    [property: DescribedAs("Optional; at most {0} characters: letters, digits, '-', '_' and '.'; unique within the product.", ProductRules.MaxSkuLength)] string? Sku,
    [property: System.ComponentModel.Description("Replaces the product's price for this variant, in minor units of the product's currency.")] long? PriceOverride,
    [property: DescribedAs("A new PHYSICAL variant's opening stock, 0 to {0} (default 0); ignored for kept variants, whose stock changes through adjustInventory.", ProductRules.MaxInventory)] int? Inventory);

/// <summary>ISO 4217 currency codes Nexus prices in: the active codes Stripe charges in.</summary>
public static class Currencies
{
    private static readonly FrozenSet<string> Known = new[]
    {
        "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BWP",
        "BYN", "BZD", "CAD", "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ETB", "EUR", "FJD", "FKP", "GBP",
        "GEL", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "ISK", "JMD", "JPY", "KES", "KGS", "KHR", "KMF", "KRW",
        "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MUR", "MVR", "MWK", "MXN", "MYR", "MZN", "NAD",
        "NGN", "NIO", "NOK", "NPR", "NZD", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SEK",
        "SGD", "SHP", "SLE", "SOS", "SRD", "STD", "SZL", "THB", "TJS", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS", "VND", "VUV",
        "WST", "XAF", "XCD", "XOF", "XPF", "YER", "ZAR", "ZMW",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>A three-letter code of the list, upper case (the commands upper-case what clients send).</summary>
    public static bool IsKnown(string? code) => code is not null && Known.Contains(code);
}
