using GraphQL;
using Marten;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Storefront;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Errors;
using Wolverine;

namespace Nexus.Api.Features.Marketplace.Offers;

/// <summary>
/// The side that did not make the pending offer accepts it: the application becomes a contract listing the campaign's
/// deliverables, and the total is taken from the campaign's budget. Before that the creator's audience is read again
/// from the platforms and checked against the requirements, so a contract is never made on stale figures. Both
/// appends (the application's and the campaign's) are made at the versions read, in one transaction: two acceptances
/// cannot both commit, and the budget cannot be spent twice.
/// </summary>
public sealed record AcceptOffer(Guid ApplicationId, Guid UserId, int? OfferNumber);

public sealed record OfferChangedError(int Pending)
    : MutationError("OFFER_CHANGED", $"The pending offer is now number {Pending}: read it again before accepting.", ["input", "offerNumber"]);

public sealed record BudgetExceededError(long Left, string Currency)
    : MutationError("BUDGET_EXCEEDED", $"The campaign has {new Money(Left, Currency).Display()} of budget left, less than this contract's total.", ["input", "applicationId"]);

public static class AcceptOfferHandler
{
    public static async Task<(Outcome<Guid, ApplicationNotFoundError, NotYourTurnError, ApplicationStateError, OfferChangedError, RoleRequiredError, CampaignStateError,
        RequirementsNotMetError, BudgetExceededError>, OutgoingMessages)> HandleAsync(AcceptOffer command, IDocumentSession session, CreatorAudience audiences,
        IOptions<MarketplaceOptions> options, DateTimeOffset now, CancellationToken ct)
    {
        var stream = await Parties.ForWritingAsync(session, command.ApplicationId, ct);
        if (stream?.Aggregate is not { } application || (await Parties.OfAsync(session, application, command.UserId, Role.Viewer, ct)) is not { Side: { } side } parties)
        {
            return (new ApplicationNotFoundError(), []);
        }

        if (application.PendingOffer is not { } offer)
        {
            return (Negotiation.StateError(application, "accepted"), []);
        }

        if (offer.Side == side)
        {
            return (new NotYourTurnError("accept this offer"), []);
        }

        if (command.OfferNumber is { } number && number != offer.Number)
        {
            return (new OfferChangedError(offer.Number), []);
        }

        // Accepting commits money on the brand's side: ADMIN there; EDITOR on the creator's.
        var needed = side == Party.Brand ? Role.Admin : Role.Editor;
        if ((side == Party.Brand ? parties.Brand : parties.Creator)?.Refuses(command.UserId, needed) is not null)
        {
            return (new RoleRequiredError(needed), []);
        }

        var campaignStream = await session.Events.FetchForWriting<Campaign>(application.CampaignId, ct);
        if (campaignStream.Aggregate is not { Status: CampaignStatus.Open or CampaignStatus.Closed } campaign)
        {
            return (new CampaignStateError(campaignStream.Aggregate?.Status ?? CampaignStatus.Cancelled, "contracted on"), []);
        }

        var profile = await session.Query<CreatorProfile>().FirstOrDefaultAsync(p => p.UserId == application.CreatorUserId, ct);
        var audience = await audiences.RefreshAsync(session, application.CreatorWorkspaceId, ct);
        var unmet = profile is null ? ["a creator profile"] : CreatorAudience.Unmet(campaign.Requirements, audience, profile);
        if (unmet.Count > 0)
        {
            return (new RequirementsNotMetError(unmet), []);
        }

        var total = campaign.PaymentModel == PaymentModel.PerDeliverable ? offer.Price * campaign.DeliverableCount : offer.Price;
        if (total > campaign.BudgetLeft)
        {
            return (new BudgetExceededError(campaign.BudgetLeft, campaign.Currency), []);
        }

        var index = 0;
        var deliverables = campaign.Deliverables.SelectMany(spec => Enumerable.Range(0, spec.Count).Select(_ => new ContractDeliverable(index++, spec.Platform, spec.Format))).ToList();
        stream.AppendOne(new OfferAccepted(application.Id, application.WorkspaceId, offer.Number, side, command.UserId, total, options.Value.FeeOf(total), campaign.Currency,
            deliverables, audience, now));
        campaignStream.AppendOne(new CampaignBudgetCommitted(campaign.Id, campaign.WorkspaceId, application.Id, total, now));

        var amount = new Money(total, campaign.Currency).Display();
        OutgoingMessages messages = [
            .. await Parties.TellAsync(session, application, Party.Brand, "marketplace-contract", $"Contract made: {campaign.Title}",
                $"The offer of {amount} was accepted. Fund the contract (fundContract) so that the creator can start: Nexus holds the money until the work is done.", ct),
            .. await Parties.TellAsync(session, application, Party.Creator, "marketplace-contract", $"Contract made: {campaign.Title}",
                $"The offer of {amount} was accepted. You can start once the brand has funded it: submit each deliverable's draft post (submitDeliverable).", ct),
        ];
        return (application.Id, messages);
    }
}

public sealed record AcceptOfferInput(
    [property: Id] string ApplicationId,
    [property: System.ComponentModel.Description("The number of the offer you read; if another offer came since, OFFER_CHANGED.")] int? OfferNumber = null) : IApplicationInput;

public sealed class AcceptOfferMutation() : Mutation<AcceptOfferInput, AcceptOffer, Guid>("acceptOffer",
    "Accepts the other side's pending offer: the application becomes a contract and the total is taken from the campaign's budget. The creator's audience is measured again first. The brand needs ADMIN, the creator EDITOR.",
    Access.SignedIn.FirstPartyOnly(), MarketplacePayloads.Application,
    (input, caller) => new(MarketplaceIds.Of(input.ApplicationId, CampaignApplication.TypeName), caller.UserId, input.OfferNumber));
