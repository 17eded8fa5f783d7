using FluentValidation;
using GraphQL;
using Marten;
using Nexus.Api.Features.Posts;
using Nexus.Api.Features.Storefront;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Errors;

namespace Nexus.Api.Features.Marketplace.Profiles;

/// <summary>
/// Publishes or changes the caller's creator profile. Its audience is never part of it: it is read from the connected
/// accounts of <paramref name="WorkspaceId"/>, the creator's workspace, where deliverables will be drafted too.
/// </summary>
public sealed record UpdateCreatorProfile(Guid UserId, Guid WorkspaceId, string DisplayName, string Bio, IReadOnlyList<string> Niches, string? Country,
    IReadOnlyList<RateCard> Rates, IReadOnlyList<Guid> SamplePostIds)
{
    public const int MaxNameLength = 80;
    public const int MaxBioLength = 2000;
    public const int MaxNiches = 10;
    public const int MaxNicheLength = 40;
    public const int MaxRates = 20;
    public const int MaxSamplePosts = 10;

    public sealed class Validator : AbstractValidator<UpdateCreatorProfile>
    {
        public Validator()
        {
            RuleFor(c => c.DisplayName).Must(n => n.Trim().Length is >= 1 and <= MaxNameLength).WithMessage($"1 to {MaxNameLength} characters.");
            RuleFor(c => c.Bio).MaximumLength(MaxBioLength).WithMessage($"At most {MaxBioLength} characters.");
            RuleFor(c => c.Niches)
                .Must(n => n.Count <= MaxNiches).WithMessage($"At most {MaxNiches} niches.")
                .Must(n => n.All(x => x.Trim().Length is >= 1 and <= MaxNicheLength)).WithMessage($"A niche is 1 to {MaxNicheLength} characters.");
            RuleFor(c => c.Country).Must(c => c is null || (c.Length == 2 && c.All(char.IsAsciiLetter))).WithMessage("An ISO 3166-1 alpha-2 code, like FR or US.");
            RuleFor(c => c.Rates).Must(r => r.Count <= MaxRates).WithMessage($"At most {MaxRates} rates.");
            RuleForEach(c => c.Rates).ChildRules(rate =>
            {
                rate.RuleFor(r => r.Deliverable).Must(d => d.Trim().Length is >= 1 and <= MaxNameLength).WithMessage($"1 to {MaxNameLength} characters.");
                rate.RuleFor(r => r.Amount).InclusiveBetween(0, ProductRules.MaxAmount).WithMessage($"0 to {ProductRules.MaxAmount} in minor units (cents).");
                rate.RuleFor(r => r.Currency).Must(Currencies.IsKnown).WithMessage("Use an ISO 4217 currency code, like EUR or USD.");
            });
            RuleFor(c => c.SamplePostIds)
                .Must(p => p.Count <= MaxSamplePosts).WithMessage($"At most {MaxSamplePosts} sample posts.")
                .Must(p => p.Distinct().Count() == p.Count).WithMessage("Each post is named once.");
        }
    }
}

/// <summary>A sample post is not a published post of the profile's workspace.</summary>
public sealed record SamplePostNotFoundError()
    : MutationError("NOT_FOUND", "Sample posts must be published posts of the profile's workspace.", ["input", "samplePostIds"]);

