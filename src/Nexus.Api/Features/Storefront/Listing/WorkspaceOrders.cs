using GraphQL;
using GraphQL.Types;
using GraphQL.Types.Relay;
using GraphQL.Types.Relay.DataObjects;
using Marten;
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
            .Argument<IdGraphType>("productId", "Only orders with a line of this product.")
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
    public static Task<Connection<Order>> PageAsync(Guid workspaceId, OrderStatus? status, Guid? productId, string list, IResolveFieldContext context) =>
        NewestFirst.PageAsync(Filtered(context.RequestServices!.GetRequiredService<IQuerySession>(), workspaceId, status, productId), list, context, o => o.CreatedAt, o => o.Id);

    public static IQueryable<Order> Filtered(IQuerySession session, Guid workspaceId, OrderStatus? status, Guid? productId)
    {
        var query = session.Query<Order>().Where(o => o.WorkspaceId == workspaceId);
        if (status is { } only)
        {
            query = query.Where(o => o.Status == only);
        }

        // The first line's product is the document's ProductId; an order stored before lines existed has only that one.
        return productId is { } product ? query.Where(o => o.ProductId == product || o.Lines.Any(l => l.ProductId == product)) : query;
    }

    /// <summary>Up to <paramref name="take"/> orders after the cursor's (creation ticks, id), newest first.</summary>
    public static IQueryable<Order> Page(IQueryable<Order> query, (long Ticks, Guid Id)? after, int take) => NewestFirst.Page(query, after, take);
}
