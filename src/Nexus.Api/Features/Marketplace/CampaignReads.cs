using GraphQL;
using GraphQL.Types;
using GraphQL.Types.Relay;
using GraphQL.Types.Relay.DataObjects;
using Marten;
using Nexus.Api.Features.Accounts;
using Nexus.Api.Features.Storefront.Listing;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Platforms;

namespace Nexus.Api.Features.Marketplace;

public static class CampaignReads
{
    public const int MaxSearchLength = 100;

    /// <summary>The campaign if the caller may see it: a member of its workspace, or (open or closed, and public or invited) anyone signed in.</summary>
    public static async Task<Campaign?> VisibleAsync(Guid id, IResolveFieldContext context)
    {
        var session = context.RequestServices!.GetRequiredService<IQuerySession>();
        if (context.UserId() is not { } user || await session.LoadAsync<Campaign>(id, context.CancellationToken) is not { } campaign)
        {
            return null;
        }

        if (campaign.Status is CampaignStatus.Open or CampaignStatus.Closed && campaign.Sees(user))
        {
            return campaign;
        }

        return await session.LoadAsync<Workspace>(campaign.WorkspaceId, context.CancellationToken) is { } workspace && workspace.RoleOf(user) is not null ? campaign : null;
    }

    /// <summary>The application if the caller is one of its parties; null otherwise, as if it did not exist.</summary>
    public static async Task<CampaignApplication?> PartyViewAsync(Guid id, IResolveFieldContext context)
    {
        var session = context.RequestServices!.GetRequiredService<IQuerySession>();
        return context.UserId() is { } user && await session.LoadAsync<CampaignApplication>(id, context.CancellationToken) is { } application &&
            await Parties.SeesAsync(session, application, user, context.CancellationToken)
            ? application
            : null;
    }

    public static async Task<Qualification?> QualificationAsync(Campaign campaign, IServiceProvider services, Guid? userId, CancellationToken ct)
    {
        var session = services.GetRequiredService<IQuerySession>();
        if (userId is not { } user || await session.Query<CreatorProfile>().FirstOrDefaultAsync(p => p.UserId == user, ct) is not { } profile)
        {
            return null;
        }

        var audience = await services.GetRequiredService<CreatorAudience>().OfAsync(session, profile.WorkspaceId, ct);
        var unmet = CreatorAudience.Unmet(campaign.Requirements, audience, profile);
        return new Qualification(unmet.Count == 0, unmet);
    }

    public static Task<Connection<CampaignApplication>> ApplicationsAsync(Guid campaignId, IResolveFieldContext context) =>
        NewestFirst.PageAsync(context.RequestServices!.GetRequiredService<IQuerySession>().Query<CampaignApplication>().Where(a => a.CampaignId == campaignId),
            "applications", context, a => a.CreatedAt, a => a.Id);
}

/// <summary>
/// <c>campaigns(search, platform)</c>: the open campaigns a creator can apply to, newest first: public ones and the
/// invite-only ones they were invited to. Each tells the caller whether they qualify (<c>qualification</c>).
/// </summary>
[QueryType]
public sealed class CampaignsQuery : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.Field<NonNullGraphType<ConnectionType<CampaignType, EdgeType<CampaignType>>>, object>("campaigns")
            .Description("Open campaigns you can apply to, newest first: public ones and invite-only ones you were invited to. `search` matches the title and brief (case-insensitive).")
            .Argument<StringGraphType>("search", $"Words to find in the title or brief (at most {CampaignReads.MaxSearchLength} characters).")
            .Argument<PlatformIdType>("platform", "Only campaigns with deliverables on this platform.")
            .Paged()
            .FirstPartyOnly()
            .ResolveAsync(async ctx =>
            {
                var user = ctx.UserId() ?? throw new ForbiddenError("Sign in to browse campaigns.");
                var query = ctx.RequestServices!.GetRequiredService<IQuerySession>().Query<Campaign>()
                    .Where(c => c.Status == CampaignStatus.Open && (c.Visibility == CampaignVisibility.Public || c.Invited.Contains(user)));
                if (ctx.GetArgument<string?>("search") is { } search && !string.IsNullOrWhiteSpace(search))
                {
                    if (search.Length > CampaignReads.MaxSearchLength)
                    {
                        throw new BadRequestError($"`search` is at most {CampaignReads.MaxSearchLength} characters.");
                    }

                    var term = search.Trim().ToLowerInvariant();
                    query = query.Where(c => c.SearchText.Contains(term));
                }

                if (ctx.GetArgument<PlatformId?>("platform") is { } platform)
                {
                    query = query.Where(c => c.Platforms.Contains(platform));
                }

                return await NewestFirst.PageAsync(query, "campaigns", ctx, c => c.CreatedAt, c => c.Id);
            });
}

/// <summary><c>Workspace.campaigns</c>: the brand's own campaigns, drafts included, newest first.</summary>
public sealed class WorkspaceCampaignsField : ITypeExtension<WorkspaceType>
{
    public void Extend(WorkspaceType type) =>
        type.Field<NonNullGraphType<ConnectionType<CampaignType, EdgeType<CampaignType>>>, object>("campaigns")
            .Description("The workspace's marketplace campaigns, drafts included, newest first.")
            .Paged()
            .RequireWorkspaceRole(Role.Viewer, ctx => ((Workspace)ctx.Source!).Id)
            .FirstPartyOnly()
            .ResolveAsync(async ctx => await NewestFirst.PageAsync(
                ctx.RequestServices!.GetRequiredService<IQuerySession>().Query<Campaign>().Where(c => c.WorkspaceId == ((Workspace)ctx.Source!).Id),
                "workspaceCampaigns", ctx, c => c.CreatedAt, c => c.Id));
}

/// <summary><c>me.creatorProfile</c> and <c>me.applications</c>: the person's own marketplace side.</summary>
public sealed class UserMarketplaceFields : ITypeExtension<UserType>
{
    public void Extend(UserType type)
    {
        type.Field<CreatorProfileType, CreatorProfile>("creatorProfile")
            .Description("Your creator profile; null until you publish one (updateCreatorProfile). Only for the person themselves.")
            .FirstPartyOnly()
            .ResolveAsync(async ctx => ctx.UserId() == ctx.Source.Id
                ? await ctx.RequestServices!.GetRequiredService<IQuerySession>().Query<CreatorProfile>().FirstOrDefaultAsync(p => p.UserId == ctx.Source.Id, ctx.CancellationToken)
                : throw new ForbiddenError("Only the person can see their own creator profile here; others find it through their applications."));
        type.Field<NonNullGraphType<ConnectionType<ApplicationType, EdgeType<ApplicationType>>>, object>("applications")
            .Description("Your applications to campaigns (and their contracts), newest first. Only for the person themselves.")
            .Paged()
            .FirstPartyOnly()
            .ResolveAsync(async ctx => ctx.UserId() == ctx.Source.Id
                ? await NewestFirst.PageAsync(ctx.RequestServices!.GetRequiredService<IQuerySession>().Query<CampaignApplication>().Where(a => a.CreatorUserId == ctx.Source.Id),
                    "myApplications", ctx, a => a.CreatedAt, a => a.Id)
                : throw new ForbiddenError("Only the person can see their own applications."));
    }
}
