using FluentValidation;
using Marten;
using Nexus.Api.Features.Marketplace.Messaging;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Errors;
using Wolverine;

// Not "…Marketplace.Rating": that is the name of the Rating record.
namespace Nexus.Api.Features.Marketplace.RatingContracts;

/// <summary>
/// Once a contract is PAID, each side rates the other once: the brand rates the creator (what
/// <c>CreatorProfile.rating</c> averages), the creator the brand. An EDITOR of the side's workspace rates for it.
/// </summary>
public sealed record RateContract(Guid ApplicationId, Guid ByUserId, int Stars, string? Comment)
{
    public const int MinStars = 1;
    public const int MaxStars = 5;
    public const int MaxCommentLength = 1000;

    public sealed class Validator : AbstractValidator<RateContract>
    {
        public Validator()
        {
            RuleFor(c => c.Stars).InclusiveBetween(MinStars, MaxStars).WithMessage($"From {MinStars} to {MaxStars} stars.");
            RuleFor(c => c.Comment).Must(comment => (comment?.Trim().Length ?? 0) <= MaxCommentLength).WithMessage($"At most {MaxCommentLength} characters.");
        }
    }
}

public static class RateContractHandler
{
    public static async Task<(Outcome<Guid, ApplicationNotFoundError, ApplicationStateError, PartyRoleRequiredError, AlreadyRatedError>, OutgoingMessages)> HandleAsync(
        RateContract command, IDocumentSession session, DateTimeOffset now, CancellationToken ct)
    {
        // Decided on the stream: of two ratings by one side at once, the second append fails on the version and, retried, finds the first.
        var stream = await Parties.ForWritingAsync(session, command.ApplicationId, ct);
        if (stream?.Aggregate is not { } application)
        {
            return (new ApplicationNotFoundError(), []);
        }

        var (side, isParty) = await Parties.ActingAsync(session, application, command.ByUserId, Role.Editor, ct);
        if (side is not { } party)
        {
            return isParty ? (new PartyRoleRequiredError(Role.Editor), []) : (new ApplicationNotFoundError(), []);
        }

        if (application.Contract is not { Status: ContractStatus.Paid } contract)
        {
            var status = application.Contract is { } c ? c.Status.ToString() : application.Status.ToString();
            return (new ApplicationStateError(SendApplicationMessage.Screaming(status), "rated before its contract is paid"), []);
        }

        if ((party == Party.Brand ? contract.BrandRating : contract.CreatorRating) is not null)
        {
            return (new AlreadyRatedError(party), []);
        }

        var comment = string.IsNullOrWhiteSpace(command.Comment) ? null : command.Comment.Trim();
        stream.AppendOne(new ContractRated(application.Id, application.WorkspaceId, party, command.Stars, comment, command.ByUserId, now));
        var from = party == Party.Brand ? "The brand" : "The creator";
        OutgoingMessages emails = [.. await Parties.TellAsync(session, application, party.Other(), "marketplace-rating", $"{from} rated your contract {command.Stars}/5",
            $"{from} rated the contract of application {application.Id:N}: {command.Stars} of 5 stars.{(comment is null ? "" : $"\n\n{comment}")}", ct)];
        return (application.Id, emails);
    }
}

/// <summary>The caller's side already rated this contract (a rating is given once and not changed).</summary>
public sealed record AlreadyRatedError(Party Side)
    : MutationError("ALREADY_RATED", $"The {Side.ToString().ToLowerInvariant()} side already rated this contract.", ["input", "applicationId"]);

public sealed record RateContractInput(
    [property: global::GraphQL.Id] string ApplicationId,
    [property: DescribedAs("{0} to {1}.", RateContract.MinStars, RateContract.MaxStars)] int Stars,
    [property: DescribedAs("An optional comment (at most {0} characters).", RateContract.MaxCommentLength)] string? Comment = null) : IApplicationInput;

public sealed class RateContractMutation() : Mutation<RateContractInput, RateContract, Guid>("rateContract",
    "Rates the other side of a PAID contract, once per side (1 to 5 stars, an optional comment): the brand rates the creator, the creator the brand. " +
    "EDITOR of your side's workspace; the other side is emailed.",
    Access.SignedIn.FirstPartyOnly(), MarketplacePayloads.Application,
    (input, caller) => new(MarketplaceIds.Of(input.ApplicationId, CampaignApplication.TypeName), caller.UserId, input.Stars, input.Comment));
