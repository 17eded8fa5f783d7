using System.ComponentModel;
using JasperFx.Events.Projections;
using Marten;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.Infrastructure;
using Nexus.Api.Platforms;

namespace Nexus.Api.Features.Marketplace;

/// <summary>
/// An application's way to a contract: APPLIED, SHORTLISTED by the brand, OFFERED (an offer of one side waits for
/// the other), CONTRACTED once an offer is accepted, DECLINED by either side before that, WITHDRAWN by the creator.
/// </summary>
public enum ApplicationStatus
{
    Applied,
    Shortlisted,
    Offered,
    Contracted,
    Declined,
    Withdrawn,
}

/// <summary>The two parties of an application: the brand (the campaign's workspace) and the creator.</summary>
public enum Party
{
    Brand,
    Creator,
}

/// <summary>
/// A contract's money and work: AWAITING_FUNDING until the brand pays (Stripe Checkout; Nexus holds the funds);
/// ACTIVE while deliverables are made; IN_REVIEW once every one is published, until the brand approves or the review
/// window passes; PAID once the creator's share is transferred; DISPUTED when the brand disputed in review (the funds
/// stay held); CANCELLED (the brand refunded when it had paid).
/// </summary>
public enum ContractStatus
{
    AwaitingFunding,
    Active,
    InReview,
    Paid,
    Disputed,
    Cancelled,
}

/// <summary>
/// PENDING: nothing submitted; SUBMITTED: a draft post waits for the brand; CHANGES_REQUESTED: the brand asked for
/// changes; APPROVED: scheduled through Nexus; PUBLISHED: on the platform (done while it stays live); REMOVED: it was
/// published but is no longer live.
/// </summary>
public enum DeliverableStatus
{
    Pending,
    Submitted,
    ChangesRequested,
    Approved,
    Published,
    Removed,
}

/// <summary>One piece of work of a contract, from the campaign's deliverables (a count of 2 is two of these).</summary>
public sealed record ContractDeliverable(int Index, PlatformId Platform, string Format)
{
    public DeliverableStatus Status { get; init; } = DeliverableStatus.Pending;

    /// <summary>The creator's post (in the creator's workspace) last submitted for this deliverable.</summary>
    public Guid? PostId { get; init; }

    /// <summary>The post's version the brand is asked to approve: an edit after it needs a new submission.</summary>
    public int PostVersion { get; init; }

    /// <summary>The post's target on the deliverable's platform, once published.</summary>
    public Guid? TargetId { get; init; }

    public string? ExternalUrl { get; init; }

    public string? LastComment { get; init; }

    public DateTimeOffset? PublishedAt { get; init; }
}

/// <summary>An audience figure as measured from a connected account, with when it was read.</summary>
public sealed record AudienceFigure(PlatformId Platform, long Followers, DateTimeOffset MeasuredAt);

[Description("A creator applied to a campaign with a pitch and a price, their measured audience attached as it was then.")]
public sealed record ApplicationSubmitted(Guid ApplicationId, Guid WorkspaceId, Guid CampaignId, Guid CreatorUserId, Guid CreatorWorkspaceId, string Pitch,
    long Price, string Currency, IReadOnlyList<AudienceFigure> Audience, DateTimeOffset At) : IDomainEvent, IPartiesStart
{
    // Explicit, so that it is not serialized into the event.
    Guid IPartiesStart.OtherWorkspaceId => CreatorWorkspaceId;
}

[Description("The brand shortlisted the application.")]
public sealed record ApplicationShortlisted(Guid ApplicationId, Guid WorkspaceId, Guid ByUserId, DateTimeOffset At) : IDomainEvent;

[Description("One side declined: the brand the application (with a reason), or the creator the offer. The application ends.")]
public sealed record ApplicationDeclined(Guid ApplicationId, Guid WorkspaceId, Party Side, Guid ByUserId, string? Reason, DateTimeOffset At) : IDomainEvent;

