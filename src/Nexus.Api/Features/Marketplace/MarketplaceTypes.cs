using GraphQL;
using GraphQL.DataLoader;
using GraphQL.Types;
using Marten;
using Nexus.Api.Features.Analytics.PostMetrics;
using Nexus.Api.Features.Posts;
using Nexus.Api.Features.Storefront;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Loading;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.GraphQL.Scalars;
using Nexus.Api.Platforms;

namespace Nexus.Api.Features.Marketplace;

public sealed class CampaignStatusType : EnumerationGraphType<CampaignStatus>
{
    public CampaignStatusType()
    {
        Name = "CampaignStatus";
        Description = "DRAFT (only the brand sees it), OPEN (creators apply), CLOSED (no new applications), COMPLETED or CANCELLED.";
    }
}

public sealed class CampaignVisibilityType : EnumerationGraphType<CampaignVisibility>
{
    public CampaignVisibilityType()
    {
        Name = "CampaignVisibility";
        Description = "PUBLIC: every creator finds it; INVITE_ONLY: only the creators the brand invited.";
    }
}

public sealed class PaymentModelType : EnumerationGraphType<PaymentModel>
{
    public PaymentModelType()
    {
        Name = "PaymentModel";
        Description = "FIXED_PER_CREATOR: the agreed price is the contract's total; PER_DELIVERABLE: it is paid for each deliverable.";
    }
}

public sealed class ApplicationStatusType : EnumerationGraphType<ApplicationStatus>
{
    public ApplicationStatusType()
    {
        Name = "ApplicationStatus";
        Description = "APPLIED, SHORTLISTED, OFFERED (an offer waits for the other side), CONTRACTED, DECLINED or WITHDRAWN.";
    }
}

public sealed class PartyType : EnumerationGraphType<Party>
{
    public PartyType()
    {
        Name = "Party";
        Description = "BRAND (members of the campaign's workspace) or CREATOR (members of the creator's workspace).";
    }
}

public sealed class ContractStatusType : EnumerationGraphType<ContractStatus>
{
    public ContractStatusType()
    {
        Name = "ContractStatus";
        Description = "AWAITING_FUNDING, ACTIVE (funded; work under way), IN_REVIEW (all published; the brand reviews), PAID, DISPUTED (funds held) or CANCELLED.";
    }
}

public sealed class DeliverableStatusType : EnumerationGraphType<DeliverableStatus>
{
    public DeliverableStatusType()
    {
        Name = "DeliverableStatus";
        Description = "PENDING, SUBMITTED, CHANGES_REQUESTED, APPROVED (scheduled), PUBLISHED (done while live) or REMOVED (published, then taken down).";
    }
}

public sealed class DeliverableSpecType : ObjectGraphType<DeliverableSpec>
{
    public DeliverableSpecType()
    {
        Name = "DeliverableSpec";
        Description = "What the campaign asks for on one platform: `count` pieces of a `format` (\"reel\", \"story\").";
        Field<NonNullGraphType<PlatformIdType>, PlatformId>("platform").Resolve(ctx => ctx.Source.Platform);
        Field<NonNullGraphType<StringGraphType>, string>("format").Resolve(ctx => ctx.Source.Format);
        Field<NonNullGraphType<IntGraphType>, int>("count").Resolve(ctx => ctx.Source.Count);
    }
}

public sealed class FollowerMinimumType : ObjectGraphType<FollowerMinimum>
{
    public FollowerMinimumType()
    {
        Name = "FollowerMinimum";
        Field<NonNullGraphType<PlatformIdType>, PlatformId>("platform").Resolve(ctx => ctx.Source.Platform);
        Field<NonNullGraphType<LongGraphType>, long>("followers").Resolve(ctx => ctx.Source.Followers);
    }
}

public sealed class CampaignRequirementsType : ObjectGraphType<CampaignRequirements>
{
    public CampaignRequirementsType()
    {
        Name = "CampaignRequirements";
        Description = "Who may apply: measured followers per platform, and one of the niches and of the countries when they are listed.";
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<FollowerMinimumType>>>, IReadOnlyList<FollowerMinimum>>("minFollowers").Resolve(ctx => ctx.Source.MinFollowers);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>, IReadOnlyList<string>>("niches").Resolve(ctx => ctx.Source.Niches);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>, IReadOnlyList<string>>("countries").Description("ISO 3166-1 alpha-2 codes.").Resolve(ctx => ctx.Source.Countries);
    }
}

