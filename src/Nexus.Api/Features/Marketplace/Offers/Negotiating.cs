using FluentValidation;
using GraphQL;
using Marten;
using Nexus.Api.Features.Storefront;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Errors;
using Wolverine;

namespace Nexus.Api.Features.Marketplace.Offers;

/// <summary>The brand puts an application on its shortlist (EDITOR of the brand workspace).</summary>
public sealed record ShortlistApplication(Guid ApplicationId, Guid UserId);

public static class ShortlistApplicationHandler
{
    public static async Task<Outcome<Guid, ApplicationNotFoundError, NotYourTurnError, ApplicationStateError>> HandleAsync(ShortlistApplication command, IDocumentSession session,
        DateTimeOffset now, CancellationToken ct)
    {
        var stream = await Parties.ForWritingAsync(session, command.ApplicationId, ct);
        if (stream?.Aggregate is not { } application || (await Parties.OfAsync(session, application, command.UserId, Role.Editor, ct)).Side is not { } side)
        {
            return new ApplicationNotFoundError();
        }

        if (side != Party.Brand)
        {
            return new NotYourTurnError("shortlist an application");
        }

        if (application.Status != ApplicationStatus.Applied)
        {
            return application.Status == ApplicationStatus.Shortlisted ? application.Id : Negotiation.StateError(application, "shortlisted");
        }

        stream.AppendOne(new ApplicationShortlisted(application.Id, application.WorkspaceId, command.UserId, now));
        return application.Id;
    }
}

/// <summary>
/// One side offers a price: the brand (after an application, or to answer a counter-offer), or the creator to
/// counter the brand's offer. The other side answers with <c>acceptOffer</c>, another offer, or <c>declineApplication</c>.
/// </summary>
public sealed record MakeOffer(Guid ApplicationId, Guid UserId, long Price, string? Note)
{
    public const int MaxNoteLength = 2000;
    public const int MaxOffers = 20;

    public sealed class Validator : AbstractValidator<MakeOffer>
    {
        public Validator()
        {
            RuleFor(c => c.Price).InclusiveBetween(1, ProductRules.MaxAmount).WithMessage($"1 to {ProductRules.MaxAmount} in minor units of the campaign's currency.");
            RuleFor(c => c.Note).MaximumLength(MaxNoteLength).WithMessage($"At most {MaxNoteLength} characters.");
        }
    }
}

public sealed record TooManyOffersError()
    : MutationError("TOO_MANY_OFFERS", $"An application holds at most {MakeOffer.MaxOffers} offers: accept or decline.", ["input", "applicationId"]);

public static class MakeOfferHandler
{
    public static async Task<(Outcome<Guid, ApplicationNotFoundError, NotYourTurnError, ApplicationStateError, TooManyOffersError>, OutgoingMessages)> HandleAsync(MakeOffer command,
        IDocumentSession session, DateTimeOffset now, CancellationToken ct)
    {
        var stream = await Parties.ForWritingAsync(session, command.ApplicationId, ct);
        if (stream?.Aggregate is not { } application || (await Parties.OfAsync(session, application, command.UserId, Role.Editor, ct)).Side is not { } side)
        {
            return (new ApplicationNotFoundError(), []);
        }

        if (application.Status is not (ApplicationStatus.Applied or ApplicationStatus.Shortlisted or ApplicationStatus.Offered))
        {
            return (Negotiation.StateError(application, "offered on"), []);
        }

        // The creator's price is in their application: they counter an offer of the brand's, they do not open the bidding.
        if (side == Party.Creator && application.PendingOffer is not { Side: Party.Brand })
        {
            return (new NotYourTurnError("make the first offer"), []);
        }

        if (application.Offers.Count >= MakeOffer.MaxOffers)
        {
            return (new TooManyOffersError(), []);
        }

        var note = string.IsNullOrWhiteSpace(command.Note) ? null : command.Note.Trim();
        stream.AppendOne(new OfferMade(application.Id, application.WorkspaceId, application.Offers.Count + 1, side, command.Price, application.Currency, note, command.UserId, now));
        var price = new Money(command.Price, application.Currency).Display();
        OutgoingMessages messages = [.. await Parties.TellAsync(session, application, side.Other(), "marketplace-offer",
            side == Party.Brand ? $"An offer for your application: {price}" : $"A counter-offer: {price}",
            $"{(side == Party.Brand ? "The brand" : "The creator")} offers {price}.{(note is null ? "" : $"\n\n{note}")}\n\nAccept it (acceptOffer), counter it (makeOffer) or decline (declineApplication).", ct)];
        return (application.Id, messages);
    }
}

