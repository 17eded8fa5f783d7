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
    public void AddTo(ObjectGraphType root) =>
        root.Field<NonNullGraphType<ConnectionType<StorefrontProductType, EdgeType<StorefrontProductType>>>>("storefront")
            .Description("A workspace's public storefront: its PUBLISHED products only, newest first. Public (no sign-in); rate limited per address.")
            .Argument<NonNullGraphType<IdGraphType>>("workspaceId", "The workspace whose storefront to show.")
            .Paged()
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
