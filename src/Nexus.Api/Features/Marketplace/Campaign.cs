using System.ComponentModel;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.Infrastructure;
using Nexus.Api.Platforms;

namespace Nexus.Api.Features.Marketplace;

/// <summary>
/// DRAFT while the brand prepares it (only its workspace sees it); OPEN: creators find it and apply; CLOSED: no new
/// applications, contracts go on; COMPLETED: every contract ended; CANCELLED: ended before that.
/// </summary>
public enum CampaignStatus
{
    Draft,
    Open,
    Closed,
    Completed,
    Cancelled,
}

/// <summary>PUBLIC: every creator can find it; INVITE_ONLY: only the creators the brand invited.</summary>
public enum CampaignVisibility
{
    Public,
    InviteOnly,
}

/// <summary>FIXED_PER_CREATOR: the agreed price is for the whole contract; PER_DELIVERABLE: it is paid per deliverable.</summary>
public enum PaymentModel
{
    FixedPerCreator,
    PerDeliverable,
}

/// <summary>What a campaign asks for on one platform: <c>Count</c> pieces of a format ("reel", "story", "post").</summary>
public sealed record DeliverableSpec(PlatformId Platform, string Format, int Count);

/// <summary>The least followers a creator's connected account on a platform must have, as measured.</summary>
public sealed record FollowerMinimum(PlatformId Platform, long Followers);

/// <summary>Who may apply: measured followers per platform, and (when not empty) one of the niches and one of the countries.</summary>
public sealed record CampaignRequirements(IReadOnlyList<FollowerMinimum> MinFollowers, IReadOnlyList<string> Niches, IReadOnlyList<string> Countries)
{
    public static readonly CampaignRequirements None = new([], [], []);
}

[Description("A brand workspace drafted a campaign: its brief, platforms, deliverables, budget, payment model, dates, requirements and visibility.")]
public sealed record CampaignCreated(Guid CampaignId, Guid WorkspaceId, Guid ByUserId, string Title, string Brief, IReadOnlyList<DeliverableSpec> Deliverables,
    long Budget, string Currency, PaymentModel PaymentModel, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, CampaignRequirements Requirements,
    CampaignVisibility Visibility, DateTimeOffset At) : IDomainEvent;

[Description("The campaign opened: creators who qualify can find it and apply.")]
public sealed record CampaignOpened(Guid CampaignId, Guid WorkspaceId, Guid ByUserId, DateTimeOffset At) : IDomainEvent;

[Description("The campaign stopped taking applications; its contracts go on.")]
public sealed record CampaignClosed(Guid CampaignId, Guid WorkspaceId, Guid ByUserId, DateTimeOffset At) : IDomainEvent;

[Description("The campaign was cancelled: pending applications and offers end; contracts not yet paid are cancelled (funds back to the brand).")]
public sealed record CampaignCancelled(Guid CampaignId, Guid WorkspaceId, Guid ByUserId, string? Reason, DateTimeOffset At) : IDomainEvent;

[Description("Every contract of the closed campaign ended: the campaign is complete.")]
public sealed record CampaignCompleted(Guid CampaignId, Guid WorkspaceId, DateTimeOffset At) : IDomainEvent;

[Description("The brand invited a creator to an invite-only campaign.")]
public sealed record CampaignCreatorInvited(Guid CampaignId, Guid WorkspaceId, Guid CreatorUserId, Guid ByUserId, DateTimeOffset At) : IDomainEvent;

[Description("An accepted offer took its total from the campaign's budget (in the same transaction as the acceptance, so the budget is never overspent).")]
public sealed record CampaignBudgetCommitted(Guid CampaignId, Guid WorkspaceId, Guid ApplicationId, long Amount, DateTimeOffset At) : IDomainEvent;

[Description("A contract ended unpaid: its total went back to the campaign's budget.")]
public sealed record CampaignBudgetReleased(Guid CampaignId, Guid WorkspaceId, Guid ApplicationId, long Amount, DateTimeOffset At) : IDomainEvent;