/// <summary>
/// One side ends the application before a contract: the brand declines it (with a reason), the creator withdraws it
/// or declines the brand's offer.
/// </summary>
public sealed record DeclineApplication(Guid ApplicationId, Guid UserId, string? Reason)
{
    public const int MaxReasonLength = 1000;

    public sealed class Validator : AbstractValidator<DeclineApplication>
    {
        public Validator() => RuleFor(c => c.Reason).MaximumLength(MaxReasonLength).WithMessage($"At most {MaxReasonLength} characters.");
    }
}

public static class DeclineApplicationHandler
{
    public static async Task<(Outcome<Guid, ApplicationNotFoundError, ApplicationStateError>, OutgoingMessages)> HandleAsync(DeclineApplication command, IDocumentSession session,
        DateTimeOffset now, CancellationToken ct)
    {
        var stream = await Parties.ForWritingAsync(session, command.ApplicationId, ct);
        if (stream?.Aggregate is not { } application || (await Parties.OfAsync(session, application, command.UserId, Role.Editor, ct)).Side is not { } side)
        {
            return (new ApplicationNotFoundError(), []);
        }

        if (application.Status is not (ApplicationStatus.Applied or ApplicationStatus.Shortlisted or ApplicationStatus.Offered))
        {
            return (Negotiation.StateError(application, "declined"), []);
        }

        var reason = string.IsNullOrWhiteSpace(command.Reason) ? null : command.Reason.Trim();
        stream.AppendOne(new ApplicationDeclined(application.Id, application.WorkspaceId, side, command.UserId, reason, now));
        OutgoingMessages messages = [.. await Parties.TellAsync(session, application, side.Other(), "marketplace-declined",
            side == Party.Brand ? "Your application was declined" : "The creator declined",
            $"{(side == Party.Brand ? "The brand declined your application" : "The creator withdrew or declined the offer")}.{(reason is null ? "" : $"\n\nReason: {reason}")}", ct)];
        return (application.Id, messages);
    }
}

public static class Negotiation
{
    public static ApplicationStateError StateError(CampaignApplication application, string action) =>
        new(application.Contract is { } contract ? $"under contract ({contract.Status.ToString().ToUpperInvariant()})" : application.Status.ToString().ToUpperInvariant(), action);
}

public sealed record ApplicationInput([property: Id] string ApplicationId) : IApplicationInput;

public sealed record MakeOfferInput(
    [property: Id] string ApplicationId,
    [property: System.ComponentModel.Description("In minor units of the campaign's currency: the contract's total, or per deliverable under PER_DELIVERABLE.")] long Price,
    [property: DescribedAs("At most {0} characters.", MakeOffer.MaxNoteLength)] string? Note = null) : IApplicationInput;

public sealed record DeclineApplicationInput(
    [property: Id] string ApplicationId,
    [property: DescribedAs("Why, at most {0} characters (shown to the other side).", DeclineApplication.MaxReasonLength)] string? Reason = null) : IApplicationInput;

public sealed class ShortlistApplicationMutation() : Mutation<ApplicationInput, ShortlistApplication, Guid>("shortlistApplication",
    "Shortlists an application (the brand, EDITOR).",
    Access.SignedIn.FirstPartyOnly(), MarketplacePayloads.Application,
    (input, caller) => new(MarketplaceIds.Of(input.ApplicationId, CampaignApplication.TypeName), caller.UserId));

public sealed class MakeOfferMutation() : Mutation<MakeOfferInput, MakeOffer, Guid>("makeOffer",
    "Offers a price: the brand's offer, or the creator's counter to the brand's offer (EDITOR on your side). The other side is emailed.",
    Access.SignedIn.FirstPartyOnly(), MarketplacePayloads.Application,
    (input, caller) => new(MarketplaceIds.Of(input.ApplicationId, CampaignApplication.TypeName), caller.UserId, input.Price, input.Note));

public sealed class DeclineApplicationMutation() : Mutation<DeclineApplicationInput, DeclineApplication, Guid>("declineApplication",
    "Ends an application before a contract: the brand declines it, or the creator withdraws it or declines the offer (EDITOR on your side). The other side is emailed the reason.",
    Access.SignedIn.FirstPartyOnly(), MarketplacePayloads.Application,
    (input, caller) => new(MarketplaceIds.Of(input.ApplicationId, CampaignApplication.TypeName), caller.UserId, input.Reason));