/// <summary>Whether the caller's creator profile meets a campaign's requirements, by its measured audience.</summary>
public sealed record Qualification(bool Qualifies, IReadOnlyList<string> Unmet);

public sealed class QualificationType : ObjectGraphType<Qualification>
{
    public QualificationType()
    {
        Name = "Qualification";
        Description = "Whether your creator profile meets the campaign's requirements, judged on your measured audience.";
        Field<NonNullGraphType<BooleanGraphType>, bool>("qualifies").Resolve(ctx => ctx.Source.Qualifies);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>, IReadOnlyList<string>>("unmet").Description("What is not met, in words; empty when you qualify.")
            .Resolve(ctx => ctx.Source.Unmet);
    }
}

/// <summary><c>Campaign</c>: seen by the brand's members always, by signed-in creators once it is open (invite-only ones by the invited).</summary>
public sealed class CampaignType : ObjectGraphType<Campaign>
{
    public CampaignType()
    {
        Name = Campaign.TypeName;
        Description = "A brand's campaign: brief, deliverables, budget, requirements and the applications it received.";
        this.NodeId(c => c.Id);
        Field<NonNullGraphType<StringGraphType>, string>("title").Resolve(ctx => ctx.Source.Title);
        Field<NonNullGraphType<StringGraphType>, string>("brief").Resolve(ctx => ctx.Source.Brief);
        Field<NonNullGraphType<CampaignStatusType>, CampaignStatus>("status").Resolve(ctx => ctx.Source.Status);
        Field<NonNullGraphType<CampaignVisibilityType>, CampaignVisibility>("visibility").Resolve(ctx => ctx.Source.Visibility);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<PlatformIdType>>>, PlatformId[]>("platforms").Resolve(ctx => ctx.Source.Platforms);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<DeliverableSpecType>>>, IReadOnlyList<DeliverableSpec>>("deliverables").Resolve(ctx => ctx.Source.Deliverables);
        Field<NonNullGraphType<MoneyType>, Money>("budget").Resolve(ctx => new Money(ctx.Source.Budget, ctx.Source.Currency));
        Field<NonNullGraphType<MoneyType>, Money>("budgetLeft").Description("The budget not taken by accepted offers.").Resolve(ctx => new Money(ctx.Source.BudgetLeft, ctx.Source.Currency));
        Field<NonNullGraphType<PaymentModelType>, PaymentModel>("paymentModel").Resolve(ctx => ctx.Source.PaymentModel);
        Field<DateTimeScalar, DateTimeOffset?>("startsAt").Resolve(ctx => ctx.Source.StartsAt);
        Field<DateTimeScalar, DateTimeOffset?>("endsAt").Resolve(ctx => ctx.Source.EndsAt);
        Field<NonNullGraphType<CampaignRequirementsType>, CampaignRequirements>("requirements").Resolve(ctx => ctx.Source.Requirements);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("createdAt").Resolve(ctx => ctx.Source.CreatedAt);
        Field<DateTimeScalar, DateTimeOffset?>("openedAt").Resolve(ctx => ctx.Source.OpenedAt);
        Field<NonNullGraphType<IntGraphType>, int>("version").Resolve(ctx => ctx.Source.Version);
        Field<QualificationType, Qualification>("qualification")
            .Description("Whether your creator profile meets the requirements now (your latest measured audience); null without a profile.")
            .ResolveAsync(async ctx => await CampaignReads.QualificationAsync(ctx.Source, ctx.RequestServices!, ctx.UserId(), ctx.CancellationToken));
        Field<ApplicationType, CampaignApplication>("myApplication").Description("Your own application to this campaign, if you applied.")
            .ResolveAsync(async ctx => ctx.UserId() is { } user
                ? await ctx.RequestServices!.GetRequiredService<IQuerySession>().Query<CampaignApplication>()
                    .FirstOrDefaultAsync(a => a.CampaignId == ctx.Source.Id && a.CreatorUserId == user, ctx.CancellationToken)
                : null);
        Field<NonNullGraphType<global::GraphQL.Types.Relay.ConnectionType<ApplicationType, global::GraphQL.Types.Relay.EdgeType<ApplicationType>>>, object>("applications")
            .Description("The applications received, oldest first. Members of the brand's workspace only.")
            .Paged()
            .RequireWorkspaceRole(Role.Viewer, ctx => ((Campaign)ctx.Source!).WorkspaceId)
            .FirstPartyOnly()
            .ResolveAsync(async ctx => await CampaignReads.ApplicationsAsync(ctx.Source.Id, ctx));
    }
}

