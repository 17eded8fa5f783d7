using GraphQL;
using Marten;
using Nexus.Api.Features.Storefront;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Errors;

namespace Nexus.Api.Features.Marketplace.Campaigns;

/// <summary>Who may change a campaign: members of its workspace with the role; anyone else is told FORBIDDEN, as for an unknown id.</summary>
public static class CampaignAccess
{
    public static readonly StorefrontAccess<Campaign> Rule = new(Campaign.TypeName, input => (input as ICampaignInput)?.CampaignId, c => c.WorkspaceId);
}

/// <summary>A change of a campaign's state by a brand ADMIN: open, close or cancel.</summary>
public sealed record ChangeCampaign(Guid CampaignId, Guid UserId, CampaignStatus To, string? Reason = null);

/// <summary>Cancelling a campaign while contracts of it are under way: they are cancelled one by one first (cancelContract), so that each ends with a clear outcome.</summary>
public sealed record CampaignHasContractsError(int Contracts)
    : MutationError("CAMPAIGN_HAS_CONTRACTS", $"{Contracts} contract(s) of this campaign are under way: cancel or finish them first.", ["input", "campaignId"]);

public static class ChangeCampaignHandler
{
    public static async Task<Outcome<Guid, CampaignNotFoundError, RoleRequiredError, CampaignStateError, CampaignHasContractsError>> HandleAsync(ChangeCampaign command,
        IDocumentSession session, DateTimeOffset now, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Campaign>(command.CampaignId, ct);
        if (stream.Aggregate is not { } campaign)
        {
            return new CampaignNotFoundError();
        }

        if (await session.LoadAsync<Workspace>(campaign.WorkspaceId, ct) is not { } workspace || workspace.Refuses(command.UserId, Role.Admin) is not null)
        {
            return new RoleRequiredError(Role.Admin);
        }

        switch (command.To)
        {
            case CampaignStatus.Open when campaign.Status is CampaignStatus.Draft or CampaignStatus.Closed:
                stream.AppendOne(new CampaignOpened(campaign.Id, campaign.WorkspaceId, command.UserId, now));
                return campaign.Id;
            case CampaignStatus.Closed when campaign.Status == CampaignStatus.Open:
                stream.AppendOne(new CampaignClosed(campaign.Id, campaign.WorkspaceId, command.UserId, now));
                return campaign.Id;
            case CampaignStatus.Cancelled when campaign.Status is CampaignStatus.Draft or CampaignStatus.Open or CampaignStatus.Closed:
                // The budget committed is the contracts not ended unpaid: read on the stream being written, so a contract accepted meanwhile conflicts.
                if (campaign.Committed.Count > 0 && await UnderWayAsync(session, campaign, ct) is > 0 and var count)
                {
                    return new CampaignHasContractsError(count);
                }

                stream.AppendOne(new CampaignCancelled(campaign.Id, campaign.WorkspaceId, command.UserId, command.Reason, now));
                return campaign.Id;
            default:
                return new CampaignStateError(campaign.Status, command.To switch
                {
                    CampaignStatus.Open => "opened",
                    CampaignStatus.Closed => "closed",
                    _ => "cancelled",
                });
        }
    }

    private static async Task<int> UnderWayAsync(IQuerySession session, Campaign campaign, CancellationToken ct) =>
        (await session.LoadManyAsync<CampaignApplication>(ct, campaign.Committed.Keys)).Count(a => a.Contract is { Status: not (ContractStatus.Paid or ContractStatus.Cancelled) });
}

public sealed record CampaignInput([property: Id] string CampaignId) : ICampaignInput;

public sealed record CancelCampaignInput([property: Id] string CampaignId, [property: DescribedAs("Why, at most {0} characters.", ChangeCampaignRules.MaxReasonLength)] string? Reason = null)
    : ICampaignInput;

public static class ChangeCampaignRules
{
    public const int MaxReasonLength = 1000;

    public static string? Reason(string? reason) => string.IsNullOrWhiteSpace(reason) ? null : reason.Trim()[..Math.Min(reason.Trim().Length, MaxReasonLength)];
}

