using GraphQL;
using GraphQL.Types;
using GraphQL.Types.Relay;
using GraphQL.Types.Relay.DataObjects;
using Marten;
using Nexus.Api.Features.EventStreams.Index;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.GraphQL.Scalars;
using Nexus.Api.Infrastructure.Identity;
using Npgsql;

namespace Nexus.Api.Features.EventStreams.Listing;

/// <summary>
/// <c>Workspace.events(first, after, types, from, to)</c>: the workspace's events in commit (sequence) order, from the
/// index (<see cref="WorkspaceEventIndex"/>). ADMIN, because it is the workspace's whole history: every member change
/// and invitation, every draft including discarded ones, every failure message — more than <c>activity</c> (VIEWER)
/// tells and as much as the admin-only <c>invitations</c> show. Apps need <c>events:read</c>.
/// </summary>
public sealed class WorkspaceEventsField : ITypeExtension<WorkspaceType>
{
    public void Extend(WorkspaceType type) =>
        type.Field<NonNullGraphType<ConnectionType<WorkspaceEventType, EdgeType<WorkspaceEventType>>>, object>("events")
            .Description("The workspace's events (its own, its posts', its connections'), oldest first, personal data masked. " +
                "The cursor is the event's place in the log: `GET /events/export` and `eventsAppended` resume from it.")
            .Paged()
            .Argument<ListGraphType<NonNullGraphType<StringGraphType>>>("types", $"Only events of these stored types, e.g. `post_scheduled` (at most {EventFilter.MaxTypes}; see schema/events.md).")
            .Argument<DateTimeScalar>("from", "Only events appended at or after this instant.")
            .Argument<DateTimeScalar>("to", "Only events appended before this instant.")
            .RequireWorkspaceRole(Role.Admin, ctx => ((Workspace)ctx.Source!).Id)
            .Scope(AppScope.EventsRead)
            .ResolveAsync(async ctx => await PageAsync(ctx.Source.Id, ctx));

    private static async Task<Connection<WorkspaceEvent>> PageAsync(Guid workspaceId, IResolveFieldContext context)
    {
        var page = context.GetPageRequest();
        var after = EventCursor.Decode(context.GetArgument<string?>("after"));
        var services = context.RequestServices!;
        var filter = EventFilter.Create(context.GetArgument<List<string>?>("types"), context.GetArgument<DateTimeOffset?>("from"), context.GetArgument<DateTimeOffset?>("to"),
            services.GetRequiredService<IDocumentStore>());
        var database = services.GetRequiredService<NpgsqlDataSource>();
        var rows = await WorkspaceEventReader.ReadAsync(database, workspaceId, after, filter, page.First + 1, context.CancellationToken).ToListAsync(context.CancellationToken);
        var total = page.CountTotal ? await WorkspaceEventReader.CountAsync(database, workspaceId, filter, context.CancellationToken) : (int?)null;
        return Paging.ToConnection(rows, page, e => EventCursor.Key(e.Sequence), total);
    }
}

public sealed class WorkspaceEventType : ObjectGraphType<WorkspaceEvent>
{
    public WorkspaceEventType()
    {
        Name = "WorkspaceEvent";
        Description = "An event of a workspace's streams as stored, personal data masked. Not a `Node`: it is reached through its workspace.";
        Field<NonNullGraphType<IdGraphType>, string>("id").Description("The event's own id in the event store.").Resolve(ctx => ctx.Source.Id.ToString());
        Field<NonNullGraphType<LongGraphType>, long>("sequence").Description("Its place in the log of all events: commit order.").Resolve(ctx => ctx.Source.Sequence);
        Field<NonNullGraphType<IdGraphType>, string>("streamId").Description("The stream (workspace, post or connection id, as in the data).").Resolve(ctx => ctx.Source.StreamId.ToString());
        Field<NonNullGraphType<StringGraphType>, string>("type").Description("The stored event type name, e.g. `post_scheduled` (see schema/events.md).").Resolve(ctx => ctx.Source.Type);
        Field<NonNullGraphType<LongGraphType>, long>("version").Description("The event's version in its stream (1 for the first).").Resolve(ctx => ctx.Source.Version);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("timestamp").Description("When it was appended (its transaction's time).").Resolve(ctx => ctx.Source.Timestamp);
        Field<NonNullGraphType<JsonScalar>, string>("data").Description("The event's data as stored (property names as in schema/events.md), personal data masked.").Resolve(ctx => ctx.Source.Data);
    }
}