[Description("One side made an offer: the brand's offer, or the creator's counter-offer. The price is per contract or per deliverable, as the campaign's payment model says.")]
public sealed record OfferMade(Guid ApplicationId, Guid WorkspaceId, int Number, Party Side, long Price, string Currency, string? Note, Guid ByUserId, DateTimeOffset At) : IDomainEvent;

[Description("The other side accepted the offer: the application is a contract listing its deliverables, its total and the platform's fee.")]
public sealed record OfferAccepted(Guid ApplicationId, Guid WorkspaceId, int Number, Party Side, Guid ByUserId, long Total, long PlatformFee, string Currency,
    IReadOnlyList<ContractDeliverable> Deliverables, IReadOnlyList<AudienceFigure> Audience, DateTimeOffset At) : IDomainEvent;

[Description("Stripe opened a Checkout Session for the brand to pay the contract (its id only).")]
public sealed record ContractFundingOpened(Guid ApplicationId, Guid WorkspaceId, string CheckoutSessionId, DateTimeOffset At) : IDomainEvent;

[Description("Stripe confirmed the brand's payment: Nexus holds the contract's total until the work is done.")]
public sealed record ContractFunded(Guid ApplicationId, Guid WorkspaceId, string PaymentIntentId, long Amount, string Currency, DateTimeOffset At) : IDomainEvent;

// CreatorPostId, not PostId: an event naming a PostId is one of the post's own stream (postChanged pushes every such event).
[Description("The creator submitted a draft post of their workspace for one deliverable.")]
public sealed record DeliverableSubmitted(Guid ApplicationId, Guid WorkspaceId, int Index, Guid CreatorPostId, int PostVersion, Guid ByUserId, DateTimeOffset At) : IDomainEvent;

[Description("The brand asked for changes to a submitted deliverable, with a comment.")]
public sealed record DeliverableChangesRequested(Guid ApplicationId, Guid WorkspaceId, int Index, string Comment, Guid ByUserId, DateTimeOffset At) : IDomainEvent;

[Description("The brand approved a submitted deliverable; its post is scheduled (PublishAt) through Nexus's publishing.")]
public sealed record DeliverableApproved(Guid ApplicationId, Guid WorkspaceId, int Index, string? Comment, DateTimeOffset PublishAt, Guid ByUserId, DateTimeOffset At) : IDomainEvent;

[Description("A deliverable's post was published on its platform: the contract links the target.")]
public sealed record DeliverablePublished(Guid ApplicationId, Guid WorkspaceId, int Index, Guid CreatorPostId, Guid TargetId, string? ExternalUrl, DateTimeOffset At) : IDomainEvent;

[Description("A published deliverable is no longer live (its post was removed from the platform): it no longer counts as done.")]
public sealed record DeliverableRemoved(Guid ApplicationId, Guid WorkspaceId, int Index, string Reason, DateTimeOffset At) : IDomainEvent;

[Description("Every deliverable was published: the brand reviews until ReviewEndsAt, then the payment is released unless disputed.")]
public sealed record ContractInReview(Guid ApplicationId, Guid WorkspaceId, DateTimeOffset ReviewEndsAt, DateTimeOffset At) : IDomainEvent;

[Description("The brand approved the finished work (ByUserId), or its review window passed (ByUserId null).")]
public sealed record ContractApproved(Guid ApplicationId, Guid WorkspaceId, Guid? ByUserId, DateTimeOffset At) : IDomainEvent;

[Description("The brand disputed the finished work during review: the funds stay held until the brand approves or the creator cancels.")]
public sealed record ContractDisputed(Guid ApplicationId, Guid WorkspaceId, Guid ByUserId, string Reason, DateTimeOffset At) : IDomainEvent;

[Description("The creator's share went to their Stripe account (a Connect transfer, once); the platform kept its fee.")]
public sealed record ContractPaidOut(Guid ApplicationId, Guid WorkspaceId, string TransferId, long Amount, long PlatformFee, string Currency, DateTimeOffset At) : IDomainEvent;

