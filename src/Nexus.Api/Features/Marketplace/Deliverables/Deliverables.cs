using FluentValidation;
using JasperFx.Events;
using GraphQL;
using Marten;
using Nexus.Api.Features.Posts;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Errors;
using Wolverine;

namespace Nexus.Api.Features.Marketplace.Deliverables;

using ApproveOutcome = Outcome<Guid, ApplicationNotFoundError, NotYourTurnError, ApplicationStateError, DeliverableNotFoundError, DeliverableStateError, PostChangedError, InThePastError>;
using ReviewOutcome = Outcome<Guid, ApplicationNotFoundError, NotYourTurnError, ApplicationStateError, DeliverableNotFoundError, DeliverableStateError>;

/// <summary>
/// The creator submits a draft post of their workspace for one deliverable of a funded contract: the brand sees the
/// post as it is at this version, and approves it or asks for changes.
/// </summary>
public sealed record SubmitDeliverable(Guid ApplicationId, Guid UserId, int Index, Guid PostId);

/// <summary>The brand asks for changes to a submitted deliverable.</summary>
public sealed record RequestDeliverableChanges(Guid ApplicationId, Guid UserId, int Index, string Comment)
{
    public const int MaxCommentLength = 2000;

    public sealed class Validator : AbstractValidator<RequestDeliverableChanges>
    {
        public Validator() => RuleFor(c => c.Comment).Must(c => c.Trim().Length is >= 1 and <= MaxCommentLength).WithMessage($"Say what to change, 1 to {MaxCommentLength} characters.");
    }
}

/// <summary>
/// The brand approves a submitted deliverable: Nexus publishes the creator's post through its own pipeline, at
/// <paramref name="PublishAt"/> or at once, and the contract links the published target.
/// </summary>
public sealed record ApproveDeliverable(Guid ApplicationId, Guid UserId, int Index, string? Comment, DateTimeOffset? PublishAt)
{
    public sealed class Validator : AbstractValidator<ApproveDeliverable>
    {
        public Validator() => RuleFor(c => c.Comment).MaximumLength(RequestDeliverableChanges.MaxCommentLength).WithMessage($"At most {RequestDeliverableChanges.MaxCommentLength} characters.");
    }
}

public sealed record DeliverableNotFoundError()
    : MutationError("NOT_FOUND", "The contract has no deliverable at this index.", ["input", "index"]);

public sealed record DeliverableStateError(DeliverableStatus Status, string Action)
    : MutationError("DELIVERABLE_STATE", $"A {Status.ToString().ToUpperInvariant()} deliverable cannot be {Action}.", ["input", "index"]);

/// <summary>The post is not a draft of the creator's workspace with a target on the deliverable's platform (or is another deliverable's).</summary>
public sealed record DeliverablePostError(string Reason)
    : MutationError("DELIVERABLE_POST", Reason, ["input", "postId"]);

/// <summary>The post was edited after it was submitted: the brand would approve what it has not seen.</summary>
public sealed record PostChangedError()
    : MutationError("POST_CHANGED", "The post changed since it was submitted: the creator submits it again for review.", ["input", "index"]);

