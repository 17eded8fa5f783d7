using System.Globalization;
using FluentValidation;
using GraphQL;
using GraphQL.Types;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
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

public sealed record SlotInput(DayOfWeek DayOfWeek, string Time);

public static class SetPostingScheduleHandler
{
    public static (Outcome<Guid>, Events) Handle(SetPostingSchedule command, [WriteAggregate] Workspace workspace, DateTimeOffset now)
    {
        if (workspace.Refuses(command.ByUserId, Role.Admin) is { } refusal)
        {
            return (Outcome<Guid>.Fail(refusal), []);
        }

        var slots = command.Slots
            .Select(s => new PostingSlot(s.DayOfWeek, TimeOnly.ParseExact(s.Time, "HH:mm", CultureInfo.InvariantCulture)))
            .Distinct()
            .OrderBy(s => ((int)s.DayOfWeek + 6) % 7).ThenBy(s => s.Time)
            .ToList();
        var zone = TimeZoneInfo.FindSystemTimeZoneById(command.TimeZone).Id;
        return (Outcome<Guid>.Ok(workspace.Id), [new PostingScheduleSet(workspace.Id, zone, slots, command.ByUserId, now)]);
    }
}

public sealed record SetPostingScheduleInput(string WorkspaceId, string TimeZone, List<SlotInput> Slots) : IWorkspaceInput;

[MutationType]
public sealed class SetPostingScheduleMutation : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.MutationField<SetPostingScheduleInputType, SetPostingSchedulePayloadType>("setPostingSchedule",
                "Sets the weekly posting schedule (slots as day and wall time in a zone) that addPostToQueue fills. An empty list clears it.")
            .RequireWorkspaceRole(Role.Admin, ctx => ctx.InputWorkspaceId())
            .ResolveAsync(async ctx =>
            {
                var input = ctx.GetArgument<SetPostingScheduleInput>("input");
                return await ctx.SendForWorkspaceAsync(new SetPostingSchedule(ctx.InputWorkspaceId(), ctx.UserId()!.Value, input.TimeZone, input.Slots ?? []));
            });
}

public sealed class DayOfWeekType : EnumerationGraphType<DayOfWeek>
{
    public DayOfWeekType() => Name = "DayOfWeek";
}

public sealed class SlotInputType : InputObjectGraphType<SlotInput>
{
    public SlotInputType()
    {
        Name = "PostingSlotInput";
        Field<NonNullGraphType<DayOfWeekType>>("dayOfWeek");
        Field<NonNullGraphType<StringGraphType>>("time").Description("A wall time, `HH:mm`.");
    }
}

public sealed class SetPostingScheduleInputType : InputObjectGraphType<SetPostingScheduleInput>
{
    public SetPostingScheduleInputType()
    {
        Name = "SetPostingScheduleInput";
        Field<NonNullGraphType<IdGraphType>>("workspaceId");
        Field<NonNullGraphType<StringGraphType>>("timeZone").Description("An IANA time-zone id the slots are wall times in.");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<SlotInputType>>>>("slots");
    }
}

public sealed class SetPostingSchedulePayloadType() : WorkspacePayloadType<SetPostingScheduleErrorType>("SetPostingSchedulePayload");

public sealed class SetPostingScheduleErrorType() : ErrorUnionType("SetPostingScheduleError", typeof(RoleRequiredError));

public sealed class PostingSlotType : ObjectGraphType<PostingSlot>
{
    public PostingSlotType()
    {
        Name = "PostingSlot";
        Field<NonNullGraphType<DayOfWeekType>, DayOfWeek>("dayOfWeek").Resolve(ctx => ctx.Source.DayOfWeek);
        Field<NonNullGraphType<StringGraphType>, string>("time").Description("`HH:mm`").Resolve(ctx => PostingQueue.Format(ctx.Source.Time));
    }
}
