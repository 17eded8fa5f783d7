using System.ComponentModel;
using System.Globalization;
using GraphQL.Types;
using Marten;
using JasperFx.Events;
using Nexus.Api.Features.Posts;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.GraphQL.Scalars;
using Nexus.Api.Infrastructure;

namespace Nexus.Api.Features.Media.Using;

[Description("A post that publishes this library item became due (scheduled, queued, publishing now, or edited while scheduled); deleting the item is refused while the post is scheduled or publishing and still uses it.")]
public sealed record MediaUsed(Guid MediaId, Guid UsedByPostId, DateTimeOffset At) : IDomainEvent;

/// <summary>A post would publish a library item that was deleted, or that is not this workspace's.</summary>
public sealed record MediaDeletedError(string Message, IReadOnlyList<string> Path) : MutationError(ErrorCode, Message, Path)
{
    public const string ErrorCode = "MEDIA_DELETED";
}

/// <summary>The item cannot be deleted: scheduled (or publishing) posts use it. <see cref="PostIds"/> are their global ids.</summary>
public sealed record MediaInUseError(string Message, IReadOnlyList<string> PostIds) : MutationError(ErrorCode, Message, ["input", "mediaId"]), IErrorFields<MediaInUseError>
{
    public const string ErrorCode = "MEDIA_IN_USE";

    public static void AddFields(ObjectGraphType<MediaInUseError> type) =>
        type.Field<NonNullGraphType<ListGraphType<NonNullGraphType<IdGraphType>>>, IReadOnlyList<string>>("postIds")
            .Description("The scheduled or publishing posts that use the item: cancel them, or replace the item in them, then delete it.")
            .Resolve(ctx => ctx.Source.PostIds);
}

/// <summary>
/// The library items a post is about to publish, each stream fetched for writing in the handler's own session. A post
/// that becomes due appends <see cref="MediaUsed"/> to every item it uses in its own transaction, at the version it
/// read; <c>deleteMedia</c> appends to the same stream after checking those uses. Whichever commits second fails on the
/// stream's version and runs again (Persistence's retry policy), now seeing the winner: no scheduled post ever ends up
/// with a deleted item, and no item in use is deleted.
/// </summary>
public sealed class MediaUses
{
    private readonly IReadOnlyList<IEventStream<MediaAsset>> _items;

    private MediaUses(IReadOnlyList<IEventStream<MediaAsset>> items) => _items = items;

    public static MediaUses None { get; } = new([]);

    /// <summary>Every library item <paramref name="media"/> names (the post's and its targets'), fetched for writing.</summary>
    public static async Task<MediaUses> FetchAsync(IDocumentSession session, IEnumerable<Guid?> media, CancellationToken ct)
    {
        var ids = media.OfType<Guid>().Distinct().Order().ToList();
        if (ids.Count == 0)
        {
            return None;
        }

        var items = new List<IEventStream<MediaAsset>>(ids.Count);
        foreach (var id in ids)
        {
            items.Add(await session.Events.FetchForWriting<MediaAsset>(id, ct));
        }

        return new(items);
    }

    /// <summary>The library items <paramref name="post"/> publishes, fetched for writing (none for no post).</summary>
    public static Task<MediaUses> ForPostAsync(Post? post, IDocumentSession session, CancellationToken ct) =>
        post is null ? Task.FromResult(None) : FetchAsync(session, Of(post), ct);

    /// <summary>The media a post publishes: its own and every target's.</summary>
    public static IEnumerable<Guid?> Of(Post post) => post.Media.Concat(post.Targets.SelectMany(t => t.Media ?? [])).Select(m => m.MediaId);

    /// <summary>The media a post's new content names: its own and every target's.</summary>
    public static IEnumerable<Guid?> Of(IPostContent content) => content.Media.Concat(content.Targets.SelectMany(t => t.Media ?? [])).Select(m => m.MediaId);

