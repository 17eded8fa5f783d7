using System.ComponentModel;
using FluentValidation;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Billing;
using Nexus.Api.Features.Posts;
using Nexus.Api.Features.Posts.Queueing;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Errors;
using Npgsql;
using Wolverine.Marten;

namespace Nexus.Api.Features.Analytics.BestTimes.Suggesting;

/// <summary>
/// Proposes posting-schedule slots from the workspace's best times (<see cref="BestTimesReport"/>); with
/// <see cref="Apply"/>, also sets them as the schedule through <see cref="SetPostingScheduleHandler"/>, the handler
/// behind <c>setPostingSchedule</c>, so applying is exactly that mutation with the proposed slots.
/// </summary>
public sealed record SuggestPostingSchedule(Guid WorkspaceId, Guid ByUserId, int Slots, int Weeks, bool Apply)
{
    public const int DefaultSlots = 7, MaxSlots = 28;

    public sealed class Validator : AbstractValidator<SuggestPostingSchedule>
    {
        public Validator()
        {
            RuleFor(c => c.Slots).InclusiveBetween(1, MaxSlots);
            RuleFor(c => c.Weeks).InclusiveBetween(1, BestTimesReport.MaxWeeks);
        }
    }
}

public sealed record NotEnoughHistoryError(int PostsNeeded)
    : MutationError("NOT_ENOUGH_HISTORY", $"There is not enough published history to suggest a schedule: {PostsNeeded} more measured posts are needed " +
        $"(and at least {BestTimesReport.MinimumSamples} in a weekday × hour); nothing was applied.", ["input", "apply"]);

public static class SuggestPostingScheduleHandler
{
    public static Task<BestTimesReport> LoadAsync(SuggestPostingSchedule command, Workspace workspace, NpgsqlDataSource database, DateTimeOffset now, CancellationToken ct) =>
        BestTimesReport.ReadAsync(database, workspace.Id, TimeZoneInfo.FindSystemTimeZoneById(workspace.TimeZone), now, command.Weeks, ct);

    public static (Outcome<PostingScheduleSuggestion, RoleRequiredError, NotEnoughHistoryError, PlanLimitError>, Events) Handle(SuggestPostingSchedule command,
        [WriteAggregate] Workspace workspace, BestTimesReport report, IOptions<BillingOptions> billing, DateTimeOffset now)
    {
        if (workspace.Refuses(command.ByUserId, Role.Admin) is { } refusal)
        {
            return (refusal, []);
        }

        // The weeks looked back are analytics history, as in bestTimes: refused past the plan's window.
        if (AnalyticsHistory.Refusal(billing.Value, workspace, now.AddDays(-7 * command.Weeks), now, ["input", "weeks"]) is { } full)
        {
            return (full, []);
        }

        // Whole hours only: a cell is an hour of publication, and its start is the one time the evidence is about.
        var slots = report.EnoughHistory
            ? report.Ranked().Take(command.Slots).Select(c => new SuggestedSlot(c.DayOfWeek, new TimeOnly(c.Hour, 0), c.EngagementRate!.Value, c.Samples, c.Confidence)).ToList()
            : [];
        var suggestion = new PostingScheduleSuggestion(report.TimeZone, slots, false, report.PostsAnalysed,
            slots.Count == 0 ? Math.Max(report.PostsNeeded, BestTimesReport.MinimumSamples) : 0, report.EngagementRate);
        if (!command.Apply)
        {
            return (suggestion, []);
        }

        if (slots.Count == 0)
        {
            return (new NotEnoughHistoryError(suggestion.PostsNeeded), []);
        }

        var (set, events) = SetPostingScheduleHandler.Handle(new SetPostingSchedule(workspace.Id, command.ByUserId, report.TimeZone,
            [.. slots.Select(s => new SlotInput(s.DayOfWeek, PostingQueue.Format(s.Time)))]), workspace, now);
        return set.Errors is [RoleRequiredError lost, ..] ? (lost, []) : (suggestion with { Applied = true }, events);
    }
}

public sealed record SuggestPostingScheduleInput(
    [property: global::GraphQL.Id] string WorkspaceId,
    [property: DescribedAs("How many slots to propose, 1 to {0} (default {1}).", SuggestPostingSchedule.MaxSlots, SuggestPostingSchedule.DefaultSlots)] int? Slots,
    [property: DescribedAs("How far back to look, 1 to {0} weeks (default {1}).", BestTimesReport.MaxWeeks, BestTimesReport.DefaultWeeks)] int? Weeks,
    [property: Description("Also set the proposal as the posting schedule (replacing the current one), as setPostingSchedule would. Default false: only propose.")] bool? Apply) : IWorkspaceInput;

public sealed class SuggestPostingScheduleMutation() : Mutation<SuggestPostingScheduleInput, SuggestPostingSchedule, PostingScheduleSuggestion>("suggestPostingSchedule",
    "Proposes weekly posting slots (local weekday and hour, best engagement rate first) from the workspace's own best times, with the evidence of each; " +
    "with `apply: true` also sets them as the posting schedule, exactly as setPostingSchedule. Without enough history the proposal is empty and says how many more posts it needs " +
    "(NOT_ENOUGH_HISTORY when applying).",
    WorkspaceAccess.Needs(Role.Admin).FirstPartyOnly(),
    Payload<PostingScheduleSuggestion>.Of<PostingScheduleSuggestionType>("suggestion", "The proposal (null after an error).", (_, value) => Task.FromResult<object?>(value)),
    (input, caller) => new(caller.WorkspaceId(), caller.UserId, input.Slots ?? SuggestPostingSchedule.DefaultSlots, input.Weeks ?? BestTimesReport.DefaultWeeks, input.Apply ?? false));
