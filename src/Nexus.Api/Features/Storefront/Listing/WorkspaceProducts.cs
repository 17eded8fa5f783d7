using System.Globalization;
using GraphQL;
using GraphQL.Types;
using GraphQL.Types.Relay;
using GraphQL.Types.Relay.DataObjects;
using Marten;
using Marten.Linq.MatchesSql;
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
    public static async Task<Connection<Product>> PageAsync(Guid workspaceId, ProductStatus? status, string list, IResolveFieldContext context)
    {
        var page = context.GetPageRequest();
        var query = context.RequestServices!.GetRequiredService<IQuerySession>().Query<Product>().Where(p => p.WorkspaceId == workspaceId);
        if (status is { } only)
        {
            query = query.Where(p => p.Status == only);
        }

        var total = page.CountTotal ? await query.CountAsync(context.CancellationToken) : (int?)null;
        if (page.After(list, 2) is [var keyPart, var idPart])
        {
            var key = PageRequest.LongPart(keyPart, 0, DateTimeOffset.MaxValue.UtcTicks);
            var instant = new DateTimeOffset(key, TimeSpan.Zero).ToString("O", CultureInfo.InvariantCulture);
            // Both sides as PostgreSQL reads the stored JSON timestamp (to the microsecond), so a product's own cursor equals it.
            query = query.Where(p => p.MatchesSql($"({CreatedAt}, d.id) < (CAST(? AS timestamptz), ?)", instant, PageRequest.GuidPart(idPart)));
        }

        var rows = await query.OrderBySql($"{CreatedAt} desc, d.id desc").Take(page.First + 1).ToListAsync(context.CancellationToken);
        return Paging.ToConnection(rows, page, p => Paging.Key(list, p.CreatedAt.UtcTicks.ToString(CultureInfo.InvariantCulture), p.Id.ToString("N")), total);
    }

    private const string CreatedAt = "nexus.mt_immutable_timestamptz(d.data ->> 'CreatedAt')";
}
