using System.Globalization;
using System.Text;
using Marten;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Billing;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.Features.Media.Probing;
using Nexus.Api.Features.Media.Storage;

namespace Nexus.Api.Features.Media.Adding;

/// <summary>A file about to enter a workspace's library: whose, under what name (as given; it is sanitized), how, by whom.</summary>
public sealed record NewMedia(Guid WorkspaceId, string? Name, MediaOrigin Origin, Guid ActorId);

/// <summary>
/// The one way an uploaded or imported file enters the library: its facts probed from the bytes (never from a name or
/// a declared type), the file stored under <see cref="MediaAsset.KeyFor"/>, and <see cref="MediaAdded"/> starting the
/// item's stream. The id, and with it the storage key, is random: a stored file whose event then fails is reachable by
/// nobody, and it is deleted on the spot as well as can be.
/// </summary>
public sealed class AddToLibrary(MediaProbe probe, IMediaStore store, IDocumentStore documents, TimeProvider clock, IOptions<BillingOptions> billing, ILogger<AddToLibrary> logger)
{
    /// <summary>
    /// Adds the file at <paramref name="path"/> (the caller's temporary file; it is not moved). Throws
    /// <see cref="MediaRejectedException"/> for a file Nexus does not accept. <paramref name="alongside"/> queues more
    /// writes (given the new id) into the transaction that records the event, so both happen or neither.
    /// </summary>
    public async Task<MediaAsset> AddAsync(NewMedia media, string path, CancellationToken ct, Action<IDocumentSession, Guid>? alongside = null)
    {
        var facts = await probe.ProbeAsync(path, ct);
        var id = Guid.NewGuid();
        var key = MediaAsset.KeyFor(media.WorkspaceId, id, facts);
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan))
        {
            await store.PutAsync(key, file, facts.Mime, ct);
        }

        var added = new MediaAdded(id, media.WorkspaceId, MediaNames.From(media.Name, facts), facts, key, media.Origin, null, null, [], media.ActorId, clock.GetUtcNow());
        try
        {
            await using var session = documents.LightweightSession();
            // Counted and recorded under the workspace's plan lock: parallel additions cannot both fit in the last bytes.
            await PlanGate.LockAsync(session, media.WorkspaceId, ct);
            if (await session.LoadAsync<Workspace>(media.WorkspaceId, ct) is { } workspace
                && await PlanGate.RefusesAsync(billing.Value, workspace, added.At, PlanLimit.MediaStorageBytes, facts.SizeBytes,
                    () => PlanUsage.MediaBytesAsync(session, media.WorkspaceId, ct)) is { } full)
            {
                throw new MediaRejectedException(PlanLimitError.ErrorCode, full.Message) { PlanLimit = full };
            }

            session.Events.StartStream<MediaAsset>(id, added);
            alongside?.Invoke(session, id);
            await session.SaveChangesAsync(ct);
        }
        catch
        {
            try
            {
                await store.DeleteAsync(key, CancellationToken.None);
            }
            catch (Exception cleanup)
            {
                // Unreachable all the same (no event names its random key); only the space is lost.
                logger.LogWarning(cleanup, "A stored media file whose item was not recorded could not be deleted");
            }

            throw;
        }

        return MediaAsset.Create(added);
    }
}

/// <summary>Library names made from what a client says a file is called (a file name, a URL's last segment).</summary>
public static class MediaNames
{
    /// <summary>Longest name, in characters (whole text elements: an emoji is never cut in two).</summary>
    public const int MaxLength = 200;

    /// <summary>
    /// The last segment of <paramref name="raw"/> (no directory part a client may send), without control and format
    /// characters (bidi overrides could disguise an extension), whitespace runs made one space, trimmed and cut to
    /// <see cref="MaxLength"/>; when nothing is left, "Untitled" with the content's usual extension.
    /// </summary>
    public static string From(string? raw, MediaFacts facts)
    {
        var name = (raw ?? "").Replace('\\', '/');
        name = name[(name.LastIndexOf('/') + 1)..];
        var clean = new StringBuilder(Math.Min(name.Length, MaxLength * 2));
        var space = false;
        foreach (var rune in name.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned
                || rune.Value == 0xFFFD)
            {
                continue;
            }

            if (Rune.IsWhiteSpace(rune))
            {
                space = clean.Length > 0;
                continue;
            }

            if (space)
            {
                clean.Append(' ');
                space = false;
            }

            clean.Append(rune.ToString());
        }

        var text = clean.ToString();
        if (new StringInfo(text).LengthInTextElements > MaxLength)
        {
            text = new StringInfo(text).SubstringByTextElements(0, MaxLength).TrimEnd();
        }

        return text.Length == 0 || text is "." or ".." ? "Untitled" + facts.Extension : text;
    }
}
