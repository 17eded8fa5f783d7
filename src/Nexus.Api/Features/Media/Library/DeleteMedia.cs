using GraphQL;
using Marten;
using Nexus.Api.Features.Media.Storage;
using Nexus.Api.Features.Media.Using;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.Infrastructure.Identity;
using Wolverine;

namespace Nexus.Api.Features.Media.Library;

/// <summary>Deletes a library item, unless a scheduled or publishing post uses it (see <see cref="MediaUses"/>).</summary>
public sealed record DeleteMedia(Guid MediaId, Guid ByActorId);

/// <summary>Removes a deleted item's file; sent once the deletion committed, and harmless to run twice.</summary>
public sealed record RemoveMediaFile(Guid MediaId, string StorageKey);

public static class DeleteMediaHandler
{
    // The item's stream is fetched for writing before its uses are read: a post scheduled meanwhile appends to the same
    // stream, so one of the two commits fails on the version and runs again, seeing the other.
    public static async Task<(Outcome<Guid, MediaNotFoundError, MediaInUseError>, OutgoingMessages)> HandleAsync(DeleteMedia command, IDocumentSession session,
        DateTimeOffset now, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<MediaAsset>(command.MediaId, ct);
        if (stream.Aggregate is not { Deleted: false } item)
        {
            return (new MediaNotFoundError(), []);
        }

        if (await MediaUses.BlockingAsync(session, item, ct) is { Count: > 0 } posts)
        {
            return (MediaUses.InUse(item, posts), []);
        }

        stream.AppendOne(new MediaDeleted(item.Id, command.ByActorId, now));
        return (item.Id, [new RemoveMediaFile(item.Id, item.StorageKey)]);
    }
}

public static class RemoveMediaFileHandler
{
    public static Task Handle(RemoveMediaFile message, IMediaStore store, CancellationToken ct) => store.DeleteAsync(message.StorageKey, ct);
}

public sealed record DeleteMediaInput([property: Id] string MediaId) : IMediaInput;

public sealed class DeleteMediaMutation() : Mutation<DeleteMediaInput, DeleteMedia, Guid>("deleteMedia",
    "Deletes a library item and its file; its signed URLs stop working. MEDIA_IN_USE (naming the posts, with their ids) while a scheduled or publishing post uses it.",
    MediaAccess.Needs(Role.Editor).Scope(AppScope.MediaWrite), MediaPayloads.Media, (input, caller) => new(caller.MediaId(), caller.ActorId));