public static class UpdateCreatorProfileHandler
{
    public static async Task<Outcome<Guid, RoleRequiredError, SamplePostNotFoundError>> HandleAsync(UpdateCreatorProfile command, IDocumentSession session, DateTimeOffset now,
        CancellationToken ct)
    {
        if (await session.LoadAsync<Workspace>(command.WorkspaceId, ct) is not { } workspace || workspace.Refuses(command.UserId, Role.Editor) is { } refusal)
        {
            return new RoleRequiredError(Role.Editor);
        }

        if (command.SamplePostIds.Count > 0 &&
            (await session.LoadManyAsync<Post>(ct, command.SamplePostIds)).Count(p => p.WorkspaceId == workspace.Id && p.Targets.Any(t => t.Status == TargetStatus.Published)) != command.SamplePostIds.Count)
        {
            return new SamplePostNotFoundError();
        }

        // A first publication races only with the person's own: the unique index on the user makes the loser run again and append.
        var existing = await session.Query<CreatorProfile>().Where(p => p.UserId == command.UserId).Select(p => p.Id).ToListAsync(ct);
        var id = existing is [var known] ? known : Guid.CreateVersion7();
        var published = new CreatorProfilePublished(id, command.UserId, workspace.Id, command.DisplayName.Trim(), command.Bio.Trim(),
            [.. command.Niches.Select(n => n.Trim().ToLowerInvariant()).Distinct()], command.Country?.ToUpperInvariant(),
            [.. command.Rates.Select(r => r with { Deliverable = r.Deliverable.Trim(), Currency = r.Currency.ToUpperInvariant() })], command.SamplePostIds, now);
        if (existing.Count == 0)
        {
            session.Events.StartStream<CreatorProfile>(id, published);
        }
        else
        {
            (await session.Events.FetchForWriting<CreatorProfile>(id, ct)).AppendOne(published);
        }

        return id;
    }
}

public sealed record RateCardInput(
    [property: System.ComponentModel.Description("E.g. \"1 Instagram reel\".")] string Deliverable,
    [property: System.ComponentModel.Description("In minor units of the currency.")] long Amount,
    [property: System.ComponentModel.Description("An ISO 4217 code.")] string Currency);

public sealed record UpdateCreatorProfileInput(
    [property: Id][property: System.ComponentModel.Description("Your workspace: its connected accounts measure your audience, and deliverables are drafted there.")] string WorkspaceId,
    [property: DescribedAs("1 to {0} characters.", UpdateCreatorProfile.MaxNameLength)] string DisplayName,
    [property: DescribedAs("At most {0} characters.", UpdateCreatorProfile.MaxBioLength)] string? Bio,
    [property: DescribedAs("At most {0}, each 1 to {1} characters (stored lower-case).", UpdateCreatorProfile.MaxNiches, UpdateCreatorProfile.MaxNicheLength)] IReadOnlyList<string>? Niches,
    [property: System.ComponentModel.Description("ISO 3166-1 alpha-2.")] string? Country,
    [property: DescribedAs("At most {0}.", UpdateCreatorProfile.MaxRates)] IReadOnlyList<RateCardInput>? Rates,
    [property: Id][property: DescribedAs("Published posts of the workspace to show (at most {0}).", UpdateCreatorProfile.MaxSamplePosts)] IReadOnlyList<string>? SamplePostIds) : IWorkspaceInput;

public sealed class UpdateCreatorProfileMutation() : Mutation<UpdateCreatorProfileInput, UpdateCreatorProfile, Guid>("updateCreatorProfile",
    "Publishes or changes your creator profile. Your audience is not typed in: it is measured from the connected accounts of the workspace you name (EDITOR there).",
    WorkspaceAccess.Needs(Role.Editor).FirstPartyOnly(),
    Payload<Guid>.Of<CreatorProfileType>("profile", "Your profile as it now is.",
        async (context, id) => await context.RequestServices!.GetRequiredService<IQuerySession>().LoadAsync<CreatorProfile>(id, context.CancellationToken)),
    (input, caller) => new(caller.UserId, caller.WorkspaceId(), input.DisplayName ?? "", input.Bio ?? "", input.Niches ?? [], string.IsNullOrWhiteSpace(input.Country) ? null : input.Country.Trim(),
        [.. (input.Rates ?? []).Select(r => new RateCard(r.Deliverable ?? "", r.Amount, (r.Currency ?? "").Trim()))],
        [.. (input.SamplePostIds ?? []).Select(id => MarketplaceIds.Of(id, PostType.TypeName))]));