public static class DeliverablesHandler
{
    public static async Task<(Outcome<Guid, ApplicationNotFoundError, NotYourTurnError, ApplicationStateError, DeliverableNotFoundError, DeliverableStateError, DeliverablePostError>,
        OutgoingMessages)> HandleAsync(SubmitDeliverable command, IDocumentSession session, DateTimeOffset now, CancellationToken ct)
    {
        var stream = await Parties.ForWritingAsync(session, command.ApplicationId, ct);
        if (stream?.Aggregate is not { } application || (await Parties.OfAsync(session, application, command.UserId, Role.Editor, ct)).Side is not { } side)
        {
            return (new ApplicationNotFoundError(), []);
        }

        if (side != Party.Creator)
        {
            return (new NotYourTurnError("submit deliverables"), []);
        }

        if (application.Contract is not { Status: ContractStatus.Active } contract)
        {
            return (Offers.Negotiation.StateError(application, "given deliverables (it needs to be funded and under way)"), []);
        }

        if (contract.Deliverables.FirstOrDefault(d => d.Index == command.Index) is not { } deliverable)
        {
            return (new DeliverableNotFoundError(), []);
        }

        if (deliverable.Status is not (DeliverableStatus.Pending or DeliverableStatus.Submitted or DeliverableStatus.ChangesRequested or DeliverableStatus.Removed))
        {
            return (new DeliverableStateError(deliverable.Status, "submitted again"), []);
        }

        var post = await session.LoadAsync<Post>(command.PostId, ct);
        if (post is null || post.WorkspaceId != application.CreatorWorkspaceId)
        {
            return (new DeliverablePostError("The post is not one of your workspace's."), []);
        }

        if (post.Status != PostStatus.Draft)
        {
            return (new DeliverablePostError("Submit a draft: Nexus publishes it once the brand approves."), []);
        }

        if (post.Targets.All(t => t.Platform != deliverable.Platform))
        {
            return (new DeliverablePostError($"The post has no target on {deliverable.Platform}."), []);
        }

        if (contract.Deliverables.Any(d => d.Index != deliverable.Index && d.PostId == post.Id))
        {
            return (new DeliverablePostError("The post is another deliverable's."), []);
        }

        stream.AppendOne(new DeliverableSubmitted(application.Id, application.WorkspaceId, deliverable.Index, post.Id, post.Version, command.UserId, now));
        return (application.Id, [.. await Parties.TellAsync(session, application, Party.Brand, "marketplace-deliverable", "A deliverable is ready for review",
            $"The creator submitted deliverable {deliverable.Index + 1} ({deliverable.Format} on {deliverable.Platform}):\n\n{post.Text}\n\nApprove it (approveDeliverable) or ask for changes (requestDeliverableChanges).", ct)]);
    }

    public static async Task<(ReviewOutcome, OutgoingMessages)> HandleAsync(RequestDeliverableChanges command, IDocumentSession session, DateTimeOffset now, CancellationToken ct)
    {
        var (stream, deliverable, refusal) = await ReviewAsync(session, command.ApplicationId, command.UserId, command.Index, "changed", ct);
        if (refusal is not null)
        {
            return (refusal switch
            {
                ApplicationNotFoundError e => (ReviewOutcome)e,
                NotYourTurnError e => (ReviewOutcome)e,
                ApplicationStateError e => (ReviewOutcome)e,
                DeliverableNotFoundError e => (ReviewOutcome)e,
                DeliverableStateError e => (ReviewOutcome)e,
                _ => throw new InvalidOperationException(refusal.GetType().Name),
            }, []);
        }

        var application = stream!.Aggregate!;
        stream.AppendOne(new DeliverableChangesRequested(application.Id, application.WorkspaceId, deliverable!.Index, command.Comment.Trim(), command.UserId, now));
        return (application.Id, [.. await Parties.TellAsync(session, application, Party.Creator, "marketplace-changes", "The brand asks for changes",
            $"Deliverable {deliverable.Index + 1}: {command.Comment.Trim()}\n\nEdit your post and submit it again (submitDeliverable).", ct)]);
    }

    public static async Task<(ApproveOutcome, OutgoingMessages)> HandleAsync(ApproveDeliverable command, IDocumentSession session, DateTimeOffset now, CancellationToken ct)
    {
        var (stream, deliverable, refusal) = await ReviewAsync(session, command.ApplicationId, command.UserId, command.Index, "approved", ct);
        if (refusal is not null)
        {
            return (refusal switch
            {
                ApplicationNotFoundError e => (ApproveOutcome)e,
                NotYourTurnError e => (ApproveOutcome)e,
                ApplicationStateError e => (ApproveOutcome)e,
                DeliverableNotFoundError e => (ApproveOutcome)e,
                DeliverableStateError e => (ApproveOutcome)e,
                _ => throw new InvalidOperationException(refusal.GetType().Name),
            }, []);
        }

        if (command.PublishAt is { } at && at <= now)
        {
            return (new InThePastError(at), []);
        }

        var application = stream!.Aggregate!;
        if (await session.LoadAsync<Post>(deliverable!.PostId!.Value, ct) is not { Status: PostStatus.Draft } post || post.Version != deliverable.PostVersion)
        {
            return (new PostChangedError(), []);
        }

        var publishAt = command.PublishAt ?? now;
        stream.AppendOne(new DeliverableApproved(application.Id, application.WorkspaceId, deliverable.Index, string.IsNullOrWhiteSpace(command.Comment) ? null : command.Comment.Trim(),
            publishAt, command.UserId, now));
        // After the approval commits, durably: the post is published by its own pipeline, as the creator.
        return (application.Id, [new PublishDeliverable(application.Id, deliverable.Index, post.Id, publishAt)]);
    }