[Description("The contract was cancelled by one side before payment; a paid contract's total went back to the brand (RefundId).")]
public sealed record ContractCancelled(Guid ApplicationId, Guid WorkspaceId, Party Side, Guid ByUserId, string? Reason, string? RefundId, DateTimeOffset At) : IDomainEvent;

[Description("One side of a paid contract rated the other (1 to 5 stars, with an optional comment).")]
public sealed record ContractRated(Guid ApplicationId, Guid WorkspaceId, Party Side, int Stars, string? Comment, Guid ByUserId, DateTimeOffset At) : IDomainEvent;

[Description("A party posted a message in the application's thread.")]
public sealed record ApplicationMessagePosted(Guid ApplicationId, Guid WorkspaceId, Guid MessageId, Party Side, Guid ByUserId, string Body, DateTimeOffset At) : IDomainEvent;

/// <summary>
/// An event that starts a stream two workspaces share: the workspace event index lists the stream's events under
/// both (<c>WorkspaceId</c> and <see cref="OtherWorkspaceId"/>), so each party sees the whole history in its stream.
/// </summary>
public interface IPartiesStart
{
    Guid OtherWorkspaceId { get; }
}

/// <summary>
/// A creator's application to a campaign and, once an offer is accepted, the contract: one stream, projected inline.
/// The brand is the campaign's workspace (<see cref="WorkspaceId"/>); the creator acts through their own workspace,
/// where their accounts are connected and their posts drafted.
/// </summary>
public sealed record CampaignApplication(
    Guid Id,
    Guid WorkspaceId,
    Guid CampaignId,
    Guid CreatorUserId,
    Guid CreatorWorkspaceId,
    string Pitch,
    long Price,
    string Currency,
    IReadOnlyList<AudienceFigure> Audience,
    ApplicationStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    int Version)
{
    public const string TypeName = "Application";
    public const string ContractTypeName = "Contract";

    public IReadOnlyList<Offer> Offers { get; init; } = [];

    public string? DeclineReason { get; init; }

    public Party? DeclinedBy { get; init; }

    public Contract? Contract { get; init; }

    public int MessageCount { get; init; }

    public Offer? PendingOffer => Status == ApplicationStatus.Offered ? Offers[^1] : null;

    /// <summary>Which side the user acts for, by their membership of either workspace; null for an outsider.</summary>
    public static Party? SideOf(Guid brandWorkspaceId, Guid creatorWorkspaceId, Workspaces.Workspace? brand, Workspaces.Workspace? creator, Guid userId, Workspaces.Role minimum) =>
        brand?.Id == brandWorkspaceId && brand.RoleOf(userId) >= minimum ? Party.Brand
        : creator?.Id == creatorWorkspaceId && creator.RoleOf(userId) >= minimum ? Party.Creator
        : null;

    public static CampaignApplication Create(ApplicationSubmitted e) =>
        new(e.ApplicationId, e.WorkspaceId, e.CampaignId, e.CreatorUserId, e.CreatorWorkspaceId, e.Pitch, e.Price, e.Currency, e.Audience, ApplicationStatus.Applied, e.At, e.At, 1);

    public CampaignApplication Apply(ApplicationShortlisted e) => this with { Status = ApplicationStatus.Shortlisted, UpdatedAt = e.At };

    public CampaignApplication Apply(ApplicationDeclined e) => this with
    {
        Status = e.Side == Party.Creator && Status is ApplicationStatus.Applied or ApplicationStatus.Shortlisted ? ApplicationStatus.Withdrawn : ApplicationStatus.Declined,
        DeclineReason = e.Reason,
        DeclinedBy = e.Side,
        UpdatedAt = e.At,
    };

    public CampaignApplication Apply(OfferMade e) => this with
    {
        Status = ApplicationStatus.Offered,
        Offers = [.. Offers, new Offer(e.Number, e.Side, e.Price, e.Currency, e.Note, e.At)],
        UpdatedAt = e.At,
    };

    public CampaignApplication Apply(OfferAccepted e) => this with
    {
        Status = ApplicationStatus.Contracted,
        Offers = [.. Offers.Select(o => o.Number == e.Number ? o with { AcceptedAt = e.At } : o)],
        Contract = new Contract(e.Total, e.PlatformFee, e.Currency, e.Deliverables, ContractStatus.AwaitingFunding, e.At) { AudienceAtAcceptance = e.Audience },
        UpdatedAt = e.At,
    };

    public CampaignApplication Apply(ContractFundingOpened e) => WithContract(c => c with { CheckoutSessionId = e.CheckoutSessionId }, e.At);

    public CampaignApplication Apply(ContractFunded e) =>
        WithContract(c => c with { Status = c.Status == ContractStatus.AwaitingFunding ? ContractStatus.Active : c.Status, PaymentIntentId = e.PaymentIntentId, FundedAt = e.At }, e.At);

    public CampaignApplication Apply(DeliverableSubmitted e) =>
        WithDeliverable(e.Index, d => d with { Status = DeliverableStatus.Submitted, PostId = e.CreatorPostId, PostVersion = e.PostVersion, TargetId = null, ExternalUrl = null, PublishedAt = null }, e.At);

    public CampaignApplication Apply(DeliverableChangesRequested e) => WithDeliverable(e.Index, d => d with { Status = DeliverableStatus.ChangesRequested, LastComment = e.Comment }, e.At);

    public CampaignApplication Apply(DeliverableApproved e) => WithDeliverable(e.Index, d => d with { Status = DeliverableStatus.Approved, LastComment = e.Comment ?? d.LastComment }, e.At);

    public CampaignApplication Apply(DeliverablePublished e) =>
        WithDeliverable(e.Index, d => d with { Status = DeliverableStatus.Published, TargetId = e.TargetId, ExternalUrl = e.ExternalUrl, PublishedAt = e.At }, e.At);

    public CampaignApplication Apply(DeliverableRemoved e) =>
        WithDeliverable(e.Index, d => d with { Status = DeliverableStatus.Removed, LastComment = e.Reason }, e.At) is var removed && removed.Contract is { Status: ContractStatus.InReview } c
            ? removed with { Contract = c with { Status = ContractStatus.Active, ReviewEndsAt = null, ApprovedAt = null } }
            : removed;

    public CampaignApplication Apply(ContractInReview e) => WithContract(c => c with { Status = ContractStatus.InReview, ReviewEndsAt = e.ReviewEndsAt }, e.At);

    public CampaignApplication Apply(ContractApproved e) => WithContract(c => c with { ApprovedAt = e.At, Status = c.Status == ContractStatus.Disputed ? ContractStatus.InReview : c.Status }, e.At);

    public CampaignApplication Apply(ContractDisputed e) => WithContract(c => c with { Status = ContractStatus.Disputed, DisputeReason = e.Reason }, e.At);

    public CampaignApplication Apply(ContractPaidOut e) =>
        WithContract(c => c with { Status = ContractStatus.Paid, TransferId = e.TransferId, PaidOut = e.Amount, PaidAt = e.At }, e.At);

    public CampaignApplication Apply(ContractCancelled e) =>
        WithContract(c => c with { Status = ContractStatus.Cancelled, CancelledBy = e.Side, CancelReason = e.Reason, RefundId = e.RefundId, CancelledAt = e.At }, e.At);

    public CampaignApplication Apply(ContractRated e) =>
        WithContract(c => e.Side == Party.Brand ? c with { BrandRating = new Rating(e.Stars, e.Comment, e.At) } : c with { CreatorRating = new Rating(e.Stars, e.Comment, e.At) }, e.At);

    public CampaignApplication Apply(ApplicationMessagePosted e) => this with { MessageCount = MessageCount + 1, UpdatedAt = e.At };

    private CampaignApplication WithContract(Func<Contract, Contract> change, DateTimeOffset at) =>
        Contract is { } contract ? this with { Contract = change(contract), UpdatedAt = at } : this with { UpdatedAt = at };

    private CampaignApplication WithDeliverable(int index, Func<ContractDeliverable, ContractDeliverable> change, DateTimeOffset at) =>
        WithContract(c => c with { Deliverables = [.. c.Deliverables.Select(d => d.Index == index ? change(d) : d)] }, at);
}

