using Marten;
using Nexus.Api.Features.Connections;
using Nexus.Api.Features.Media;
using Nexus.Api.Features.Workspaces;

namespace Nexus.Api.Features.Posts;

/// <summary>
/// What a post's handlers decide on besides the post itself: its workspace and the connections its targets name.
/// Read in one round trip by the handlers' load step, so the decision that follows is pure.
/// </summary>
public sealed record PostSurroundings(Workspace? Workspace, IReadOnlyDictionary<Guid, Connection> Connections, IReadOnlyDictionary<Guid, MediaAsset>? Media = null)
{
    public static PostSurroundings None { get; } = new(null, new Dictionary<Guid, Connection>());

    /// <summary>The library items the content names (drafting and editing only).</summary>
    public IReadOnlyDictionary<Guid, MediaAsset> Library => Media ?? new Dictionary<Guid, MediaAsset>();

    /// <summary>The workspace (when given), the connections and the library items named, batched.</summary>
    public static async Task<PostSurroundings> LoadAsync(IQuerySession session, Guid? workspaceId, IEnumerable<Guid> connectionIds, CancellationToken ct,
        IEnumerable<Guid>? mediaIds = null)
    {
        var ids = connectionIds.Distinct().ToArray();
        var items = mediaIds?.Distinct().ToArray() ?? [];
        if (workspaceId is null && ids.Length == 0 && items.Length == 0)
        {
            return None;
        }

        var batch = session.CreateBatchQuery();
        var workspace = workspaceId is { } id ? batch.Load<Workspace>(id) : Task.FromResult<Workspace?>(null);
        var connections = ids.Length > 0 ? batch.LoadMany<Connection>().ById(ids) : Task.FromResult<IReadOnlyList<Connection>>([]);
        var media = items.Length > 0 ? batch.LoadMany<MediaAsset>().ById(items) : Task.FromResult<IReadOnlyList<MediaAsset>>([]);
        await batch.Execute(ct);
        return new(await workspace, (await connections).ToDictionary(c => c.Id), (await media).ToDictionary(m => m.Id));
    }

    /// <summary>The connections of the post's targets, and its workspace when the decision needs it.</summary>
    public static Task<PostSurroundings> OfAsync(Post? post, IQuerySession session, bool withWorkspace, CancellationToken ct) =>
        post is null ? Task.FromResult(None) : LoadAsync(session, withWorkspace ? post.WorkspaceId : null, post.Targets.Select(t => t.ConnectionId), ct);
}
