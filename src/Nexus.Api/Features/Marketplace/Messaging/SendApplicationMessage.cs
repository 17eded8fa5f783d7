using FluentValidation;
using GraphQL;
using Marten;
using Nexus.Api.Features.Marketplace.Threads;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Errors;
using Wolverine;

namespace Nexus.Api.Features.Marketplace.Messaging;

/// <summary>
/// A party posts a message in an application's thread: an EDITOR (or above) of the brand's workspace or of the
/// creator's. The thread is open while the application is alive and for <see cref="ClosedAfterDays"/> days after its
/// contract ended (paid or cancelled), so the last details can be settled; a declined or withdrawn application's is closed.
/// </summary>
public sealed record SendApplicationMessage(Guid ApplicationId, Guid ByUserId, string Body)
{
    public const int MaxLength = 4000;
    public const int ClosedAfterDays = 30;

    public sealed class Validator : AbstractValidator<SendApplicationMessage>
    {
        public Validator() =>
            RuleFor(c => c.Body)
                .Must(body => !string.IsNullOrWhiteSpace(body)).WithMessage("Write a message.")
                .Must(body => (body?.Trim().Length ?? 0) <= MaxLength).WithMessage($"At most {MaxLength} characters.");
    }

    /// <summary>Why the thread is closed to new messages; null while it is open.</summary>
    public static string? ClosedBecause(CampaignApplication application, DateTimeOffset now)
    {
        if (application.Status is ApplicationStatus.Declined or ApplicationStatus.Withdrawn)
        {
            return Screaming(application.Status.ToString());
        }

        var ended = application.Contract switch
        {
            { Status: ContractStatus.Paid, PaidAt: { } at } => at,
            { Status: ContractStatus.Cancelled } contract => contract.CancelledAt ?? application.UpdatedAt,
            _ => (DateTimeOffset?)null,
        };
        return ended is { } end && now - end > TimeSpan.FromDays(ClosedAfterDays) ? Screaming(application.Contract!.Status.ToString()) : null;
    }

    public static string Screaming(string name) =>
        string.Concat(name.Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : char.ToUpperInvariant(c).ToString()));
}

public static class SendApplicationMessageHandler
{
    public static async Task<(Outcome<ApplicationMessage, ApplicationNotFoundError, ApplicationStateError, PartyRoleRequiredError>, OutgoingMessages)> HandleAsync(
        SendApplicationMessage command, IDocumentSession session, DateTimeOffset now, CancellationToken ct)
    {
        // Written through the stream: a message appended after the application was declined by someone else fails on the version.
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

        if (SendApplicationMessage.ClosedBecause(application, now) is { } status)
        {
            return (new ApplicationStateError(status, "messaged"), []);
        }

        var message = new ApplicationMessage(Guid.CreateVersion7(now), application.Id, party, command.ByUserId, command.Body.Trim(), now);
        stream.AppendOne(new ApplicationMessagePosted(application.Id, application.WorkspaceId, message.Id, party, command.ByUserId, message.Body, now));
        session.Store(message);

        var preview = message.Body.Length > 500 ? message.Body[..500] + " …" : message.Body;
        var from = party == Party.Brand ? "The brand" : "The creator";
        OutgoingMessages emails = [.. await Parties.TellAsync(session, application, party.Other(), "marketplace-message", $"{from} wrote about application {application.Id:N}",
            $"{from} wrote:\n\n{preview}\n\nApplication: {application.Id:N}", ct)];
        return (message, emails);
    }
}

/// <summary>The caller is a party but below the role this needs on their side (a VIEWER writing, say).</summary>
public sealed record PartyRoleRequiredError(Role Minimum)
    : MutationError("FORBIDDEN", $"This needs the {Minimum.ToString().ToUpperInvariant()} role in your side's workspace.", ["input", "applicationId"]);

public sealed record SendApplicationMessageInput(
    [property: Id] string ApplicationId,
    [property: DescribedAs("The message, 1 to {0} characters (trimmed).", SendApplicationMessage.MaxLength)] string Body) : IApplicationInput;

public sealed class SendApplicationMessageMutation() : Mutation<SendApplicationMessageInput, SendApplicationMessage, ApplicationMessage>("sendApplicationMessage",
    "Posts a message in an application's thread, for the other side to read (`Application.messages`, subscription `applicationMessages`); they are emailed. " +
    "EDITOR of either party's workspace. Closed once the application is declined or withdrawn, and 30 days after its contract was paid or cancelled.",
    Access.SignedIn.FirstPartyOnly(), ThreadPayloads.Message,
    (input, caller) => new(MarketplaceIds.Of(input.ApplicationId, CampaignApplication.TypeName), caller.UserId, input.Body));