public sealed class AudienceFigureType : ObjectGraphType<AudienceFigure>
{
    public AudienceFigureType()
    {
        Name = "AudienceFigure";
        Description = "Followers of the creator's largest connected account on a platform, as Nexus read it from the platform (never typed in).";
        Field<NonNullGraphType<PlatformIdType>, PlatformId>("platform").Resolve(ctx => ctx.Source.Platform);
        Field<NonNullGraphType<LongGraphType>, long>("followers").Resolve(ctx => ctx.Source.Followers);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("measuredAt").Resolve(ctx => ctx.Source.MeasuredAt);
    }
}

public sealed class RateCardType : ObjectGraphType<RateCard>
{
    public RateCardType()
    {
        Name = "RateCard";
        Field<NonNullGraphType<StringGraphType>, string>("deliverable").Description("E.g. \"1 Instagram reel\".").Resolve(ctx => ctx.Source.Deliverable);
        Field<NonNullGraphType<MoneyType>, Money>("price").Resolve(ctx => new Money(ctx.Source.Amount, ctx.Source.Currency));
    }
}

public sealed class RatingType : ObjectGraphType<Rating>
{
    public RatingType()
    {
        Name = "Rating";
        Field<NonNullGraphType<IntGraphType>, int>("stars").Description("1 to 5.").Resolve(ctx => ctx.Source.Stars);
        Field<StringGraphType, string?>("comment").Resolve(ctx => ctx.Source.Comment);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("at").Resolve(ctx => ctx.Source.At);
    }
}

/// <summary><c>CreatorProfile</c>: public to every signed-in person (the marketplace is where creators are found); payout details to the creator only.</summary>
public sealed class CreatorProfileType : ObjectGraphType<CreatorProfile>
{
    public CreatorProfileType(TypeExtensionRegistry extensions)
    {
        Name = CreatorProfile.TypeName;
        Description = "A creator's marketplace profile. Its audience comes from the creator's connected accounts, with when it was measured.";
        this.NodeId(p => p.Id);
        Field<NonNullGraphType<StringGraphType>, string>("displayName").Resolve(ctx => ctx.Source.DisplayName);
        Field<NonNullGraphType<StringGraphType>, string>("bio").Resolve(ctx => ctx.Source.Bio);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>, IReadOnlyList<string>>("niches").Resolve(ctx => ctx.Source.Niches);
        Field<StringGraphType, string?>("country").Description("ISO 3166-1 alpha-2.").Resolve(ctx => ctx.Source.Country);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<RateCardType>>>, IReadOnlyList<RateCard>>("rates").Resolve(ctx => ctx.Source.Rates);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>, IReadOnlyList<string>>("samplePostUrls")
            .Description("The published addresses of the sample posts the creator picked (posts of their workspace that are published).")
            .ResolveAsync(async ctx => (IReadOnlyList<string>)[.. (await ctx.RequestServices!.GetRequiredService<IQuerySession>().LoadManyAsync<Post>(ctx.CancellationToken, ctx.Source.SamplePostIds))
                .Where(p => p.WorkspaceId == ctx.Source.WorkspaceId)
                .SelectMany(p => p.Targets.Where(t => t.Status == TargetStatus.Published && t.ExternalUrl is not null).Select(t => t.ExternalUrl!))]);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<AudienceFigureType>>>, IReadOnlyList<AudienceFigure>>("audience")
            .Description("Followers per platform as last measured from the connected accounts of the creator's workspace.")
            .ResolveAsync(async ctx => await ctx.RequestServices!.GetRequiredService<CreatorAudience>()
                .OfAsync(ctx.RequestServices!.GetRequiredService<IQuerySession>(), ctx.Source.WorkspaceId, ctx.CancellationToken));
        Field<NonNullGraphType<BooleanGraphType>, bool>("payoutsEnabled").Description("Whether Stripe can pay this creator (startCreatorPayouts).")
            .Resolve(ctx => ctx.Source.PayoutsEnabled);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("updatedAt").Resolve(ctx => ctx.Source.UpdatedAt);
        extensions.Extend(this);
    }
}

