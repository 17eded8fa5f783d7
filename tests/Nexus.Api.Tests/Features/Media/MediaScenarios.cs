using Alba;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Media;
using Nexus.Api.Features.Media.Storage;
using Nexus.Api.Features.Posts;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Platforms;

namespace Nexus.Api.Tests.Features.Media;

/// <summary>
/// Library items for tests, made as an upload makes them: the bytes put in the store, then <see cref="MediaAdded"/>
/// appended (the uploads' own helpers add items through the real endpoints).
/// </summary>
public static class MediaScenarios
{
    public const string ItemSelection = "id name kind mime width height sizeBytes tags url createdAt";

    /// <summary>Adds an item to <paramref name="workspaceId"/> (a global id) and returns its global id.</summary>
    public static async Task<string> AddMediaAsync(this IAlbaHost host, string workspaceId, string name = "photo.jpg", MediaKind kind = MediaKind.Image,
        IReadOnlyList<string>? tags = null, DateTimeOffset? at = null, byte[]? bytes = null)
    {
        var id = await host.AddMediaItemAsync(Ids.Of(workspaceId), name, kind, tags, at, bytes);
        return GlobalId.Encode(MediaItemType.TypeName, id);
    }

    public static async Task<Guid> AddMediaItemAsync(this IAlbaHost host, Guid workspaceId, string name = "photo.jpg", MediaKind kind = MediaKind.Image,
        IReadOnlyList<string>? tags = null, DateTimeOffset? at = null, byte[]? bytes = null)
    {
        var when = at ?? DateTimeOffset.UtcNow;
        var id = Guid.CreateVersion7(when);
        var content = bytes ?? [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4];
        var facts = kind switch
        {
            MediaKind.Video => new MediaFacts(kind, "video/mp4", content.Length, 1080, 1920, 12.5, 30, "h264", "aac"),
            MediaKind.Audio => new MediaFacts(kind, "audio/mp4", content.Length, DurationSeconds: 30, AudioCodec: "aac"),
            MediaKind.Gif => new MediaFacts(kind, "image/gif", content.Length, 320, 240),
            _ => new MediaFacts(kind, "image/jpeg", content.Length, 1080, 1350),
        };
        var key = MediaAsset.KeyFor(workspaceId, id, facts);
        using (var stream = new MemoryStream(content))
        {
            await host.Services.GetRequiredService<IMediaStore>().PutAsync(key, stream, facts.Mime, CancellationToken.None);
        }

        await using var session = host.Services.GetRequiredService<IDocumentStore>().LightweightSession();
        session.Events.StartStream<MediaAsset>(id, new MediaAdded(id, workspaceId, name, facts, key, MediaOrigin.Upload, null, null, tags ?? [], Guid.Empty, when));
        await session.SaveChangesAsync();
        return id;
    }

    /// <summary>The item as stored (its read model), deleted or not.</summary>
    public static async Task<MediaAsset?> MediaItemAsync(this IAlbaHost host, string mediaId)
    {
        await using var session = host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return await session.LoadAsync<MediaAsset>(Ids.Of(mediaId));
    }

    /// <summary>
    /// Makes a drafted post (and every target, when <paramref name="inTargets"/>) use library items, as drafting with
    /// <c>mediaId</c> inputs will: a <see cref="PostEdited"/> on the post's stream whose media name the items.
    /// </summary>
    public static async Task UseMediaAsync(this IAlbaHost host, string postId, bool inTargets, params string[] mediaIds)
    {
        await using var session = host.Services.GetRequiredService<IDocumentStore>().LightweightSession();
        var post = (await session.LoadAsync<Post>(Ids.Of(postId)))!;
        List<MediaRef> media = [.. mediaIds.Select(m => new MediaRef($"https://media.example/{Ids.Of(m):N}.jpg", MediaKind.Image, null, Ids.Of(m)))];
        var targets = post.Targets.Select(t => new TargetContent(t.Id, t.ConnectionId, t.Platform, t.Text, inTargets ? media : t.Media, t.Options)).ToList();
        session.Events.Append(post.Id, new PostEdited(post.Id, post.Text, inTargets ? post.Media : media, targets, post.AuthorId, DateTimeOffset.UtcNow));
        await session.SaveChangesAsync();
    }
}

/// <summary>Global ids to the Guids behind them, for tests that read documents.</summary>
public static class Ids
{
    public static Guid Of(string globalId) =>
        GlobalId.TryParse(globalId, out var parsed) ? parsed.Id : throw new ArgumentException($"not a global id: {globalId}");
}
