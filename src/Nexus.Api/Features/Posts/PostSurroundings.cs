using Marten;
using Nexus.Api.Features.Connections;
using Nexus.Api.Features.Workspaces;

namespace Nexus.Api.Features.Posts;

/// <summary>
/// What a post's handlers decide on besides the post itself: its workspace and the connections its targets name.
/// Read in one round trip by the handlers' load step, so the decision that follows is pure.
/// </summary>
public sealed record PostSurroundings(Workspace? Workspace, IReadOnlyDictionary<Guid, Connection> Connections)
{
    public static PostSurroundings None { get; } = new(null, new Dictionary<Guid, Connection>());

    /// <summary>The workspace (when given) and the connections named, batched.</summary>
    public static async Task<PostSurroundings> LoadAsync(IQuerySession session, Guid? workspaceId, IEnumerable<Guid> connectionIds, CancellationToken ct)
    {
        var ids = connectionIds.Distinct().ToArray();
        if (workspaceId is null && ids.Length == 0)
        {
            return None;
        }

        var batch = session.CreateBatchQuery();
        var workspace = workspaceId is { } id ? batch.Load<Workspace>(id) : Task.FromResult<Workspace?>(null);
        var connections = ids.Length > 0 ? batch.LoadMany<Connection>().ById(ids) : Task.FromResult<IReadOnlyList<Connection>>([]);
        await batch.Execute(ct);
        return new(await workspace, (await connections).ToDictionary(c => c.Id));
    }

    /// <summary>The connections of the post's targets, and its workspace when the decision needs it.</summary>
    public static Task<PostSurroundings> OfAsync(Post? post, IQuerySession session, bool withWorkspace, CancellationToken ct) =>
        post is null ? Task.FromResult(None) : LoadAsync(session, withWorkspace ? post.WorkspaceId : null, post.Targets.Select(t => t.ConnectionId), ct);
}