public sealed class OfferType : ObjectGraphType<Offer>
{
    public OfferType()
    {
        Name = "Offer";
        Description = "An offer of one side: the brand's, or the creator's counter-offer. The price is per contract or per deliverable, as the payment model says.";
        Field<NonNullGraphType<IntGraphType>, int>("number").Resolve(ctx => ctx.Source.Number);
        Field<NonNullGraphType<PartyType>, Party>("by").Resolve(ctx => ctx.Source.Side);
        Field<NonNullGraphType<MoneyType>, Money>("price").Resolve(ctx => new Money(ctx.Source.Price, ctx.Source.Currency));
        Field<StringGraphType, string?>("note").Resolve(ctx => ctx.Source.Note);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("at").Resolve(ctx => ctx.Source.At);
        Field<DateTimeScalar, DateTimeOffset?>("acceptedAt").Resolve(ctx => ctx.Source.AcceptedAt);
    }
}

/// <summary><c>Application</c>: to its two parties only.</summary>
public sealed class ApplicationType : ObjectGraphType<CampaignApplication>
{
    public ApplicationType(TypeExtensionRegistry extensions)
    {
        Name = CampaignApplication.TypeName;
        Description = "A creator's application to a campaign, its offers and, once one is accepted, its contract. Only its parties see it.";
        this.NodeId(a => a.Id);
        Field<CampaignType, Campaign>("campaign")
            .ResolveAsync(async ctx => await ctx.RequestServices!.GetRequiredService<IQuerySession>().LoadAsync<Campaign>(ctx.Source.CampaignId, ctx.CancellationToken));
        Field<CreatorProfileType, CreatorProfile>("creator")
            .ResolveAsync(async ctx => await ctx.RequestServices!.GetRequiredService<IQuerySession>().Query<CreatorProfile>()
                .FirstOrDefaultAsync(p => p.UserId == ctx.Source.CreatorUserId, ctx.CancellationToken));
        Field<NonNullGraphType<StringGraphType>, string>("pitch").Resolve(ctx => ctx.Source.Pitch);
        Field<NonNullGraphType<MoneyType>, Money>("price").Description("The creator's asking price when applying.").Resolve(ctx => new Money(ctx.Source.Price, ctx.Source.Currency));
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<AudienceFigureType>>>, IReadOnlyList<AudienceFigure>>("audience")
            .Description("The creator's measured audience when they applied.").Resolve(ctx => ctx.Source.Audience);
        Field<NonNullGraphType<ApplicationStatusType>, ApplicationStatus>("status").Resolve(ctx => ctx.Source.Status);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<OfferType>>>, IReadOnlyList<Offer>>("offers").Description("Every offer, oldest first.").Resolve(ctx => ctx.Source.Offers);
        Field<OfferType, Offer>("pendingOffer").Description("The offer waiting for an answer while OFFERED.").Resolve(ctx => ctx.Source.PendingOffer);
        Field<StringGraphType, string?>("declineReason").Resolve(ctx => ctx.Source.DeclineReason);
        Field<PartyType, Party?>("declinedBy").Resolve(ctx => ctx.Source.DeclinedBy);
        Field<ContractType, ContractView>("contract").Description("The contract, once an offer was accepted.").Resolve(ctx => ctx.Source.Contract is null ? null : new ContractView(ctx.Source));
        Field<NonNullGraphType<IntGraphType>, int>("messageCount").Resolve(ctx => ctx.Source.MessageCount);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("createdAt").Resolve(ctx => ctx.Source.CreatedAt);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("updatedAt").Resolve(ctx => ctx.Source.UpdatedAt);
        Field<NonNullGraphType<IntGraphType>, int>("version").Resolve(ctx => ctx.Source.Version);
        extensions.Extend(this);
    }
}

