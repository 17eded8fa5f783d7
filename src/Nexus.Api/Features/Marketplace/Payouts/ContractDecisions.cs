using FluentValidation;
using GraphQL;
using JasperFx.Events;
using Marten;
using Nexus.Api.Features.Billing;
using Nexus.Api.Features.Billing.Subscribing;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Stripe;
using Wolverine;

namespace Nexus.Api.Features.Marketplace.Payouts;

using DecisionOutcome = Outcome<Guid, ApplicationNotFoundError, NotYourTurnError, RoleRequiredError, ApplicationStateError>;

/// <summary>The brand approves the finished work (every deliverable published): the creator's share is released at once.</summary>
public sealed record ApproveContract(Guid ApplicationId, Guid UserId);

/// <summary>The brand disputes the finished work during review: the funds stay held until it approves or the creator cancels.</summary>
public sealed record DisputeContract(Guid ApplicationId, Guid UserId, string Reason)
{
    public const int MaxReasonLength = 2000;

    public sealed class Validator : AbstractValidator<DisputeContract>
    {
        public Validator() => RuleFor(c => c.Reason).Must(r => r.Trim().Length is >= 1 and <= MaxReasonLength).WithMessage($"Say what is wrong, 1 to {MaxReasonLength} characters.");
    }
}

/// <summary>
/// Ends a contract before payment. Its outcome is fixed by where it is: unfunded, either side ends it; funded with
/// nothing published, either side ends it and the brand is refunded in full; once something is published, only the
/// creator can end it (refunding the brand), the brand disputes instead.
/// </summary>
public sealed record CancelContract(Guid ApplicationId, Guid UserId, string? Reason)
{
    public const int MaxReasonLength = 2000;

    public sealed class Validator : AbstractValidator<CancelContract>
    {
        public Validator() => RuleFor(c => c.Reason).MaximumLength(MaxReasonLength).WithMessage($"At most {MaxReasonLength} characters.");
    }
}

public static class ContractDecisionsHandler
{
    public static async Task<(DecisionOutcome, OutgoingMessages)> HandleAsync(ApproveContract command,
        IDocumentSession session, DateTimeOffset now, CancellationToken ct)
    {
        var (stream, refusal) = await BrandAdminAsync(session, command.ApplicationId, command.UserId, "approve the work", ct);
        if (refusal is not null)
        {
            return (refusal, []);
        }

        var application = stream!.Aggregate!;
        if (application.Contract is not { Status: ContractStatus.InReview or ContractStatus.Disputed } contract)
        {
            return (ContractState(application, "approved"), []);
        }

        if (contract.ApprovedAt is null || contract.Status == ContractStatus.Disputed)
        {
            stream.AppendOne(new ContractApproved(application.Id, application.WorkspaceId, command.UserId, now));
        }

        return (application.Id, [new ReleaseContractPayment(application.Id)]);
    }

    public static async Task<(DecisionOutcome, OutgoingMessages)> HandleAsync(DisputeContract command,
        IDocumentSession session, DateTimeOffset now, CancellationToken ct)
    {
        var (stream, refusal) = await BrandAdminAsync(session, command.ApplicationId, command.UserId, "dispute the work", ct);
        if (refusal is not null)
        {
            return (refusal, []);
        }

        var application = stream!.Aggregate!;
        if (application.Contract is not { Status: ContractStatus.InReview, ApprovedAt: null })
        {
            return (ContractState(application, "disputed"), []);
        }

        stream.AppendOne(new ContractDisputed(application.Id, application.WorkspaceId, command.UserId, command.Reason.Trim(), now));
        return (application.Id, [.. await Parties.TellAsync(session, application, Party.Creator, "marketplace-disputed", "The brand disputes your work",
            $"The brand disputes the finished work: {command.Reason.Trim()}\n\nThe payment is held until the brand approves; you may also cancel the contract (the brand is refunded).", ct)]);
    }