    /// <summary>
    /// Why a post of <paramref name="workspaceId"/> cannot publish these items (one is deleted or another workspace's);
    /// null when it can. <paramref name="fix"/> is what the person can do about it.
    /// </summary>
    public MediaDeletedError? Refusal(Guid workspaceId, IReadOnlyList<string>? path = null, string fix = "replace it, then try again")
    {
        var gone = _items.Where(s => s.Aggregate is not { Deleted: false } item || item.WorkspaceId != workspaceId).ToList();
        if (gone.Count == 0)
        {
            return null;
        }

        var names = string.Join(", ", gone.Select(s => s.Aggregate is { } item && item.WorkspaceId == workspaceId ? $"“{item.Name}”" : $"{s.Id:N}"));
        return new($"The post uses library media that was deleted ({names}); {fix}.", path ?? ["input", "postId"]);
    }

    /// <summary>
    /// <paramref name="loaded"/> (items read before deciding) with the items fetched for writing in their place: an item
    /// deleted between the two reads is seen deleted, and one deleted after them makes the write fail on its version and
    /// run again, reading it deleted.
    /// </summary>
    public IReadOnlyDictionary<Guid, MediaAsset> Over(IReadOnlyDictionary<Guid, MediaAsset> loaded)
    {
        if (_items.Count == 0)
        {
            return loaded;
        }

        var library = new Dictionary<Guid, MediaAsset>(loaded);
        foreach (var item in _items)
        {
            if (item.Aggregate is { } current)
            {
                library[item.Id] = current;
            }
            else
            {
                library.Remove(item.Id);
            }
        }

        return library;
    }

    /// <summary>MEDIA_DELETED for one input that names <paramref name="item"/> (deleted), at <paramref name="path"/>.</summary>
    public static MediaDeletedError Deleted(MediaAsset item, IReadOnlyList<string> path) =>
        new($"“{item.Name}” was deleted from the media library; choose another item, then try again.", path);

    /// <summary>Records that <paramref name="postId"/> uses each item, at the version read: the delete it races with loses, or makes this lose.</summary>
    public void Record(Guid postId, DateTimeOffset now)
    {
        foreach (var item in _items)
        {
            item.AppendOne(new MediaUsed(item.Id, postId, now));
        }
    }

    /// <summary>
    /// The posts that keep <paramref name="item"/> from being deleted: those its stream records as users that are still
    /// scheduled or publishing and still name it. Read in the deleting handler's session, after its stream was fetched
    /// for writing.
    /// </summary>
    public static async Task<IReadOnlyList<Post>> BlockingAsync(IDocumentSession session, MediaAsset item, CancellationToken ct)
    {
        var events = await session.Events.FetchStreamAsync(item.Id, token: ct);
        var postIds = events.Select(e => e.Data).OfType<MediaUsed>().Select(u => u.UsedByPostId).Distinct().ToArray();
        if (postIds.Length == 0)
        {
            return [];
        }

        var posts = await session.LoadManyAsync<Post>(ct, postIds);
        return [.. posts
            .Where(p => p.Status is PostStatus.Scheduled or PostStatus.Publishing && Of(p).Contains(item.Id))
            .OrderBy(p => p.ScheduledAt ?? DateTimeOffset.MaxValue).ThenBy(p => p.Id)];
    }

    /// <summary>MEDIA_IN_USE naming the posts (a few words of each, and when it is due), with their ids.</summary>
    public static MediaInUseError InUse(MediaAsset item, IReadOnlyList<Post> posts)
    {
        const int Named = 5;
        var named = string.Join("; ", posts.Take(Named).Select(p => $"“{TextInput.Excerpt(p.Text.ReplaceLineEndings(" "))}” ({Due(p)})"));
        var more = posts.Count > Named ? $" and {posts.Count - Named} more" : "";
        var count = posts.Count == 1 ? "a scheduled post uses" : $"{posts.Count} scheduled posts use";
        return new($"“{item.Name}” cannot be deleted: {count} it: {named}{more}. Cancel them or replace the item in them first.",
            [.. posts.Select(p => GlobalId.Encode(PostType.TypeName, p.Id))]);
    }

    private static string Due(Post post) => post.Status == PostStatus.Publishing
        ? "publishing now"
        : post.ScheduledAt is { } at ? "due " + at.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC" : "scheduled";
}
