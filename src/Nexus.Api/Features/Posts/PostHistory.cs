using System.Globalization;
using GraphQL;
using GraphQL.DataLoader;
using GraphQL.Types;
using GraphQL.Types.Relay.DataObjects;
using JasperFx.Events;
using Marten;
using Nexus.Api.GraphQL.Loading;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.GraphQL.Scalars;

namespace Nexus.Api.Features.Posts;

/// <summary>One event of a post's stream, described for people.</summary>
public sealed record PostHistoryEntry(long Version, DateTimeOffset At, string Event, string Summary, Guid? TargetId, int? Attempt, Guid? ByUserId);

public static class PostHistory
{
    /// <summary>
    /// The events of posts after a version, for every post of a batch in one query. Pages of one document mostly
    /// start at the same place (the first page, or the same cursor), so a batch is mostly one query; a post's stream
    /// is short (drafting, edits, a few attempts per target), so it is cut to the page's size in memory.
    /// </summary>
    public static readonly BatchLoader<(Guid PostId, long After), IReadOnlyList<IEvent>> Events = new("PostHistory", async (session, keys, ct) =>
    {
        var found = new Dictionary<(Guid, long), IReadOnlyList<IEvent>>();
        foreach (var group in keys.GroupBy(k => k.After))
        {
            var ids = group.Select(k => k.PostId).ToArray();
            var events = await session.Events.QueryAllRawEvents()
                .Where(e => e.StreamId.IsOneOf(ids) && e.Version > group.Key)
                .OrderBy(e => e.StreamId).ThenBy(e => e.Version)
                .ToListAsync(ct);
            foreach (var stream in events.GroupBy(e => e.StreamId))
            {
                found[(stream.Key, group.Key)] = [.. stream];
            }
        }

        return found;
    });

    /// <summary>
    /// Oldest first, by the event's version in the post's stream: events are only ever appended, so the next page,
    /// starting strictly after the cursor's version, repeats and skips nothing. The total is the stream's version,
    /// its number of events.
    /// </summary>
    public static IDataLoaderResult<Connection<PostHistoryEntry>> Page(Post post, PageRequest page, IResolveFieldContext context)
    {
        var after = page.After("history", 1) is [var version] ? PageRequest.LongPart(version) : 0;
        return context.Load(Events, (post.Id, after)).Then(events =>
            Paging.ToConnection(Describe(post, [.. (events ?? []).Take(page.First + 1)]), page,
                h => Paging.Key("history", h.Version.ToString(CultureInfo.InvariantCulture)), page.CountTotal ? post.Version : null));
    }

    private static List<PostHistoryEntry> Describe(Post post, IReadOnlyList<IEvent> events)
    {
        string Account(Guid targetId) => post.Target(targetId) is { } t ? t.Platform.ToString() : "a removed target";
        return [.. events.Select(e => e.Data switch
        {
            PostDrafted d => Entry(e, d.At, $"Drafted for {d.Targets.Count} account(s).", by: d.AuthorId),
            PostEdited d => Entry(e, d.At, "Edited.", by: d.ByUserId),
            PostScheduled d => Entry(e, d.At, $"Scheduled for {d.LocalTime} {d.TimeZone}{(d.FromQueue ? " (next queue slot)" : "")}{Dst(d.Dst)}.", by: d.ByUserId),
            PostRescheduled d => Entry(e, d.At, $"Rescheduled to {d.LocalTime} {d.TimeZone}{Dst(d.Dst)}.", by: d.ByUserId),
            PostCancelled d => Entry(e, d.At, "Cancelled.", by: d.ByUserId),
            PostPublicationStarted d => Entry(e, d.At, d.Immediate ? "Publication started on request." : "Publication started at the scheduled time.", by: d.ByUserId),
            TargetPublishAttempted d => Entry(e, d.At, $"Attempt {d.Attempt} on {Account(d.TargetId)}.", d.TargetId, d.Attempt),
            TargetPublished d => Entry(e, d.At, $"Published on {Account(d.TargetId)}{(d.Reconciled ? " (confirmed by asking the platform)" : "")}: {d.ExternalUrl ?? d.ExternalId}.", d.TargetId, d.Attempt),
            TargetPublishFailed d => Entry(e, d.At, d.NextAttemptAt is { } next
                ? $"Attempt {d.Attempt} on {Account(d.TargetId)} failed ({d.Code}): {d.Message} Next attempt at {next:yyyy-MM-dd HH:mm:ss} UTC."
                : $"Failed on {Account(d.TargetId)} ({d.Code}): {d.Message}", d.TargetId, d.Attempt),
            TargetReconcileDeferred d => Entry(e, d.At, $"Could not yet ask {Account(d.TargetId)} about attempt {d.Attempt}: {d.Message}", d.TargetId, d.Attempt),
            TargetUnconfirmed d => Entry(e, d.At, $"Unconfirmed on {Account(d.TargetId)}: {d.Message}", d.TargetId, d.Attempt),
            TargetRetryRequested d => Entry(e, d.At, $"Retry requested for {Account(d.TargetId)}{(d.Force ? " (forced)" : "")}.", d.TargetId, by: d.ByUserId),
            _ => Entry(e, e.Timestamp, e.EventTypeName),
        })];
    }

    private static string Dst(DstResolution dst) => dst switch
    {
        DstResolution.ShiftedForward => ", moved past the daylight-saving gap",
        DstResolution.FirstOccurrence => ", the first of the two times the clock shows it",
        DstResolution.SecondOccurrence => ", the second of the two times the clock shows it",
        _ => "",
    };

    private static PostHistoryEntry Entry(IEvent e, DateTimeOffset at, string summary, Guid? target = null, int? attempt = null, Guid? by = null) =>
        new(e.Version, at, e.Data.GetType().Name, summary, target, attempt, by);
}

public sealed class PostHistoryEntryType : ObjectGraphType<PostHistoryEntry>
{
    public PostHistoryEntryType()
    {
        Name = "PostHistoryEntry";
        Description = "One event of the post's history.";
        Field<NonNullGraphType<IntGraphType>, int>("version").Resolve(ctx => (int)ctx.Source.Version);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("at").Resolve(ctx => ctx.Source.At);
        Field(h => h.Event).Description("The event type (see schema/events.md).");
        Field(h => h.Summary);
        Field<IdGraphType, string?>("targetId").Resolve(ctx => ctx.Source.TargetId is { } id ? GlobalId.Encode(PostTargetType.TypeName, id) : null);
        Field<IntGraphType, int?>("attempt").Resolve(ctx => ctx.Source.Attempt);
        Field<IdGraphType, string?>("byUserId").Description("Who did it, when a person did.")
            .Resolve(ctx => ctx.Source.ByUserId is { } id ? GlobalId.Encode("User", id) : null);
    }
}
