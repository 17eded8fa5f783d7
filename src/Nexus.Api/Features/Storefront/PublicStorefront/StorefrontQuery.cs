using GraphQL;
using GraphQL.Types;
using GraphQL.Types.Relay;
using Nexus.Api.Features.Storefront.Listing;
using Marten;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Limits;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Infrastructure;

namespace Nexus.Api.Features.Storefront.PublicStorefront;

/// <summary>
/// <c>storefront(handle)</c>: a workspace's storefront as anyone sees it, signed in or not: its handle, the workspace's
/// name and its PUBLISHED products. An unknown handle (or one that could not be a handle) answers null, as a handle
/// given up does: the field tells nobody more than that no storefront has that name now.
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
        root.Field<PublicStorefrontType, StorefrontView>("storefront")
            .Description("A storefront by its handle (`Workspace.storefrontHandle`, case-insensitive); null when no storefront has it. Public (no sign-in); rate limited per address.")
            .Argument<NonNullGraphType<StringGraphType>>("handle", "The storefront's handle.")
            .Public()
            .AnyAppScope()
            .RateLimited(NexusRateLimiter.Storefront)
            .ResolveAsync(async ctx => await StorefrontView.FindAsync(ctx.RequestServices!.GetRequiredService<IQuerySession>(), ctx.GetArgument<string>("handle"), ctx.CancellationToken));
}

/// <summary>A storefront found by its handle: the handle as stored and the workspace behind it.</summary>
public sealed record StorefrontView(string Handle, Workspace Workspace)
{
    public static async Task<StorefrontView?> FindAsync(IQuerySession session, string? handle, CancellationToken ct)
    {
        var normalized = StorefrontHandles.Normalize(handle);
        if (!StorefrontHandles.IsValid(normalized))
        {
            return null;
        }

        var profile = await session.Query<StorefrontProfile>().Where(p => p.Handle == normalized).ToListAsync(ct) is [var found, ..] ? found : null;
        return profile is not null && await session.LoadAsync<Workspace>(profile.WorkspaceId, ct) is { } workspace ? new StorefrontView(profile.Handle, workspace) : null;
    }
}

/// <summary><c>Storefront</c>: what the public sees of a workspace: its name and published products, nothing about its members.</summary>
public sealed class PublicStorefrontType : ObjectGraphType<StorefrontView>
{
    public PublicStorefrontType()
    {
        Name = "Storefront";
        Description = "A workspace's public storefront.";
        Field<NonNullGraphType<StringGraphType>, string>("handle").Description("Its handle, lower case.").Resolve(ctx => ctx.Source.Handle);
        Field<NonNullGraphType<StringGraphType>, string>("name").Description("The workspace's name.").Resolve(ctx => ctx.Source.Workspace.Name);
        Field<NonNullGraphType<ConnectionType<StorefrontProductType, EdgeType<StorefrontProductType>>>, object>("products")
            .Description($"Its PUBLISHED products only, newest first; `first` defaults to {StorefrontQuery.DefaultPageSize} here.")
            .Paged(StorefrontQuery.DefaultPageSize)
            .ResolveAsync(async ctx => await ProductListing.PageAsync(ctx.Source.Workspace.Id, ProductStatus.Published, "storefront", ctx));
    }
}