public sealed class OpenCampaignMutation() : Mutation<CampaignInput, ChangeCampaign, Guid>("openCampaign",
    "Opens a draft (or reopens a closed) campaign: creators who can see it find it in `campaigns` and apply. ADMIN of the brand workspace.",
    CampaignAccess.Rule.Needs(Role.Admin).FirstPartyOnly(), MarketplacePayloads.Campaign,
    (_, caller) => new(CampaignAccess.Rule.IdOf(caller), caller.UserId, CampaignStatus.Open));

public sealed class CloseCampaignMutation() : Mutation<CampaignInput, ChangeCampaign, Guid>("closeCampaign",
    "Stops taking applications; contracts already made go on. ADMIN of the brand workspace.",
    CampaignAccess.Rule.Needs(Role.Admin).FirstPartyOnly(), MarketplacePayloads.Campaign,
    (_, caller) => new(CampaignAccess.Rule.IdOf(caller), caller.UserId, CampaignStatus.Closed));

public sealed class CancelCampaignMutation() : Mutation<CancelCampaignInput, ChangeCampaign, Guid>("cancelCampaign",
    "Cancels the campaign; refused (CAMPAIGN_HAS_CONTRACTS) while a contract of it is under way. ADMIN of the brand workspace.",
    CampaignAccess.Rule.Needs(Role.Admin).FirstPartyOnly(), MarketplacePayloads.Campaign,
    (input, caller) => new(CampaignAccess.Rule.IdOf(caller), caller.UserId, CampaignStatus.Cancelled, ChangeCampaignRules.Reason(input.Reason)));

/// <summary>Invites a creator (by profile) to an invite-only campaign: they see it and may apply.</summary>
public sealed record InviteCreator(Guid CampaignId, Guid UserId, Guid ProfileId);

public sealed record CreatorNotFoundError()
    : MutationError("NOT_FOUND", "This creator profile does not exist.", ["input", "creatorProfileId"]);

public static class InviteCreatorHandler
{
    public static async Task<(Outcome<Guid, CampaignNotFoundError, RoleRequiredError, CampaignStateError, CreatorNotFoundError>, Wolverine.OutgoingMessages)> HandleAsync(
        InviteCreator command, IDocumentSession session, DateTimeOffset now, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Campaign>(command.CampaignId, ct);
        if (stream.Aggregate is not { } campaign)
        {
            return (new CampaignNotFoundError(), []);
        }

        if (await session.LoadAsync<Workspace>(campaign.WorkspaceId, ct) is not { } workspace || workspace.Refuses(command.UserId, Role.Editor) is not null)
        {
            return (new RoleRequiredError(Role.Editor), []);
        }

        if (campaign.Status is CampaignStatus.Cancelled or CampaignStatus.Completed)
        {
            return (new CampaignStateError(campaign.Status, "given invitations"), []);
        }

        if (await session.LoadAsync<CreatorProfile>(command.ProfileId, ct) is not { } profile)
        {
            return (new CreatorNotFoundError(), []);
        }

        if (campaign.Invited.Contains(profile.UserId))
        {
            return (campaign.Id, []);
        }

        stream.AppendOne(new CampaignCreatorInvited(campaign.Id, campaign.WorkspaceId, profile.UserId, command.UserId, now));
        var creator = await session.LoadAsync<Accounts.User>(profile.UserId, ct);
        return (campaign.Id, creator is null ? [] : [new Infrastructure.Email.SendEmail(new Infrastructure.Email.EmailMessage("marketplace-invitation", creator.Email,
            $"{workspace.Name} invites you to a campaign: {campaign.Title}", $"{workspace.Name} invited you to apply to \"{campaign.Title}\".\n\n{campaign.Brief}"))]);
    }
}

public sealed record InviteCreatorInput([property: Id] string CampaignId, [property: Id] string CreatorProfileId) : ICampaignInput;

public sealed class InviteCreatorMutation() : Mutation<InviteCreatorInput, InviteCreator, Guid>("inviteCreator",
    "Invites a creator to the campaign (needed to see an INVITE_ONLY one); they are emailed. EDITOR of the brand workspace.",
    CampaignAccess.Rule.Needs(Role.Editor).FirstPartyOnly(), MarketplacePayloads.Campaign,
    (input, caller) => new(CampaignAccess.Rule.IdOf(caller), caller.UserId, MarketplaceIds.Of(input.CreatorProfileId, CreatorProfile.TypeName)));
