using FluentValidation;
using GraphQL;
using Marten;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;

namespace Nexus.Api.Features.Storefront.CreatingProduct;

public sealed record CreateProduct(Guid WorkspaceId, Guid ByUserId, string Title, string Description, IReadOnlyList<Guid> MediaIds, long Price, string Currency,
    DeliveryKind Delivery, Guid? DigitalFileId, IReadOnlyList<VariantSpec> Variants) : IProductDetails
{
    public sealed class Validator : AbstractValidator<CreateProduct>
    {
        public Validator() => Include(new ProductRules.DetailsValidator());
    }
}

public static class CreateProductHandler
{
    public static async Task<Outcome<Guid, RoleRequiredError, ProductMediaNotFoundError>> HandleAsync(CreateProduct command, IDocumentSession session, DateTimeOffset now, CancellationToken ct)
    {
        if (await ProductChecks.RefusalAsync(session, command.WorkspaceId, command.ByUserId, ct) is { } refusal)
        {
            return refusal;
        }

        if (await ProductChecks.MissingMediaAsync(session, command.WorkspaceId, command.MediaIds, command.DigitalFileId, ct) is { } missing)
        {
            return missing;
        }

        var id = Guid.CreateVersion7();
        session.Events.StartStream<Product>(id, new ProductCreated(id, command.WorkspaceId, command.Title.Trim(), command.Description.Trim(), command.MediaIds, command.Price,
            command.Currency, command.Delivery, command.DigitalFileId, ProductRules.Variants(command, [])!, command.ByUserId, now));
        return id;
    }
}

public sealed record CreateProductInput(
    [property: Id] string WorkspaceId,
    [property: DescribedAs("1 to {0} characters once trimmed.", ProductRules.MaxTitleLength)] string Title,
    [property: DescribedAs("Plain text, at most {0} characters.", ProductRules.MaxDescriptionLength)] string? Description,
    [property: Id][property: DescribedAs("Library items of this workspace shown with the product, in order (at most {0}).", ProductRules.MaxMedia)] IReadOnlyList<string>? MediaIds,
    [property: DescribedAs("In minor units of the currency (cents), 0 to {0}.", ProductRules.MaxAmount)] long Price,
    [property: System.ComponentModel.Description("An ISO 4217 code (EUR, USD, JPY …).")] string Currency,
    DeliveryKind Delivery,
    [property: Id][property: System.ComponentModel.Description("A DIGITAL product's file: a library item of this workspace, sent to buyers after payment.")] string? DigitalFileId,
    [property: DescribedAs("1 to {0} variants.", ProductRules.MaxVariants)] IReadOnlyList<ProductVariantInput> Variants) : IWorkspaceInput;

public sealed class CreateProductMutation() : Mutation<CreateProductInput, CreateProduct, Guid>("createProduct", "Creates a draft product in the workspace's storefront catalogue.",
    WorkspaceAccess.Needs(Role.Editor).FirstPartyOnly(), ProductPayloads.Product,
    (input, caller) => new(caller.WorkspaceId(), caller.UserId, input.Title ?? "", input.Description ?? "", ProductRules.MediaIdsOf(input.MediaIds), input.Price,
        (input.Currency ?? "").Trim().ToUpperInvariant(), input.Delivery,
        input.DigitalFileId is null ? null : ProductRules.IdOf(input.DigitalFileId, Media.MediaItemType.TypeName), ProductRules.VariantsOf(input.Variants)));