/// <summary>An offer of one side; the last one is the one pending while the application is OFFERED.</summary>
public sealed record Offer(int Number, Party Side, long Price, string Currency, string? Note, DateTimeOffset At)
{
    public DateTimeOffset? AcceptedAt { get; init; }
}

/// <summary>A rating one side gave the other after payment.</summary>
public sealed record Rating(int Stars, string? Comment, DateTimeOffset At);

/// <summary>The terms and state of an accepted offer.</summary>
public sealed record Contract(long Total, long PlatformFee, string Currency, IReadOnlyList<ContractDeliverable> Deliverables, ContractStatus Status, DateTimeOffset StartedAt)
{
    public IReadOnlyList<AudienceFigure> AudienceAtAcceptance { get; init; } = [];

    public string? CheckoutSessionId { get; init; }

    public string? PaymentIntentId { get; init; }

    public DateTimeOffset? FundedAt { get; init; }

    public DateTimeOffset? ReviewEndsAt { get; init; }

    public DateTimeOffset? ApprovedAt { get; init; }

    public string? DisputeReason { get; init; }

    public string? TransferId { get; init; }

    public long PaidOut { get; init; }

    public DateTimeOffset? PaidAt { get; init; }

    public Party? CancelledBy { get; init; }

    public string? CancelReason { get; init; }

