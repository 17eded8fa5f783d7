using GraphQL;
using GraphQL.Types;
using GraphQL.Types.Relay.DataObjects;
using Marten;
using Nexus.Api.Features.Accounts;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.GraphQL.Scalars;

namespace Nexus.Api.Features.Workspaces;

/// <summary>One line of a workspace's activity: read straight from its event stream, so it can never disagree with it.</summary>
public sealed record ActivityEntry(long Sequence, DateTimeOffset At, string Kind, Guid? ActorId, string Summary, User? Actor);

public static class ActivityFeed
{
    public static async Task<Connection<ActivityEntry>> PageAsync(Guid workspaceId, PageRequest page, IResolveFieldContext context)
    {
        var session = context.RequestServices!.GetRequiredService<IQuerySession>();
        var before = page.After("activity", 1) is [var sequence] ? PageRequest.LongPart(sequence) : long.MaxValue;
        var total = page.CountTotal ? await session.Events.QueryAllRawEvents().CountAsync(e => e.StreamId == workspaceId, context.CancellationToken) : (int?)null;
        var events = await session.Events.QueryAllRawEvents()
            .Where(e => e.StreamId == workspaceId && e.Sequence < before)
            .OrderByDescending(e => e.Sequence)
            .Take(page.First + 1)
            .ToListAsync(context.CancellationToken);

        var mentioned = events.SelectMany(e => Mentions(e.Data)).Distinct().ToList();
        var users = (await session.LoadManyAsync<User>(context.CancellationToken, mentioned)).ToDictionary(u => u.Id);
        string Name(Guid id) => users.TryGetValue(id, out var user) ? user.DisplayName : "a former member";

        var rows = events.Select(e =>
        {
            var (actor, summary) = Describe(e.Data, Name);
            return new ActivityEntry(e.Sequence, e.Timestamp, Kind(e.Data.GetType().Name), actor, summary, actor is { } id ? users.GetValueOrDefault(id) : null);
        }).ToList();
        return Paging.ToConnection(rows, page, r => Paging.Key("activity", r.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture)), total);
    }

    internal static (Guid? Actor, string Summary) Describe(object data, Func<Guid, string> name) => data switch
    {
        WorkspaceCreated e => (e.OwnerId, $"{name(e.OwnerId)} created the workspace \"{e.Name}\""),
        WorkspaceRenamed e => (e.ByUserId, $"{name(e.ByUserId)} renamed the workspace to \"{e.Name}\""),
        WorkspaceSettingsChanged e => (e.ByUserId, $"{name(e.ByUserId)} set the time zone to {e.TimeZone}"),
        MemberInvited e => (e.ByUserId, $"{name(e.ByUserId)} invited {e.Email} as {Upper(e.Role)}"),
        InvitationCancelled e => (e.ByUserId, $"{name(e.ByUserId)} withdrew an invitation"),
        InvitationAccepted e => (e.UserId, $"{name(e.UserId)} joined as {Upper(e.Role)}"),
        MemberRoleChanged e => (e.ByUserId, $"{name(e.ByUserId)} made {name(e.UserId)} {Upper(e.Role)}"),
        MemberRemoved e => (e.ByUserId, $"{name(e.ByUserId)} removed {name(e.UserId)}"),
        MemberLeft e => (e.UserId, $"{name(e.UserId)} left the workspace"),
        OwnershipTransferred e => (e.FromUserId, $"{name(e.FromUserId)} handed ownership to {name(e.ToUserId)}"),
        PostingScheduleSet e => (e.ByUserId, $"{name(e.ByUserId)} set the posting schedule ({e.Slots.Count} slots a week, {e.TimeZone})"),
        _ => (null, data.GetType().Name),
    };

    private static IEnumerable<Guid> Mentions(object data) => data switch
    {
        WorkspaceCreated e => [e.OwnerId],
        WorkspaceRenamed e => [e.ByUserId],
        WorkspaceSettingsChanged e => [e.ByUserId],
        MemberInvited e => [e.ByUserId],
        InvitationCancelled e => [e.ByUserId],
        InvitationAccepted e => [e.UserId],
        MemberRoleChanged e => [e.ByUserId, e.UserId],
        MemberRemoved e => [e.ByUserId, e.UserId],
        MemberLeft e => [e.UserId],
        OwnershipTransferred e => [e.FromUserId, e.ToUserId],
        PostingScheduleSet e => [e.ByUserId],
        _ => [],
    };

    private static string Upper(Role role) => role.ToString().ToUpperInvariant();

    // WorkspaceRenamed -> WORKSPACE_RENAMED
    private static string Kind(string typeName) =>
        string.Concat(typeName.Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : c.ToString())).ToUpperInvariant();
}

public sealed class ActivityEntryType : ObjectGraphType<ActivityEntry>
{
    public ActivityEntryType()
    {
        Name = "ActivityEntry";
        Description = "Something that happened in a workspace.";
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("at").Resolve(ctx => ctx.Source.At);
        Field(a => a.Kind).Description("The event, e.g. MEMBER_INVITED.");
        Field<UserType, User>("actor").Description("Who did it; null when that account is gone.").Resolve(ctx => ctx.Source.Actor);
        Field(a => a.Summary).Description("A sentence describing it.");
    }
}