/// <summary>A contract: its application, seen as the contract it became (a type of its own, so that <c>node(id)</c> tells the two apart).</summary>
public sealed record ContractView(CampaignApplication Application)
{
    public Contract Terms => Application.Contract!;
}

/// <summary><c>Contract</c>: an accepted offer's terms, work and money; the same id as its application, under its own type.</summary>
public sealed class ContractType : ObjectGraphType<ContractView>
{
    public ContractType()
    {
        Name = CampaignApplication.ContractTypeName;
        Description = "The contract an accepted offer made: its deliverables, the money held and released, and the ratings. Only its parties see it.";
        this.NodeId(c => c.Application.Id);
        Field<NonNullGraphType<ApplicationType>, CampaignApplication>("application").Resolve(ctx => ctx.Source.Application);
        Field<NonNullGraphType<ContractStatusType>, ContractStatus>("status").Resolve(ctx => ctx.Source.Terms.Status);
        Field<NonNullGraphType<MoneyType>, Money>("total").Description("What the brand pays.").Resolve(ctx => new Money(ctx.Source.Terms.Total, ctx.Source.Terms.Currency));
        Field<NonNullGraphType<MoneyType>, Money>("platformFee").Description("What Nexus keeps (Nexus:Marketplace:PlatformFeeBasisPoints).")
            .Resolve(ctx => new Money(ctx.Source.Terms.PlatformFee, ctx.Source.Terms.Currency));
        Field<NonNullGraphType<MoneyType>, Money>("creatorShare").Description("What the creator is paid: total minus the fee.")
            .Resolve(ctx => new Money(ctx.Source.Terms.CreatorShare, ctx.Source.Terms.Currency));
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<ContractDeliverableType>>>, IEnumerable<DeliverableView>>("deliverables")
            .Resolve(ctx => ctx.Source.Terms.Deliverables.Select(d => new DeliverableView(ctx.Source.Application, d)));
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<AudienceFigureType>>>, IReadOnlyList<AudienceFigure>>("audienceAtAcceptance")
            .Description("The creator's audience, read again from the platforms when the offer was accepted.").Resolve(ctx => ctx.Source.Terms.AudienceAtAcceptance);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("startedAt").Resolve(ctx => ctx.Source.Terms.StartedAt);
        Field<DateTimeScalar, DateTimeOffset?>("fundedAt").Resolve(ctx => ctx.Source.Terms.FundedAt);
        Field<DateTimeScalar, DateTimeOffset?>("reviewEndsAt").Description("When the payment is released if the brand neither approves nor disputes.").Resolve(ctx => ctx.Source.Terms.ReviewEndsAt);
        Field<DateTimeScalar, DateTimeOffset?>("approvedAt").Resolve(ctx => ctx.Source.Terms.ApprovedAt);
        Field<StringGraphType, string?>("disputeReason").Resolve(ctx => ctx.Source.Terms.DisputeReason);
        Field<NonNullGraphType<MoneyType>, Money>("paidOut").Description("What was transferred to the creator.").Resolve(ctx => new Money(ctx.Source.Terms.PaidOut, ctx.Source.Terms.Currency));
        Field<DateTimeScalar, DateTimeOffset?>("paidAt").Resolve(ctx => ctx.Source.Terms.PaidAt);
        Field<PartyType, Party?>("cancelledBy").Resolve(ctx => ctx.Source.Terms.CancelledBy);
        Field<StringGraphType, string?>("cancelReason").Resolve(ctx => ctx.Source.Terms.CancelReason);
        Field<RatingType, Rating>("brandRating").Description("The brand's rating of the creator.").Resolve(ctx => ctx.Source.Terms.BrandRating);
        Field<RatingType, Rating>("creatorRating").Description("The creator's rating of the brand.").Resolve(ctx => ctx.Source.Terms.CreatorRating);
    }
}

/// <summary>A deliverable with the contract it belongs to (its fields read the contract's parties and the post).</summary>
public sealed record DeliverableView(CampaignApplication Application, ContractDeliverable Deliverable);

