using JasperFx.Events;
using Marten;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Infrastructure.Email;

namespace Nexus.Api.Features.Marketplace;

/// <summary>
/// Who is who in an application. The brand is every member of the campaign's workspace, the creator every member of
/// the creator's workspace: both read with VIEWER, and act with EDITOR (money moves with ADMIN on the brand's side).
/// Anyone else is told the application does not exist. Handlers decide this on the workspaces they read, so a
/// membership removed a moment ago counts.
/// </summary>
public static class Parties
{
    public static async Task<(Party? Side, Workspace? Brand, Workspace? Creator)> OfAsync(IQuerySession session, CampaignApplication application, Guid userId, Role minimum,
        CancellationToken ct)
    {
        var batch = session.CreateBatchQuery();
        var brand = batch.Load<Workspace>(application.WorkspaceId);
        var creator = batch.Load<Workspace>(application.CreatorWorkspaceId);
        await batch.Execute(ct);
        var (b, c) = (await brand, await creator);
        return (CampaignApplication.SideOf(application.WorkspaceId, application.CreatorWorkspaceId, b, c, userId, minimum), b, c);
    }

    /// <summary>
    /// The side the user acts for with at least <paramref name="minimum"/>, and whether they are a party at all (a
    /// VIEWER of either side), from the same two reads: a party below the role is told so, an outsider NOT_FOUND.
    /// </summary>
    public static async Task<(Party? Side, bool IsParty)> ActingAsync(IQuerySession session, CampaignApplication application, Guid userId, Role minimum, CancellationToken ct)
    {
        var (side, brand, creator) = await OfAsync(session, application, userId, minimum, ct);
        return (side, side is not null || CampaignApplication.SideOf(application.WorkspaceId, application.CreatorWorkspaceId, brand, creator, userId, Role.Viewer) is not null);
    }

    /// <summary>Whether the user may read the application: a member of either workspace.</summary>
    public static async Task<bool> SeesAsync(IQuerySession session, CampaignApplication application, Guid userId, CancellationToken ct) =>
        (await OfAsync(session, application, userId, Role.Viewer, ct)).Side is not null;

    /// <summary>The application's stream for writing; none for the empty id (an input id that did not parse), which Marten refuses.</summary>
    public static async Task<IEventStream<CampaignApplication>?> ForWritingAsync(IDocumentSession session, Guid applicationId, CancellationToken ct) =>
        applicationId == Guid.Empty ? null : await session.Events.FetchForWriting<CampaignApplication>(applicationId, ct);

    public static Party Other(this Party side) => side == Party.Brand ? Party.Creator : Party.Brand;

    /// <summary>Emails for the other side of an application: the brand's admins, or the creator (the profile's person).</summary>
    public static async Task<IReadOnlyList<string>> EmailsOfAsync(IQuerySession session, CampaignApplication application, Party side, CancellationToken ct)
    {
        if (side == Party.Creator)
        {
            return await session.LoadAsync<Accounts.User>(application.CreatorUserId, ct) is { } creator ? [creator.Email] : [];
        }

        var brand = await session.LoadAsync<Workspace>(application.WorkspaceId, ct);
        var admins = brand?.Members.Where(m => m.Value >= Role.Admin).Select(m => m.Key).ToArray() ?? [];
        return [.. (await session.LoadManyAsync<Accounts.User>(ct, admins)).Select(u => u.Email)];
    }

    /// <summary>One email per address of the other side, about a step of the application.</summary>
    public static async Task<IReadOnlyList<SendEmail>> TellAsync(IQuerySession session, CampaignApplication application, Party side, string kind, string subject, string body,
        CancellationToken ct) =>
        [.. (await EmailsOfAsync(session, application, side, ct)).Select(email => new SendEmail(new EmailMessage(kind, email, subject, body)))];
}

public static class MarketplaceIds
{
    public static Guid Of(string? globalId, string typeName) => GlobalId.TryParse(globalId, typeName, out var id) ? id : Guid.Empty;
}

public static class MarketplacePayloads
{
    /// <summary><c>application: Application</c>: the application as it now is (after errors too), to its parties only.</summary>
    public static Payload<Guid> Application { get; } = Payload<Guid>.Always<ApplicationType>("application", "The application as it now is (after errors too); null to anyone who is no party to it.",
        async (context, id) =>
        {
            var applicationId = id != Guid.Empty ? id : MarketplaceIds.Of((context.Arguments?["input"].Value as IApplicationInput)?.ApplicationId, CampaignApplication.TypeName);
            var session = context.RequestServices!.GetRequiredService<IQuerySession>();
            return applicationId != Guid.Empty && await session.LoadAsync<CampaignApplication>(applicationId, context.CancellationToken) is { } application &&
                context.UserId() is { } user && await Parties.SeesAsync(session, application, user, context.CancellationToken)
                ? application
                : null;
        });

    /// <summary><c>campaign: Campaign</c>: the campaign as it now is, to members of its workspace.</summary>
    public static Payload<Guid> Campaign { get; } = Payload<Guid>.Always<CampaignType>("campaign", "The campaign as it now is (after errors too).",
        async (context, id) =>
        {
            var campaignId = id != Guid.Empty ? id : MarketplaceIds.Of((context.Arguments?["input"].Value as ICampaignInput)?.CampaignId, Marketplace.Campaign.TypeName);
            var session = context.RequestServices!.GetRequiredService<IQuerySession>();
            return campaignId != Guid.Empty && await session.LoadAsync<Campaign>(campaignId, context.CancellationToken) is { } campaign &&
                await session.LoadAsync<Workspace>(campaign.WorkspaceId, context.CancellationToken) is { } workspace && workspace.RoleOf(context.UserId()) is not null
                ? campaign
                : null;
        });
}

/// <summary>A mutation input naming an application (and so a contract) by its global id.</summary>
public interface IApplicationInput
{
    string ApplicationId { get; }
}

/// <summary>A mutation input naming a campaign by its global id.</summary>
public interface ICampaignInput
{
    string CampaignId { get; }
}
