using System.ComponentModel;
using System.Globalization;
using FluentValidation;
using GraphQL;
using GraphQL.Types;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Wolverine.Marten;

namespace Nexus.Api.Features.Posts.Queueing;

/// <summary>Sets the workspace's weekly posting schedule: the slots <c>addPostToQueue</c> fills, as wall times in a zone.</summary>
public sealed record SetPostingSchedule(Guid WorkspaceId, Guid ByUserId, string TimeZone, IReadOnlyList<SlotInput> Slots)
{
    public const int MaxSlots = 200;

    public sealed class Validator : AbstractValidator<SetPostingSchedule>
    {
        public Validator()
        {
            RuleFor(c => c.TimeZone).ValidTimeZone();
            RuleFor(c => c.Slots).Must(s => s.Count <= MaxSlots).WithMessage($"A schedule has at most {MaxSlots} slots a week.");
            RuleForEach(c => c.Slots).ChildRules(slot =>
                slot.RuleFor(s => s.Time).Must(t => TimeOnly.TryParseExact(t, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
                    .WithMessage("A slot's time is a wall time like 09:30."));
        }
    }
}

public static class SetPostingScheduleHandler
{
    public static (Outcome<Guid, RoleRequiredError>, Events) Handle(SetPostingSchedule command, [WriteAggregate] Workspace workspace, DateTimeOffset now)
    {
        if (workspace.Refuses(command.ByUserId, Role.Admin) is { } refusal)
        {
            return (refusal, []);
        }

        var slots = command.Slots
            .Select(s => new PostingSlot(s.DayOfWeek, TimeOnly.ParseExact(s.Time, "HH:mm", CultureInfo.InvariantCulture)))
            .Distinct()
            .OrderBy(s => ((int)s.DayOfWeek + 6) % 7).ThenBy(s => s.Time)
            .ToList();
        var zone = TimeZoneInfo.FindSystemTimeZoneById(command.TimeZone).Id;
        return (workspace.Id, [new PostingScheduleSet(workspace.Id, zone, slots, command.ByUserId, now)]);
    }
}

public sealed record SetPostingScheduleInput(
    [property: Id] string WorkspaceId,
    [property: Description("An IANA time-zone id the slots are wall times in.")] string TimeZone,
    [property: InputType(typeof(NonNullGraphType<ListGraphType<NonNullGraphType<SlotInputType>>>))] List<SlotInput> Slots) : IWorkspaceInput;

public sealed class SetPostingScheduleMutation() : Mutation<SetPostingScheduleInput, SetPostingSchedule, Guid>("setPostingSchedule",
    "Sets the weekly posting schedule (slots as day and wall time in a zone) that addPostToQueue fills. An empty list clears it.",
    WorkspaceAccess.Needs(Role.Admin).FirstPartyOnly(), WorkspacePayloads.Workspace,
    (input, caller) => new(caller.WorkspaceId(), caller.UserId, input.TimeZone, input.Slots));
