using FluentValidation;
using GraphQL;
using Marten;
using Nexus.Api.Features.Storefront;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.Platforms;

namespace Nexus.Api.Features.Marketplace.Campaigns;

/// <summary>A brand workspace drafts a campaign. Money is committed later, contract by contract, against <see cref="Budget"/>.</summary>
public sealed record CreateCampaign(Guid WorkspaceId, Guid UserId, string Title, string Brief, IReadOnlyList<DeliverableSpec> Deliverables, long Budget, string Currency,
    PaymentModel PaymentModel, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, CampaignRequirements Requirements, CampaignVisibility Visibility)
{
    public const int MaxTitleLength = 120;
    public const int MaxBriefLength = 5000;
    public const int MaxDeliverableKinds = 10;
    public const int MaxDeliverables = 50;
    public const int MaxFormatLength = 40;
    public const int MaxListLength = 50;

    public sealed class Validator : AbstractValidator<CreateCampaign>
    {
        public Validator()
        {
            RuleFor(c => c.Title).Must(t => t.Trim().Length is >= 1 and <= MaxTitleLength).WithMessage($"1 to {MaxTitleLength} characters.");
            RuleFor(c => c.Brief).MaximumLength(MaxBriefLength).WithMessage($"At most {MaxBriefLength} characters.");
            RuleFor(c => c.Deliverables)
                .Must(d => d.Count is >= 1 and <= MaxDeliverableKinds).WithMessage($"1 to {MaxDeliverableKinds} kinds of deliverable.")
                .Must(d => d.Sum(x => Math.Clamp(x.Count, 0, MaxDeliverables)) <= MaxDeliverables).WithMessage($"At most {MaxDeliverables} deliverables in all.");
            RuleForEach(c => c.Deliverables).ChildRules(d =>
            {
                d.RuleFor(x => x.Count).InclusiveBetween(1, MaxDeliverables).WithMessage($"1 to {MaxDeliverables}.");
                d.RuleFor(x => x.Format).Must(f => f.Trim().Length is >= 1 and <= MaxFormatLength).WithMessage($"1 to {MaxFormatLength} characters, like reel or story.");
            });
            RuleFor(c => c.Budget).InclusiveBetween(1, ProductRules.MaxAmount * 100).WithMessage($"1 to {ProductRules.MaxAmount * 100} in minor units (cents).");
            RuleFor(c => c.Currency).Must(Currencies.IsKnown).WithMessage("Use an ISO 4217 currency code, like EUR or USD.");
            RuleFor(c => c.EndsAt).Must((c, end) => end is null || c.StartsAt is null || end > c.StartsAt).WithMessage("The end comes after the start.");
            RuleFor(c => c.Requirements.MinFollowers)
                .Must(m => m.Select(x => x.Platform).Distinct().Count() == m.Count).WithMessage("One minimum per platform.")
                .Must(m => m.All(x => x.Followers is >= 0 and <= 10_000_000_000)).WithMessage("0 to 10,000,000,000 followers.");
            RuleFor(c => c.Requirements.Niches).Must(n => n.Count <= MaxListLength && n.All(x => x.Trim().Length is >= 1 and <= 40)).WithMessage($"At most {MaxListLength} niches of 1 to 40 characters.");
            RuleFor(c => c.Requirements.Countries)
                .Must(n => n.Count <= MaxListLength && n.All(x => x.Length == 2 && x.All(char.IsAsciiLetter))).WithMessage($"At most {MaxListLength} ISO 3166-1 alpha-2 codes.");
        }
    }
}

public static class CreateCampaignHandler
{
    public static async Task<Outcome<Guid, RoleRequiredError>> HandleAsync(CreateCampaign command, IDocumentSession session, DateTimeOffset now, CancellationToken ct)
    {
        if (await session.LoadAsync<Workspace>(command.WorkspaceId, ct) is not { } workspace || workspace.Refuses(command.UserId, Role.Admin) is not null)
        {
            return new RoleRequiredError(Role.Admin);
        }

        var id = Guid.CreateVersion7();
        var requirements = new CampaignRequirements(command.Requirements.MinFollowers, [.. command.Requirements.Niches.Select(n => n.Trim().ToLowerInvariant()).Distinct()],
            [.. command.Requirements.Countries.Select(c => c.ToUpperInvariant()).Distinct()]);
        session.Events.StartStream<Campaign>(id, new CampaignCreated(id, workspace.Id, command.UserId, command.Title.Trim(), command.Brief.Trim(),
            [.. command.Deliverables.Select(d => d with { Format = d.Format.Trim().ToLowerInvariant() })], command.Budget, command.Currency.ToUpperInvariant(), command.PaymentModel,
            command.StartsAt, command.EndsAt, requirements, command.Visibility, now));
        return id;
    }
}

public sealed record DeliverableSpecInput(PlatformId Platform, [property: System.ComponentModel.Description("reel, story, post, video …")] string Format, int Count);

public sealed record FollowerMinimumInput(PlatformId Platform, long Followers);

public sealed record CampaignRequirementsInput(IReadOnlyList<FollowerMinimumInput>? MinFollowers, IReadOnlyList<string>? Niches,
    [property: System.ComponentModel.Description("ISO 3166-1 alpha-2 codes.")] IReadOnlyList<string>? Countries);

public sealed record CreateCampaignInput(
    [property: Id] string WorkspaceId,
    [property: DescribedAs("1 to {0} characters.", CreateCampaign.MaxTitleLength)] string Title,
    [property: DescribedAs("What the brand wants, at most {0} characters.", CreateCampaign.MaxBriefLength)] string? Brief,
    [property: DescribedAs("1 to {0} kinds, at most {1} pieces in all, e.g. 1 INSTAGRAM reel + 2 INSTAGRAM story.", CreateCampaign.MaxDeliverableKinds, CreateCampaign.MaxDeliverables)]
    IReadOnlyList<DeliverableSpecInput> Deliverables,
    [property: System.ComponentModel.Description("The most the campaign spends in all, in minor units; accepted offers are taken from it.")] long Budget,
    [property: System.ComponentModel.Description("An ISO 4217 code; every offer of the campaign is in it.")] string Currency,
    PaymentModel PaymentModel,
    DateTimeOffset? StartsAt,
    DateTimeOffset? EndsAt,
    CampaignRequirementsInput? Requirements,
    [property: System.ComponentModel.Description("PUBLIC when not given.")] CampaignVisibility? Visibility = null) : IWorkspaceInput;

public sealed class CreateCampaignMutation() : Mutation<CreateCampaignInput, CreateCampaign, Guid>("createCampaign",
    "Drafts a marketplace campaign for the brand workspace (ADMIN: it commits the workspace's money). Creators see it once it is opened (openCampaign).",
    WorkspaceAccess.Needs(Role.Admin).FirstPartyOnly(), MarketplacePayloads.Campaign,
    (input, caller) => new(caller.WorkspaceId(), caller.UserId, input.Title ?? "", input.Brief ?? "",
        [.. (input.Deliverables ?? []).Select(d => new DeliverableSpec(d.Platform, d.Format ?? "", d.Count))], input.Budget, (input.Currency ?? "").Trim(), input.PaymentModel,
        input.StartsAt, input.EndsAt,
        new CampaignRequirements([.. (input.Requirements?.MinFollowers ?? []).Select(m => new FollowerMinimum(m.Platform, m.Followers))], input.Requirements?.Niches ?? [],
            [.. (input.Requirements?.Countries ?? []).Select(c => c.Trim())]),
        input.Visibility ?? CampaignVisibility.Public));
