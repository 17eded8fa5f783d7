using GraphQL.Types;
using Nexus.Api.Features.Posts.Queueing;
using Nexus.Api.Features.Workspaces;

namespace Nexus.Api.Features.Posts;

/// <summary>One weekly slot of a posting schedule, as <c>setPostingSchedule</c> takes it.</summary>
public sealed record SlotInput(DayOfWeek DayOfWeek, string Time);

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

public sealed class PostingSlotType : ObjectGraphType<PostingSlot>
{
    public PostingSlotType()
    {
        Name = "PostingSlot";
        Field<NonNullGraphType<DayOfWeekType>, DayOfWeek>("dayOfWeek").Resolve(ctx => ctx.Source.DayOfWeek);
        Field<NonNullGraphType<StringGraphType>, string>("time").Description("`HH:mm`").Resolve(ctx => PostingQueue.Format(ctx.Source.Time));
    }
}
