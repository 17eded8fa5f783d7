using GraphQL;
using GraphQL.Types;
using GraphQL.Types.Relay;
using Nexus.Api.Features.Storefront.Listing;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Limits;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Infrastructure;

namespace Nexus.Api.Features.Storefront.PublicStorefront;

/// <summary>
/// <c>storefront(workspaceId)</c>: a workspace's published products, for anyone, signed in or not. An unknown
/// workspace answers an empty storefront, as one with nothing published does, so the field tells nobody which ids exist.
/// </summary>
[QueryType]
public sealed class StorefrontQuery : IRootFields
{
    /// <summary>
    /// The storefront's page when <c>first</c> is not given: 10, not the usual 20, so that the full documented selection
    /// (every <c>StorefrontProduct</c> field, variants and media included) fits the cost limit even for products at their
    /// limits. <see cref="StorefrontProductType"/> prices <c>variants</c> and <c>media</c> by those limits
    /// (<see cref="ProductRules.MaxVariants"/>, <see cref="ProductRules.MaxMedia"/>), not by a guess: that makes the
    /// estimate a ceiling this anonymous field cannot exceed, about 460 per product, so 10 products cost ~4,600 of the
    /// default 5,000 and 20 would cost ~9,200. Raising the limit instead would raise it for every query; counting
    /// the lists as shorter than they may be would let a page do more than its price says. A client that wants bigger
    /// pages asks for them with fewer fields (without variants, 20 cost ~2,200).
    /// </summary>
    public const int DefaultPageSize = 10;

    public void AddTo(ObjectGraphType root) =>
        root.Field<NonNullGraphType<ConnectionType<StorefrontProductType, EdgeType<StorefrontProductType>>>>("storefront")
            .Description("A workspace's public storefront: its PUBLISHED products only, newest first. Public (no sign-in); rate limited per address.")
            .Argument<NonNullGraphType<IdGraphType>>("workspaceId", "The workspace whose storefront to show.")
            .Paged(DefaultPageSize)
            .Public()
            .AnyAppScope()
            .RateLimited(NexusRateLimiter.Storefront)
            .ResolveAsync(async ctx =>
            {
                var workspaceId = GlobalId.TryParse(ctx.GetArgument<string>("workspaceId"), WorkspaceType.TypeName, out var id)
                    ? id
                    : throw new Nexus.Api.GraphQL.Errors.BadRequestError("The workspace id is not valid.");
                return await ProductListing.PageAsync(workspaceId, ProductStatus.Published, "storefront", ctx);
            });
}
