using GraphQL;
using GraphQL.Types;
using GraphQL.Types.Relay;
using GraphQL.Types.Relay.DataObjects;
using Marten;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Relay;

namespace Nexus.Api.Features.Storefront.Listing;

/// <summary><c>Workspace.products</c>: the catalogue as members see it, drafts and archived products included.</summary>
public sealed class WorkspaceProductsField : ITypeExtension<WorkspaceType>
{
    public void Extend(WorkspaceType type) =>
        type.Field<NonNullGraphType<ConnectionType<ProductType, EdgeType<ProductType>>>, object>("products")
            .Description("The storefront catalogue, newest first; with `status`, only products in it.")
            .Paged()
            .Argument<ProductStatusType>("status", "Only products with this status.")
            .RequireWorkspaceRole(Role.Viewer, ctx => ((Workspace)ctx.Source!).Id)
            .FirstPartyOnly()
            .ResolveAsync(async ctx => await ProductListing.PageAsync(((Workspace)ctx.Source!).Id, ctx.GetArgument<ProductStatus?>("status"), "products", ctx));
}

public static class ProductListing
{
    /// <summary>
    /// A workspace's products, newest first by (creation time, id), the ids being version 7; the cursor holds the last
    /// product's time and id and the next page starts strictly after them. Read through <see cref="StorefrontMarten"/>'s
    /// listing indexes, whose expressions these are.
    /// </summary>
    public static Task<Connection<Product>> PageAsync(Guid workspaceId, ProductStatus? status, string list, IResolveFieldContext context)
    {
        var query = context.RequestServices!.GetRequiredService<IQuerySession>().Query<Product>().Where(p => p.WorkspaceId == workspaceId);
        if (status is { } only)
        {
            query = query.Where(p => p.Status == only);
        }

        return NewestFirst.PageAsync(query, list, context, p => p.CreatedAt, p => p.Id);
    }
}
