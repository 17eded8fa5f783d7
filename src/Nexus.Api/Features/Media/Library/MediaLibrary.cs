using System.Globalization;
using System.Text;
using System.Text.Json;
using GraphQL;
using GraphQL.Types;
using GraphQL.Types.Relay;
using GraphQL.Types.Relay.DataObjects;
using Marten;
using Marten.Linq.MatchesSql;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.GraphQL.Scalars;
using Nexus.Api.Infrastructure.Identity;
using Nexus.Api.Platforms;

namespace Nexus.Api.Features.Media.Library;

/// <summary><c>Workspace.media</c>: the workspace's library, newest first, filtered.</summary>
public sealed class WorkspaceMediaField : ITypeExtension<WorkspaceType>
{
    public void Extend(WorkspaceType type) =>
        type.Field<NonNullGraphType<ConnectionType<MediaItemType, EdgeType<MediaItemType>>>, object>("media")
            .Description("The media library, newest first; every filter given must hold.")
            .Paged()
            .Argument<MediaKindType>("kind", "Only items of this kind.")
            .Argument<StringGraphType>("search", $"Only items whose name contains this text (any case; at most {MediaLibrary.MaxSearchLength} characters).")
            .Argument<ListGraphType<NonNullGraphType<StringGraphType>>>("tags", $"Only items with every one of these tags (at most {MediaTags.MaxTags}).")
            .Argument<DateTimeScalar>("from", "Only items added at or after this instant.")
            .Argument<DateTimeScalar>("to", "Only items added before this instant.")
            .RequireWorkspaceRole(Role.Viewer, ctx => ((Workspace)ctx.Source!).Id)
            .Scope(AppScope.PostsRead)
            .ResolveAsync(async ctx => await MediaLibrary.PageAsync(ctx.Source.Id, ctx));
}

public static class MediaLibrary
{
    public const int MaxSearchLength = 100;

    private const string List = "media";

    /// <summary>
    /// The library's items, newest first by (creation time, id), the ids being version 7; the cursor holds the last
    /// item's time and id and the next page starts strictly after them, so items added meanwhile shift nothing.
    /// Deleted items never appear.
    /// </summary>
    public static async Task<Connection<MediaAsset>> PageAsync(Guid workspaceId, IResolveFieldContext context)
    {
        var page = context.GetPageRequest();
        var query = Listing(context.RequestServices!.GetRequiredService<IQuerySession>(), workspaceId, Filter.Of(context));
        var total = page.CountTotal ? await query.CountAsync(context.CancellationToken) : (int?)null;
        (long, Guid)? after = page.After(List, 2) is [var keyPart, var idPart]
            ? (PageRequest.LongPart(keyPart, 0, DateTimeOffset.MaxValue.UtcTicks), PageRequest.GuidPart(idPart))
            : null;
        var rows = await Page(query, after, page.First + 1).ToListAsync(context.CancellationToken);
        return Paging.ToConnection(rows, page, m => Paging.Key(List, m.CreatedAt.UtcTicks.ToString(CultureInfo.InvariantCulture), m.Id.ToString("N")), total);
    }

    /// <summary>
    /// The workspace's live items that pass the filter. Its expressions are those of <see cref="MediaMarten"/>'s
    /// library index (workspace, created, id where not deleted) and tags index: a change here must keep them equal.
    /// </summary>
    internal static IQueryable<MediaAsset> Listing(IQuerySession session, Guid workspaceId, Filter filter)
    {
        var query = session.Query<MediaAsset>().Where(m => m.WorkspaceId == workspaceId && m.MatchesSql(NotDeleted));
        if (filter.Kind is { } kind)
        {
            query = query.Where(m => m.Facts.Kind == kind);
        }

        if (filter.NamePattern is { } pattern)
        {
            query = query.Where(m => m.MatchesSql($"{LowerName} like ? escape '\\'", pattern));
        }

        if (filter.Tags is { } tags)
        {
            query = query.Where(m => m.MatchesSql($"{TagsJson} @> CAST(? AS jsonb)", tags));
        }

        if (filter.From is { } from)
        {
            query = query.Where(m => m.MatchesSql($"{CreatedAt} >= CAST(? AS timestamptz)", Instant(from.UtcTicks)));
        }

        if (filter.To is { } to)
        {
            query = query.Where(m => m.MatchesSql($"{CreatedAt} < CAST(? AS timestamptz)", Instant(to.UtcTicks)));
        }

        return query;
    }

    /// <summary>Newest first, <paramref name="take"/> items strictly after the cursor's (ticks of the creation time, id).</summary>
    internal static IQueryable<MediaAsset> Page(IQueryable<MediaAsset> query, (long Key, Guid Id)? after, int take)
    {
        if (after is var (key, id))
        {
            // Both sides are read as PostgreSQL reads the stored JSON timestamp (rounded to the microsecond), so an
            // item's own cursor equals it and ties are settled by the id.
            query = query.Where(m => m.MatchesSql($"({CreatedAt}, d.id) < (CAST(? AS timestamptz), ?)", Instant(key), id));
        }

        return query.OrderBySql($"{CreatedAt} desc, d.id desc").Take(take);
    }