    public DateTimeOffset? CancelledAt { get; init; }

    public string? RefundId { get; init; }

    public Rating? BrandRating { get; init; }

    public Rating? CreatorRating { get; init; }

    public long CreatorShare => Total - PlatformFee;

    public bool AllPublished => Deliverables.Count > 0 && Deliverables.All(d => d.Status == DeliverableStatus.Published);

    public bool IsFunded => FundedAt is not null;
}

public sealed class ApplicationMarten : IConfigureMarten
{
    public const string CampaignIndex = "mt_doc_campaignapplication_idx_campaign";
    public const string CreatorIndex = "mt_doc_campaignapplication_idx_creator";

    public void Configure(IServiceProvider services, StoreOptions options)
    {
        options.Projections.Snapshot<CampaignApplication>(SnapshotLifecycle.Inline);
        options.Schema.For<CampaignApplication>()
            // Campaign.applications: oldest first on (CreatedAt, Id).
            .Index([a => a.CampaignId, a => a.CreatedAt, a => a.Id], index => index.Name = CampaignIndex)
            // One application per creator and campaign, held by the database whatever the race.
            .UniqueIndex(Marten.Schema.UniqueIndexType.Computed, "mt_doc_campaignapplication_uidx_campaign_creator", a => a.CampaignId, a => a.CreatorUserId)
            // The creator's own applications (me.applications), newest first.
            .Index([a => a.CreatorUserId, a => a.CreatedAt, a => a.Id], index => index.Name = CreatorIndex);
    }
}

/// <summary>The application does not exist or the caller is no party to it (the same answer: never a hint it exists).</summary>
public sealed record ApplicationNotFoundError()
    : MutationError("NOT_FOUND", "This application does not exist.", ["input", "applicationId"]);

/// <summary>The application (or its contract) is not in a state that allows this; <c>status</c> is where it is.</summary>
public sealed record ApplicationStateError(string Status, string Action)
    : MutationError("APPLICATION_STATE", $"An application that is {Status} cannot be {Action}.", ["input", "applicationId"]);

/// <summary>This step is the other party's (e.g. accepting one's own offer, a creator shortlisting).</summary>
public sealed record NotYourTurnError(string Action)
    : MutationError("NOT_YOUR_TURN", $"Only the other party can {Action}.", ["input", "applicationId"]);
