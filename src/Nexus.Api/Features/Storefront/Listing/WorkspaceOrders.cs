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
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.GraphQL.Relay;

namespace Nexus.Api.Features.Storefront.Listing;

/// <summary><c>Workspace.orders</c>: the storefront's orders as its members see them, every state included.</summary>
public sealed class WorkspaceOrdersField : ITypeExtension<WorkspaceType>
{
    public void Extend(WorkspaceType type) =>
        type.Field<NonNullGraphType<ConnectionType<OrderType, EdgeType<OrderType>>>, object>("orders")
            .Description("The storefront's orders, newest first (by when checkout started); with `status` or `productId`, only those.")
            .Paged()
            .Argument<OrderStatusType>("status", "Only orders in this state.")
            .Argument<IdGraphType>("productId", "Only orders of this product.")
            .RequireWorkspaceRole(Role.Viewer, ctx => ((Workspace)ctx.Source!).Id)
            .FirstPartyOnly()
            .ResolveAsync(async ctx => await OrderListing.PageAsync(((Workspace)ctx.Source!).Id, ctx.GetArgument<OrderStatus?>("status"),
                OrderListing.ProductFilter(ctx.GetArgument<string?>("productId")), "orders", ctx));
}

public static class OrderListing
{
    /// <summary>A <c>productId</c> argument as a product's id; a malformed one is the caller's mistake (<c>BAD_REQUEST</c>).</summary>
    public static Guid? ProductFilter(string? productId) =>
        productId is null ? null
        : GlobalId.TryParse(productId, Product.TypeName, out var id) ? id
        : throw new BadRequestError("`productId` is not a product id.");

    /// <summary>
    /// A workspace's orders, newest first by (creation time, id), the ids being version 7; the cursor holds the last
    /// order's time and id and the next page starts strictly after them. Read through <see cref="OrderMarten"/>'s listing
    /// indexes (by status when filtered by it), whose expressions these are; a product filter is applied while walking
    /// them, as a workspace's orders of one product are read with the rest.
    /// </summary>
    public static async Task<Connection<Order>> PageAsync(Guid workspaceId, OrderStatus? status, Guid? productId, string list, IResolveFieldContext context)
    {
        var page = context.GetPageRequest();
        var query = Filtered(context.RequestServices!.GetRequiredService<IQuerySession>(), workspaceId, status, productId);
        var total = page.CountTotal ? await query.CountAsync(context.CancellationToken) : (int?)null;
        (long, Guid)? after = page.After(list, 2) is [var keyPart, var idPart]
            ? (PageRequest.LongPart(keyPart, 0, DateTimeOffset.MaxValue.UtcTicks), PageRequest.GuidPart(idPart))
            : null;
        var rows = await Page(query, after, page.First + 1).ToListAsync(context.CancellationToken);
        return Paging.ToConnection(rows, page, o => Paging.Key(list, o.CreatedAt.UtcTicks.ToString(CultureInfo.InvariantCulture), o.Id.ToString("N")), total);
    }

    public static IQueryable<Order> Filtered(IQuerySession session, Guid workspaceId, OrderStatus? status, Guid? productId)
    {
        var query = session.Query<Order>().Where(o => o.WorkspaceId == workspaceId);
        if (status is { } only)
        {
            query = query.Where(o => o.Status == only);
        }

        return productId is { } product ? query.Where(o => o.ProductId == product) : query;
    }

    /// <summary>Up to <paramref name="take"/> orders after the cursor's (creation ticks, id), newest first.</summary>
    public static IQueryable<Order> Page(IQueryable<Order> query, (long Ticks, Guid Id)? after, int take)
    {
        if (after is var (ticks, id))
        {
            var instant = new DateTimeOffset(ticks, TimeSpan.Zero).ToString("O", CultureInfo.InvariantCulture);
            // Both sides as PostgreSQL reads the stored JSON timestamp (to the microsecond), so an order's own cursor equals it.
            query = query.Where(o => o.MatchesSql($"({CreatedAt}, d.id) < (CAST(? AS timestamptz), ?)", instant, id));
        }

        return query.OrderBySql($"{CreatedAt} desc, d.id desc").Take(take);
    }

    private const string CreatedAt = "nexus.mt_immutable_timestamptz(d.data ->> 'CreatedAt')";
}
