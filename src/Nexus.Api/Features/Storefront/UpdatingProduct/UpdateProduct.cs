using FluentValidation;
using GraphQL;
using Marten;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;

namespace Nexus.Api.Features.Storefront.UpdatingProduct;

public sealed record UpdateProduct(Guid ProductId, Guid ByUserId, string Title, string Description, IReadOnlyList<Guid> MediaIds, long Price, string Currency,
    DeliveryKind Delivery, Guid? DigitalFileId, IReadOnlyList<VariantSpec> Variants) : IProductDetails
{
    public sealed class Validator : AbstractValidator<UpdateProduct>
    {
        public Validator() => Include(new ProductRules.DetailsValidator());
    }
}

public static class UpdateProductHandler
{
    /// <summary>Replaces the product's details and variants; variants named by id keep their stock (see <see cref="ProductRules.Variants"/>).</summary>
    public static async Task<Outcome<Guid, ProductNotFoundError, VariantNotFoundError, RoleRequiredError, ProductMediaNotFoundError>> HandleAsync(
        UpdateProduct command, IDocumentSession session, DateTimeOffset now, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Product>(command.ProductId, ct);
        if (stream.Aggregate is not { } product)
        {
            return new ProductNotFoundError();
        }

        if (await ProductChecks.RefusalAsync(session, product.WorkspaceId, command.ByUserId, ct) is { } refusal)
        {
            return refusal;
        }

        if (await ProductChecks.MissingMediaAsync(session, product.WorkspaceId, command.MediaIds, command.DigitalFileId, ct) is { } missing)
        {
            return missing;
        }

        if (ProductRules.Variants(command, product.Variants) is not { } variants)
        {
            return new VariantNotFoundError(["input", "variants"]);
        }

        stream.AppendOne(new ProductUpdated(product.Id, command.Title.Trim(), command.Description.Trim(), command.MediaIds, command.Price, command.Currency, command.Delivery,
            command.DigitalFileId, variants, command.ByUserId, now));
        return product.Id;
    }
}

public sealed record UpdateProductInput(
    [property: Id] string ProductId,
    [property: DescribedAs("1 to {0} characters once trimmed.", ProductRules.MaxTitleLength)] string Title,
    [property: DescribedAs("Plain text, at most {0} characters.", ProductRules.MaxDescriptionLength)] string? Description,
    [property: Id][property: DescribedAs("Library items of this workspace shown with the product, in order (at most {0}).", ProductRules.MaxMedia)] IReadOnlyList<string>? MediaIds,
    [property: DescribedAs("In minor units of the currency (cents), 0 to {0}.", ProductRules.MaxAmount)] long Price,
    [property: System.ComponentModel.Description("An ISO 4217 code (EUR, USD, JPY …).")] string Currency,
    DeliveryKind Delivery,
    [property: Id][property: System.ComponentModel.Description("A DIGITAL product's file: a library item of this workspace, sent to buyers after payment.")] string? DigitalFileId,
    [property: DescribedAs("1 to {0} variants; name a kept variant by its id (its stock stays), omit the id for a new one; variants left out are removed.", ProductRules.MaxVariants)]
    IReadOnlyList<ProductVariantInput> Variants) : IProductInput;

public sealed class UpdateProductMutation() : Mutation<UpdateProductInput, UpdateProduct, Guid>("updateProduct",
    "Replaces a product's details and variants (whatever its status; a published product changes on the storefront at once).",
    ProductAccess.Needs(Role.Editor).FirstPartyOnly(), ProductPayloads.Product,
    (input, caller) => new(caller.ProductId(), caller.UserId, input.Title ?? "", input.Description ?? "", ProductRules.MediaIdsOf(input.MediaIds), input.Price,
        (input.Currency ?? "").Trim().ToUpperInvariant(), input.Delivery,
        input.DigitalFileId is null ? null : ProductRules.IdOf(input.DigitalFileId, Media.MediaItemType.TypeName), ProductRules.VariantsOf(input.Variants)));