    /// <summary>The submitted deliverable the brand reviews, or why it cannot (one of the review outcomes' errors).</summary>
    private static async Task<(IEventStream<CampaignApplication>?, ContractDeliverable?, MutationError?)> ReviewAsync(IDocumentSession session, Guid applicationId, Guid userId, int index, string action, CancellationToken ct)
    {
        var stream = await Parties.ForWritingAsync(session, applicationId, ct);
        if (stream?.Aggregate is not { } application || (await Parties.OfAsync(session, application, userId, Role.Editor, ct)).Side is not { } side)
        {
            return (null, null, new ApplicationNotFoundError());
        }

        if (side != Party.Brand)
        {
            return (null, null, new NotYourTurnError("review deliverables"));
        }

        if (application.Contract is not { Status: ContractStatus.Active } contract)
        {
            return (null, null, Offers.Negotiation.StateError(application, "reviewed"));
        }

        if (contract.Deliverables.FirstOrDefault(d => d.Index == index) is not { } deliverable)
        {
            return (null, null, new DeliverableNotFoundError());
        }

        return deliverable.Status == DeliverableStatus.Submitted ? (stream, deliverable, null) : (null, null, new DeliverableStateError(deliverable.Status, action));
    }
}

public sealed record SubmitDeliverableInput(
    [property: Id] string ApplicationId,
    [property: System.ComponentModel.Description("The deliverable's index in `Contract.deliverables`.")] int Index,
    [property: Id][property: System.ComponentModel.Description("A draft post of your workspace with a target on the deliverable's platform.")] string PostId) : IApplicationInput;

public sealed record ApproveDeliverableInput(
    [property: Id] string ApplicationId,
    int Index,
    [property: DescribedAs("At most {0} characters.", RequestDeliverableChanges.MaxCommentLength)] string? Comment = null,
    [property: System.ComponentModel.Description("When to publish it; at once when not given.")] DateTimeOffset? PublishAt = null) : IApplicationInput;

public sealed record RequestDeliverableChangesInput(
    [property: Id] string ApplicationId,
    int Index,
    [property: DescribedAs("What to change, 1 to {0} characters.", RequestDeliverableChanges.MaxCommentLength)] string Comment) : IApplicationInput;

public sealed class SubmitDeliverableMutation() : Mutation<SubmitDeliverableInput, SubmitDeliverable, Guid>("submitDeliverable",
    "Submits a draft post of your workspace for one deliverable of a funded contract; the brand reviews it. EDITOR of the creator's workspace.",
    Access.SignedIn.FirstPartyOnly(), MarketplacePayloads.Application,
    (input, caller) => new(MarketplaceIds.Of(input.ApplicationId, CampaignApplication.TypeName), caller.UserId, input.Index, MarketplaceIds.Of(input.PostId, PostType.TypeName)));

public sealed class ApproveDeliverableMutation() : Mutation<ApproveDeliverableInput, ApproveDeliverable, Guid>("approveDeliverable",
    "Approves a submitted deliverable: Nexus publishes the creator's post through its own pipeline (at `publishAt`, or at once) and links the published target to the contract. EDITOR of the brand workspace.",
    Access.SignedIn.FirstPartyOnly(), MarketplacePayloads.Application,
    (input, caller) => new(MarketplaceIds.Of(input.ApplicationId, CampaignApplication.TypeName), caller.UserId, input.Index, input.Comment, input.PublishAt));

public sealed class RequestDeliverableChangesMutation() : Mutation<RequestDeliverableChangesInput, RequestDeliverableChanges, Guid>("requestDeliverableChanges",
    "Asks the creator to change a submitted deliverable, with a comment. EDITOR of the brand workspace.",
    Access.SignedIn.FirstPartyOnly(), MarketplacePayloads.Application,
    (input, caller) => new(MarketplaceIds.Of(input.ApplicationId, CampaignApplication.TypeName), caller.UserId, input.Index, input.Comment ?? ""));
