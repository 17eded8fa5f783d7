using GraphQL;
using GraphQL.Types;
using Marten;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Limits;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Infrastructure;

namespace Nexus.Api.Features.Storefront.PublicStorefront;

/// <summary>
/// <c>storefrontOrder(orderId, token)</c>: the buyer's receipt, with no account: the token <c>checkoutProducts</c> gave
/// (and Checkout's return page carries) opens its one order. A wrong token and an unknown order both answer null, so
/// the field tells nobody which orders exist.
/// </summary>
[QueryType]
public sealed class StorefrontOrderQuery : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.Field<StorefrontOrderType, Order>("storefrontOrder")
            .Description("An order as its buyer sees it: status, amounts, shipping news and, for a paid order's DIGITAL lines, fresh download links. Public (no sign-in): the order's token opens it; rate limited per address.")
            .Argument<NonNullGraphType<IdGraphType>>("orderId", "The order's id, from `checkoutProducts`.")
            .Argument<NonNullGraphType<StringGraphType>>("token", "The order's token, from `checkoutProducts` (also in Checkout's return URL).")
            .Public()
            .AnyAppScope()
            .RateLimited(NexusRateLimiter.Storefront)
            .ResolveAsync(async ctx =>
            {
                if (!GlobalId.TryParse(ctx.GetArgument<string>("orderId"), Order.TypeName, out var id) ||
                    !ctx.RequestServices!.GetRequiredService<OrderLinks>().Opens(id, ctx.GetArgument<string>("token")))
                {
                    return null;
                }

                return await ctx.RequestServices!.GetRequiredService<IQuerySession>().LoadAsync<Order>(id, ctx.CancellationToken);
            });
}