    // The SQL expressions of the filters, written once.
    internal const string CreatedAt = "nexus.mt_immutable_timestamptz(d.data ->> 'CreatedAt')";
    internal const string LowerName = "lower(d.data ->> 'Name')";
    internal const string TagsJson = "CAST(d.data ->> 'Tags' as jsonb)";
    internal const string NotDeleted = "CAST(d.data ->> 'Deleted' as boolean) = false";

    private static string Instant(long ticks) => new DateTimeOffset(ticks, TimeSpan.Zero).ToString("O", CultureInfo.InvariantCulture);

    /// <summary>The checked filter arguments; a bad one is BAD_REQUEST.</summary>
    internal sealed record Filter(MediaKind? Kind, string? NamePattern, string? Tags, DateTimeOffset? From, DateTimeOffset? To)
    {
        public static Filter Of(IResolveFieldContext context)
        {
            var search = context.GetArgument<string?>("search")?.Trim();
            if (search is { Length: > MaxSearchLength })
            {
                throw new BadRequestError($"`search` has at most {MaxSearchLength} characters.");
            }

            var tags = context.GetArgument<List<string>?>("tags");
            if (tags is { Count: > MediaTags.MaxTags })
            {
                throw new BadRequestError($"`tags` names at most {MediaTags.MaxTags} tags.");
            }

            var normalized = tags is null ? null : MediaTags.Normalize(tags);
            if (normalized is not null && normalized.Any(t => MediaTags.Problem(t) is not null))
            {
                throw new BadRequestError($"Each tag has 1 to {MediaTags.MaxTagLength} characters and no control characters.");
            }

            return new(context.GetArgument<MediaKind?>("kind"),
                string.IsNullOrEmpty(search) ? null : "%" + EscapeLike(search.ToLowerInvariant()) + "%",
                normalized is { Count: > 0 } ? JsonSerializer.Serialize(normalized) : null,
                context.GetArgument<DateTimeOffset?>("from"), context.GetArgument<DateTimeOffset?>("to"));
        }

        /// <summary>The text as LIKE reads it literally: its wildcards and the escape character escaped.</summary>
        private static string EscapeLike(string text)
        {
            var escaped = new StringBuilder(text.Length + 8);
            foreach (var c in text)
            {
                if (c is '\\' or '%' or '_')
                {
                    escaped.Append('\\');
                }

                escaped.Append(c);
            }

            return escaped.ToString();
        }
    }
}

/// <summary>How library items' tags are written: trimmed, lower-case, 1 to 40 characters, at most 20, each once.</summary>
public static class MediaTags
{
    public const int MaxTags = 20;
    public const int MaxTagLength = 40;

    public static IReadOnlyList<string> Normalize(IEnumerable<string?> tags) =>
        [.. tags.Select(t => (t ?? "").Trim().ToLowerInvariant()).Distinct(StringComparer.Ordinal)];

    /// <summary>Why one normalized tag is refused; null when it is acceptable.</summary>
    public static string? Problem(string tag) =>
        tag.Length == 0 ? "A tag cannot be blank."
        : tag.Length > MaxTagLength ? $"A tag has at most {MaxTagLength} characters."
        : tag.Any(char.IsControl) ? "A tag cannot contain control characters."
        : null;
}

/// <summary>Who may change a library item: a member of its workspace with the role, found from the input's <c>mediaId</c>.</summary>
public static class MediaAccess
{
    public static Access Needs(Role role) => Access.Rule(field => field.RequireWorkspaceRole(role, ctx => WorkspaceOfAsync(ctx, InputOf(ctx))));

    /// <summary>The item the input names; <see cref="Guid.Empty"/> when it names none (the access check has refused it by then).</summary>
    public static Guid MediaId(this Caller caller) => GlobalId.TryParse(InputOf(caller.Context), MediaItemType.TypeName, out var id) ? id : Guid.Empty;

    /// <summary>
    /// The workspace of an item (a deleted one's too, so its members get NOT_FOUND from the handler). An unknown item
    /// has none (the empty id), so the check answers as for another workspace's item: FORBIDDEN, never a hint that the
    /// id exists.
    /// </summary>
    public static async ValueTask<Guid> WorkspaceOfAsync(IResolveFieldContext context, string? mediaId) =>
        !GlobalId.TryParse(mediaId, MediaItemType.TypeName, out var id)
            ? throw new BadRequestError("The media id is not valid.")
            : (await context.RequestServices!.GetRequiredService<IQuerySession>().LoadAsync<MediaAsset>(id, context.CancellationToken))?.WorkspaceId ?? Guid.Empty;

    private static string? InputOf(IResolveFieldContext context) => (context.Arguments?["input"].Value as IMediaInput)?.MediaId;
}

/// <summary>A generated mutation's input that names a library item.</summary>
public interface IMediaInput
{
    string MediaId { get; }
}

public static class MediaPayloads
{
    /// <summary><c>media: MediaItem</c>: the item as it now is, after a failure too; null once deleted.</summary>
    public static Payload<Guid> Media { get; } = Payload<Guid>.Always<MediaItemType>("media",
        "The item as it now is (after errors too); null when it is deleted.", async (context, id) =>
        {
            var mediaId = id != Guid.Empty ? id : new Caller(context).MediaId();
            return mediaId == Guid.Empty ? null
                : await context.RequestServices!.GetRequiredService<IQuerySession>().LoadAsync<MediaAsset>(mediaId, context.CancellationToken) is { Deleted: false } item ? item : null;
        });
}
