using FluentValidation;
using GraphQL;
using Marten;
using Nexus.Api.Features.Storefront;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Errors;
using Wolverine;

namespace Nexus.Api.Features.Marketplace.Applying;

/// <summary>
/// A creator applies to an open campaign with a pitch and a price (per contract or per deliverable, as the campaign's
/// payment model says). Their audience is the one Nexus measured, checked against the requirements here and attached
/// to the application as it was.
/// </summary>
public sealed record ApplyToCampaign(Guid CampaignId, Guid UserId, string Pitch, long Price)
{
    public const int MaxPitchLength = 4000;

    public sealed class Validator : AbstractValidator<ApplyToCampaign>
    {
        public Validator()
        {
            RuleFor(c => c.Pitch).Must(p => p.Trim().Length is >= 1 and <= MaxPitchLength).WithMessage($"1 to {MaxPitchLength} characters.");
            RuleFor(c => c.Price).InclusiveBetween(1, ProductRules.MaxAmount).WithMessage($"1 to {ProductRules.MaxAmount} in minor units of the campaign's currency.");
        }
    }
}

public sealed record AlreadyAppliedError()
    : MutationError("ALREADY_APPLIED", "You already applied to this campaign.", ["input", "campaignId"]);

public sealed record OwnCampaignError()
    : MutationError("OWN_CAMPAIGN", "A workspace cannot apply to its own campaign.", ["input", "campaignId"]);

public static class ApplyToCampaignHandler
{
    public static async Task<(Outcome<Guid, CampaignNotFoundError, CampaignStateError, CreatorProfileRequiredError, RoleRequiredError, OwnCampaignError, AlreadyAppliedError, RequirementsNotMetError>,
        OutgoingMessages)> HandleAsync(ApplyToCampaign command, IDocumentSession session, CreatorAudience audiences, DateTimeOffset now, CancellationToken ct)
    {
        if (await session.LoadAsync<Campaign>(command.CampaignId, ct) is not { } campaign || campaign.Status == CampaignStatus.Draft || !campaign.Sees(command.UserId))
        {
            return (new CampaignNotFoundError(), []);
        }

        if (campaign.Status != CampaignStatus.Open)
        {
            return (new CampaignStateError(campaign.Status, "applied to"), []);
        }

        if (await session.Query<CreatorProfile>().FirstOrDefaultAsync(p => p.UserId == command.UserId, ct) is not { } profile)
        {
            return (new CreatorProfileRequiredError(), []);
        }

        if (await session.LoadAsync<Workspace>(profile.WorkspaceId, ct) is not { } creatorWorkspace || creatorWorkspace.Refuses(command.UserId, Role.Editor) is { } refusal)
        {
            return (new RoleRequiredError(Role.Editor), []);
        }

        if (profile.WorkspaceId == campaign.WorkspaceId)
        {
            return (new OwnCampaignError(), []);
        }

        // The database's unique index (campaign, creator) holds it against a race; this answers the plain case with its own error.
        if (await session.Query<CampaignApplication>().AnyAsync(a => a.CampaignId == campaign.Id && a.CreatorUserId == command.UserId, ct))
        {
            return (new AlreadyAppliedError(), []);
        }

        var audience = await audiences.OfAsync(session, profile.WorkspaceId, ct);
        if (CreatorAudience.Unmet(campaign.Requirements, audience, profile) is { Count: > 0 } unmet)
        {
            return (new RequirementsNotMetError(unmet), []);
        }

        var id = Guid.CreateVersion7();
        var submitted = new ApplicationSubmitted(id, campaign.WorkspaceId, campaign.Id, command.UserId, profile.WorkspaceId, command.Pitch.Trim(), command.Price, campaign.Currency,
            audience, now);
        session.Events.StartStream<CampaignApplication>(id, submitted);
        var application = CampaignApplication.Create(submitted);
        OutgoingMessages messages = [.. await Parties.TellAsync(session, application, Party.Brand, "marketplace-application",
            $"{profile.DisplayName} applied to {campaign.Title}",
            $"{profile.DisplayName} applied to \"{campaign.Title}\" asking {new Money(command.Price, campaign.Currency).Display()}.\n\n{command.Pitch.Trim()}", ct)];
        return (id, messages);
    }
}

public sealed record ApplyToCampaignInput(
    [property: Id] string CampaignId,
    [property: DescribedAs("Why you, 1 to {0} characters.", ApplyToCampaign.MaxPitchLength)] string Pitch,
    [property: System.ComponentModel.Description("Your price in minor units of the campaign's currency: for the whole contract, or per deliverable under PER_DELIVERABLE.")] long Price)
    : ICampaignInput;

public sealed class ApplyToCampaignMutation() : Mutation<ApplyToCampaignInput, ApplyToCampaign, Guid>("applyToCampaign",
    "Applies to an open campaign with your creator profile, a pitch and a price. Your measured audience must meet its requirements (REQUIREMENTS_NOT_MET says what does not).",
    Access.SignedIn.FirstPartyOnly(), MarketplacePayloads.Application,
    (input, caller) => new(MarketplaceIds.Of(input.CampaignId, Campaign.TypeName), caller.UserId, input.Pitch ?? "", input.Price));
