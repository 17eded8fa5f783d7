using GraphQL;
using Marten;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;

namespace Nexus.Api.Features.Storefront.PublishingProduct;

public sealed record PublishProduct(Guid ProductId, Guid ByUserId);

public static class PublishProductHandler
{
    /// <summary>
    /// Puts a draft or archived product on the public storefront; publishing a published one changes nothing. Its
    /// media are checked again: an item deleted since the product was saved would show a broken gallery.
    /// </summary>
    public static async Task<Outcome<Guid, ProductNotFoundError, RoleRequiredError, ProductMediaNotFoundError>> HandleAsync(
        PublishProduct command, IDocumentSession session, DateTimeOffset now, CancellationToken ct)
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

        if (product.Status == ProductStatus.Published)
        {
            return product.Id;
        }

        if (await ProductChecks.MissingMediaAsync(session, product.WorkspaceId, product.MediaIds, product.DigitalFileId, ct) is { } missing)
        {
            return missing;
        }

        stream.AppendOne(new ProductPublished(product.Id, command.ByUserId, now));
        return product.Id;
    }
}

public sealed record PublishProductInput([property: Id] string ProductId) : IProductInput;

public sealed class PublishProductMutation() : Mutation<PublishProductInput, PublishProduct, Guid>("publishProduct",
    "Puts a draft or archived product on the workspace's public storefront.",
    ProductAccess.Needs(Role.Editor).FirstPartyOnly(), ProductPayloads.Product, (input, caller) => new(caller.ProductId(), caller.UserId));
