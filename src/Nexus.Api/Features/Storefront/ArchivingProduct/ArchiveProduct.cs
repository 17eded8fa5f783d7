using GraphQL;
using Marten;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;

namespace Nexus.Api.Features.Storefront.ArchivingProduct;

public sealed record ArchiveProduct(Guid ProductId, Guid ByUserId);

public static class ArchiveProductHandler
{
    /// <summary>Takes a product off the public storefront for good (until published again); it is kept, never deleted.</summary>
    public static async Task<Outcome<Guid, ProductNotFoundError, RoleRequiredError>> HandleAsync(ArchiveProduct command, IDocumentSession session, DateTimeOffset now, CancellationToken ct)
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

        if (product.Status != ProductStatus.Archived)
        {
            stream.AppendOne(new ProductArchived(product.Id, command.ByUserId, now));
        }

        return product.Id;
    }
}

public sealed record ArchiveProductInput([property: Id] string ProductId) : IProductInput;

public sealed class ArchiveProductMutation() : Mutation<ArchiveProductInput, ArchiveProduct, Guid>("archiveProduct",
    "Takes a product off the public storefront; it is kept and can be published again.",
    ProductAccess.Needs(Role.Editor).FirstPartyOnly(), ProductPayloads.Product, (input, caller) => new(caller.ProductId(), caller.UserId));