public sealed class ContractDeliverableType : ObjectGraphType<DeliverableView>
{
    public ContractDeliverableType()
    {
        Name = "ContractDeliverable";
        Description = "One piece of work of a contract: the post the creator submitted, its review, and once published its address and metrics.";
        Field<NonNullGraphType<IntGraphType>, int>("index").Description("Its place in the contract, from 0.").Resolve(ctx => ctx.Source.Deliverable.Index);
        Field<NonNullGraphType<PlatformIdType>, PlatformId>("platform").Resolve(ctx => ctx.Source.Deliverable.Platform);
        Field<NonNullGraphType<StringGraphType>, string>("format").Resolve(ctx => ctx.Source.Deliverable.Format);
        Field<NonNullGraphType<DeliverableStatusType>, DeliverableStatus>("status").Resolve(ctx => ctx.Source.Deliverable.Status);
        Field<PostType, Post>("post").Description("The creator's post for it (in the creator's workspace), as it now is.")
            .ResolveAsync(async ctx => ctx.Source.Deliverable.PostId is { } id
                ? await ctx.RequestServices!.GetRequiredService<IQuerySession>().LoadAsync<Post>(id, ctx.CancellationToken)
                : null);
        Field<StringGraphType, string?>("externalUrl").Description("Where it is published.").Resolve(ctx => ctx.Source.Deliverable.ExternalUrl);
        Field<DateTimeScalar, DateTimeOffset?>("publishedAt").Resolve(ctx => ctx.Source.Deliverable.PublishedAt);
        Field<StringGraphType, string?>("lastComment").Description("The brand's last review comment (or why it was removed).").Resolve(ctx => ctx.Source.Deliverable.LastComment);
        Field<PostTargetMetricsType, IDataLoaderResult<TargetMetrics?>>("metrics")
            .Description("The published target's metrics from Nexus's analytics, for both parties; null before publication.")
            .Resolve(ctx => ctx.Source.Deliverable is { TargetId: { } target, PublishedAt: { } publishedAt }
                // The row is made a moment after publication (asynchronously): until then, what it will say, as PostTarget.metrics answers.
                ? ctx.Load(MetricLoaders.ByTarget, target).Then(row => (TargetMetrics?)(row ?? new TargetMetrics(target, null, Analytics.Syncing.SyncSchedule.First(publishedAt), null)))
                : ((TargetMetrics?)null).AsLoaded());
    }
}

/// <summary>Campaigns by id through <c>node(id)</c>: the brand's members, or any signed-in person once it is open and visible to them.</summary>
public sealed class CampaignNodeResolver : INodeResolver
{
    public string TypeName => Campaign.TypeName;

    public string? Scope => null;

    public IDataLoaderResult Resolve(Guid id, IResolveFieldContext context) =>
        BatchLoadingExtensions.Deferred(_ => CampaignReads.VisibleAsync(id, context));
}

/// <summary>Applications and contracts by id through <c>node(id)</c>: their parties only.</summary>
public sealed class ApplicationNodeResolver : INodeResolver
{
    public string TypeName => CampaignApplication.TypeName;

    public string? Scope => null;

    public IDataLoaderResult Resolve(Guid id, IResolveFieldContext context) =>
        BatchLoadingExtensions.Deferred(_ => CampaignReads.PartyViewAsync(id, context));
}

public sealed class ContractNodeResolver : INodeResolver
{
    public string TypeName => CampaignApplication.ContractTypeName;

    public string? Scope => null;

    public IDataLoaderResult Resolve(Guid id, IResolveFieldContext context) =>
        BatchLoadingExtensions.Deferred(_ => ContractOfAsync(id, context));

    private static async Task<ContractView?> ContractOfAsync(Guid id, IResolveFieldContext context) =>
        await CampaignReads.PartyViewAsync(id, context) is { Contract: not null } application ? new ContractView(application) : null;
}

public sealed class CreatorProfileNodeResolver : INodeResolver
{
    public string TypeName => CreatorProfile.TypeName;

    public string? Scope => null;

    public IDataLoaderResult Resolve(Guid id, IResolveFieldContext context) =>
        BatchLoadingExtensions.Deferred(ct => context.RequestServices!.GetRequiredService<IQuerySession>().LoadAsync<CreatorProfile>(id, ct));
}