/// <summary>A brand's campaign, one stream each, projected inline.</summary>
public sealed record Campaign(
    Guid Id,
    Guid WorkspaceId,
    string Title,
    string Brief,
    IReadOnlyList<DeliverableSpec> Deliverables,
    long Budget,
    string Currency,
    PaymentModel PaymentModel,
    DateTimeOffset? StartsAt,
    DateTimeOffset? EndsAt,
    CampaignRequirements Requirements,
    CampaignVisibility Visibility,
    CampaignStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    int Version)
{
    public const string TypeName = "Campaign";

    public PlatformId[] Platforms { get; init; } = [];

    public IReadOnlyList<Guid> Invited { get; init; } = [];

    /// <summary>The budget taken by accepted offers whose contracts did not end unpaid, per application.</summary>
    public IReadOnlyDictionary<Guid, long> Committed { get; init; } = new Dictionary<Guid, long>();

    /// <summary>Lower-cased title and brief, for the search (a duplicated column).</summary>
    public string SearchText { get; init; } = "";

    public DateTimeOffset? OpenedAt { get; init; }

    public long BudgetLeft => Budget - Committed.Values.Sum();

    public int DeliverableCount => Deliverables.Sum(d => d.Count);

    public bool Sees(Guid creatorUserId) => Visibility == CampaignVisibility.Public || Invited.Contains(creatorUserId);

    public static Campaign Create(CampaignCreated e) =>
        new(e.CampaignId, e.WorkspaceId, e.Title, e.Brief, e.Deliverables, e.Budget, e.Currency, e.PaymentModel, e.StartsAt, e.EndsAt, e.Requirements, e.Visibility,
            CampaignStatus.Draft, e.At, e.At, 1)
        {
            Platforms = [.. e.Deliverables.Select(d => d.Platform).Distinct().Order()],
            SearchText = $"{e.Title}\n{e.Brief}".ToLowerInvariant(),
        };

    public Campaign Apply(CampaignOpened e) => this with { Status = CampaignStatus.Open, OpenedAt = e.At, UpdatedAt = e.At };

    public Campaign Apply(CampaignClosed e) => this with { Status = CampaignStatus.Closed, UpdatedAt = e.At };

    public Campaign Apply(CampaignCancelled e) => this with { Status = CampaignStatus.Cancelled, UpdatedAt = e.At };

    public Campaign Apply(CampaignCompleted e) => this with { Status = CampaignStatus.Completed, UpdatedAt = e.At };

    public Campaign Apply(CampaignCreatorInvited e) => this with { Invited = [.. Invited, e.CreatorUserId], UpdatedAt = e.At };

    public Campaign Apply(CampaignBudgetCommitted e) => this with { Committed = new Dictionary<Guid, long>(Committed) { [e.ApplicationId] = e.Amount }, UpdatedAt = e.At };

    public Campaign Apply(CampaignBudgetReleased e)
    {
        var committed = new Dictionary<Guid, long>(Committed);
        committed.Remove(e.ApplicationId);
        return this with { Committed = committed, UpdatedAt = e.At };
    }
}

/// <summary>A closed campaign is complete once every contract made on it has ended (paid or cancelled).</summary>
public static class CampaignCompletion
{
    /// <summary>
    /// Appends <see cref="CampaignCompleted"/> when the contract of <paramref name="ending"/>, ending in this transaction,
    /// was the last one under way of a closed campaign. The campaign is read for writing, so a contract accepted
    /// meanwhile makes one of the two transactions run again.
    /// </summary>
    public static async Task CheckAsync(IDocumentSession session, IEventStream<Campaign> stream, Guid ending, DateTimeOffset now, CancellationToken ct)
    {
        if (stream.Aggregate is not { Status: CampaignStatus.Closed } campaign)
        {
            return;
        }

        var others = campaign.Committed.Keys.Where(id => id != ending).ToArray();
        var underWay = others.Length > 0 &&
            (await session.LoadManyAsync<CampaignApplication>(ct, others)).Any(a => a.Contract is { Status: not (ContractStatus.Paid or ContractStatus.Cancelled) });
        if (!underWay)
        {
            stream.AppendOne(new CampaignCompleted(campaign.Id, campaign.WorkspaceId, now));
        }
    }
}

public sealed class CampaignMarten : IConfigureMarten
{
    public const string ListingIndex = "mt_doc_campaign_idx_listing";
    public const string OpenIndex = "mt_doc_campaign_idx_open";

    public void Configure(IServiceProvider services, StoreOptions options)
    {
        options.Projections.Snapshot<Campaign>(SnapshotLifecycle.Inline);
        options.Schema.For<Campaign>()
            // Workspace.campaigns: newest first on (CreatedAt, Id).
            .Index([c => c.WorkspaceId, c => c.CreatedAt, c => c.Id], index => index.Name = ListingIndex)
            // campaigns(...): the open campaigns, newest first; the search and the platform filter these rows.
            .Index([c => c.Status, c => c.CreatedAt, c => c.Id], index => index.Name = OpenIndex);
    }
}

/// <summary>The campaign does not exist or the caller may not see it (a draft of another workspace, an invite-only campaign they were not invited to).</summary>
public sealed record CampaignNotFoundError()
    : MutationError("NOT_FOUND", "This campaign does not exist.", ["input", "campaignId"]);

/// <summary>The campaign is not in a state that allows this (e.g. applying to a closed campaign, opening a cancelled one).</summary>
public sealed record CampaignStateError(CampaignStatus Status, string Action)
    : MutationError("CAMPAIGN_STATE", $"A {Status.ToString().ToUpperInvariant()} campaign cannot be {Action}.", ["input", "campaignId"]);