    public static async Task<(Outcome<Guid, ApplicationNotFoundError, RoleRequiredError, ApplicationStateError, PaymentProviderError>, OutgoingMessages)> HandleAsync(CancelContract command,
        IDocumentSession session, StripeGateway stripe, ILogger<CancelContract> logger, DateTimeOffset now, CancellationToken ct)
    {
        var stream = await Parties.ForWritingAsync(session, command.ApplicationId, ct);
        if (stream?.Aggregate is not { } application || (await Parties.OfAsync(session, application, command.UserId, Role.Viewer, ct)) is not { Side: { } side } parties)
        {
            return (new ApplicationNotFoundError(), []);
        }

        var needed = side == Party.Brand ? Role.Admin : Role.Editor;
        if ((side == Party.Brand ? parties.Brand : parties.Creator)?.Refuses(command.UserId, needed) is not null)
        {
            return (new RoleRequiredError(needed), []);
        }

        if (application.Contract is not { } contract || !MayCancel(contract, side))
        {
            return (ContractState(application, side == Party.Brand ? "cancelled by the brand (dispute it instead)" : "cancelled"), []);
        }

        string? refundId = null;
        if (contract.PaymentIntentId is { } paymentIntent)
        {
            if (stripe.Client is not { } client)
            {
                return (new PaymentProviderError("not_configured"), []);
            }

            try
            {
                // Keyed by the contract: a retry (or a race of both sides) gets the one refund back from Stripe.
                var refund = await new RefundService(client).CreateAsync(new RefundCreateOptions { PaymentIntent = paymentIntent, Amount = contract.Total },
                    new RequestOptions { IdempotencyKey = $"nexus-contract-{application.Id:N}-refund" }, ct);
                refundId = refund.Id;
            }
            catch (StripeException ex)
            {
                logger.LogWarning("Stripe refused a contract's refund ({Status} {Code})", (int)ex.HttpStatusCode, ex.StripeError?.Code);
                return (new PaymentProviderError(ex.StripeError?.Code ?? ((int)ex.HttpStatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)), []);
            }
        }

        var reason = string.IsNullOrWhiteSpace(command.Reason) ? null : command.Reason.Trim();
        stream.AppendOne(new ContractCancelled(application.Id, application.WorkspaceId, side, command.UserId, reason, refundId, now));
        var campaign = await session.Events.FetchForWriting<Campaign>(application.CampaignId, ct);
        if (campaign.Aggregate?.Committed.ContainsKey(application.Id) == true)
        {
            campaign.AppendOne(new CampaignBudgetReleased(application.CampaignId, application.WorkspaceId, application.Id, contract.Total, now));
        }

        await CampaignCompletion.CheckAsync(session, campaign, application.Id, now, ct);

        return (application.Id, [.. await Parties.TellAsync(session, application, side.Other(), "marketplace-cancelled", "The contract was cancelled",
            $"The {(side == Party.Brand ? "brand" : "creator")} cancelled the contract{(reason is null ? "" : $": {reason}")}.{(refundId is null ? "" : " The brand's payment is refunded in full.")}", ct)]);
    }

    private static bool MayCancel(Contract contract, Party side) => contract.Status switch
    {
        ContractStatus.AwaitingFunding => true,
        ContractStatus.Active => side == Party.Creator || contract.Deliverables.All(d => d.Status != DeliverableStatus.Published),
        ContractStatus.InReview or ContractStatus.Disputed => side == Party.Creator,
        _ => false,
    };

    private static async Task<(IEventStream<CampaignApplication>?, DecisionOutcome?)> BrandAdminAsync(IDocumentSession session, Guid applicationId, Guid userId, string action, CancellationToken ct)
    {
        var stream = await Parties.ForWritingAsync(session, applicationId, ct);
        if (stream?.Aggregate is not { } application || (await Parties.OfAsync(session, application, userId, Role.Viewer, ct)) is not { Side: { } side } parties)
        {
            return (null, (DecisionOutcome)new ApplicationNotFoundError());
        }

        if (side != Party.Brand)
        {
            return (null, (DecisionOutcome)new NotYourTurnError(action));
        }

        return parties.Brand!.Refuses(userId, Role.Admin) is not null ? (null, (DecisionOutcome)new RoleRequiredError(Role.Admin)) : (stream, null);
    }

    private static ApplicationStateError ContractState(CampaignApplication application, string action) => Offers.Negotiation.StateError(application, action);
}

public sealed record ContractInput([property: Id] string ApplicationId) : IApplicationInput;

public sealed record DisputeContractInput([property: Id] string ApplicationId,
    [property: DescribedAs("What is wrong, 1 to {0} characters (shown to the creator).", DisputeContract.MaxReasonLength)] string Reason) : IApplicationInput;

public sealed record CancelContractInput([property: Id] string ApplicationId,
    [property: DescribedAs("Why, at most {0} characters (shown to the other side).", CancelContract.MaxReasonLength)] string? Reason = null) : IApplicationInput;

public sealed class ApproveContractMutation() : Mutation<ContractInput, ApproveContract, Guid>("approveContract",
    "Approves the finished work (every deliverable published) or ends your dispute: the creator's share is transferred, once. ADMIN of the brand workspace.",
    Access.SignedIn.FirstPartyOnly(), MarketplacePayloads.Application,
    (input, caller) => new(MarketplaceIds.Of(input.ApplicationId, CampaignApplication.TypeName), caller.UserId));

public sealed class DisputeContractMutation() : Mutation<DisputeContractInput, DisputeContract, Guid>("disputeContract",
    "Disputes the finished work during the review window: the payment stays held until you approve, or the creator cancels (you are refunded). ADMIN of the brand workspace.",
    Access.SignedIn.FirstPartyOnly(), MarketplacePayloads.Application,
    (input, caller) => new(MarketplaceIds.Of(input.ApplicationId, CampaignApplication.TypeName), caller.UserId, input.Reason ?? ""));

public sealed class CancelContractMutation() : Mutation<CancelContractInput, CancelContract, Guid>("cancelContract",
    "Cancels a contract before payment; a funded one is refunded to the brand in full. Unfunded or with nothing published: either side (brand ADMIN, creator EDITOR). Once something is published: the creator only; the brand disputes instead.",
    Access.SignedIn.FirstPartyOnly(), MarketplacePayloads.Application,
    (input, caller) => new(MarketplaceIds.Of(input.ApplicationId, CampaignApplication.TypeName), caller.UserId, input.Reason));
