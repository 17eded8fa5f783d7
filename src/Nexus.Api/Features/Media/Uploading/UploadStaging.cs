using Microsoft.Extensions.Options;
using Nexus.Api.Features.Media.Adding;
using Nexus.Api.Features.Media.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Nexus.Api.Features.Media.Uploading;

/// <summary>A resumable upload as its row says.</summary>
public sealed record UploadRow(Guid Id, Guid WorkspaceId, Guid ActorId, string FileName, long Length, long Received, string[] Parts, byte[] Head, string? Mime,
    DateTimeOffset ExpiresAt, Guid? MediaId)
{
    public bool Complete => Received == Length;
}

/// <summary>How finishing a complete upload went: the new item's id, or the file was refused (the upload is gone), or another request is at it.</summary>
public sealed record Finished(Guid? MediaId, MediaRejectedException? Rejected);

/// <summary>
/// The state of resumable uploads (<see cref="UploadTables.Uploads"/>) and their staged bytes, which are parts in the
/// media store (<c>uploads/{id}/{random}</c>) so that every node reads what any node received. A part is named on the
/// row as pending, stored, and then counted by one <c>UPDATE</c> that names the offset it expects: of two PATCHes racing
/// at one offset one wins, and the loser's parts are deleted (so are a PATCH's whose checksum does not match). A complete upload is assembled into a temporary file by the one
/// request that holds its finishing lease, and added to the library (<see cref="AddToLibrary"/>) in the transaction
/// that records the item's id on the row.
/// </summary>
public sealed class UploadStaging(NpgsqlDataSource db, IMediaStore store, AddToLibrary library, TimeProvider clock, IOptions<UploadOptions> options,
    ILogger<UploadStaging> logger)
{
    private const string Columns = "id, workspace_id, actor_id, file_name, length, received, parts, head, mime, expires_at, media_id";

    private UploadOptions Options => options.Value;

    /// <summary>A new upload; null when the workspace already has as many open as it may.</summary>
    public async Task<UploadRow?> CreateAsync(Guid workspaceId, Guid actorId, string fileName, long length, CancellationToken ct)
    {
        var id = Guid.NewGuid();
        var now = clock.GetUtcNow();
        // The limit is checked in the insert itself, so two creations at once cannot both pass it.
        await using var insert = db.CreateCommand(
            $"insert into {UploadTables.Uploads} (id, workspace_id, actor_id, file_name, length, created_at, expires_at) " +
            $"select $1, $2, $3, $4, $5, $6, $7 where (select count(*) from {UploadTables.Uploads} where workspace_id = $2 and media_id is null and expires_at > $6) < $8 " +
            $"returning {Columns}");
        Add(insert.Parameters, id, workspaceId, actorId, fileName, length, now, now + Options.Expiry, (long)Options.MaxOpenPerWorkspace);
        await using var reader = await insert.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    /// <summary>The upload, unless there is none or it has expired.</summary>
    public async Task<UploadRow?> FindAsync(Guid id, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"select {Columns} from {UploadTables.Uploads} where id = $1 and expires_at > $2");
        Add(command.Parameters, id, clock.GetUtcNow());
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    /// <summary>
    /// Stores the <paramref name="bytes"/> bytes at <paramref name="path"/> as the part at <paramref name="offset"/> and
    /// records it; the new state, or null when the upload was no longer at that offset (another request got there first,
    /// or it was terminated), in which case the part is deleted again.
    /// </summary>
    public async Task<UploadRow?> AppendAsync(Guid id, long offset, string path, long bytes, byte[] head, string? mime, CancellationToken ct)
    {
        var key = await StageAsync(id, path, ct);
        return key is null ? null : await RecordAsync(id, offset, [key], bytes, head, mime, ct);
    }

    /// <summary>
    /// Stores the file at <paramref name="path"/> as a part of the upload that no offset counts yet (a PATCH whose
    /// checksum is still to be verified); its key, or null when the upload is gone or finished. The key is named on the
    /// row (<c>pending</c>) before the bytes are stored, so that a node dying before <see cref="RecordAsync"/> or
    /// <see cref="DiscardAsync"/> leaves nothing the sweep of the upload does not remove.
    /// </summary>
    public async Task<string?> StageAsync(Guid id, string path, CancellationToken ct)
    {
        var key = $"uploads/{id:N}/{Guid.NewGuid():N}";
        await using (var command = db.CreateCommand($"update {UploadTables.Uploads} set pending = array_append(pending, $2) where id = $1 and media_id is null"))
        {
            Add(command.Parameters, id, key);
            if (await command.ExecuteNonQueryAsync(ct) == 0)
            {
                return null;
            }
        }

        try
        {
            await using var part = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous);
            await store.PutAsync(key, part, "application/octet-stream", ct);
        }
        catch
        {
            await DiscardAsync(id, [key]);
            throw;
        }

        return key;
    }

    /// <summary>
    /// Counts staged parts (<see cref="StageAsync"/>, in order) as the <paramref name="bytes"/> bytes at
    /// <paramref name="offset"/>, in one <c>UPDATE</c> that expects that offset; the new state, or null when the upload
    /// was no longer there (another request got there first, it was terminated or finished), and then the parts are
    /// deleted again.
    /// </summary>
    public async Task<UploadRow?> RecordAsync(Guid id, long offset, string[] keys, long bytes, byte[] head, string? mime, CancellationToken ct)
    {
        UploadRow? updated = null;
        try
        {
            await using var command = db.CreateCommand(
                $"update {UploadTables.Uploads} set received = received + $3, parts = parts || $4, pending = array(select k from unnest(pending) k where k <> all($4)), " +
                $"head = $5, mime = coalesce(mime, $6), expires_at = $7 " +
                $"where id = $1 and received = $2 and received + $3 <= length and media_id is null returning {Columns}");
            Add(command.Parameters, id, offset, bytes, keys, head, mime, clock.GetUtcNow() + Options.Expiry);
            await using var reader = await command.ExecuteReaderAsync(ct);
            updated = await reader.ReadAsync(ct) ? Read(reader) : null;
        }
        finally
        {
            if (updated is null)
            {
                await DiscardAsync(id, keys);
            }
        }

        return updated;
    }

    /// <summary>Deletes staged parts that were never counted (a checksum mismatch, a dropped or refused PATCH) and unnames them.</summary>
    public async Task DiscardAsync(Guid id, IReadOnlyCollection<string> keys)
    {
        if (keys.Count == 0)
        {
            return;
        }

        await using (var command = db.CreateCommand($"update {UploadTables.Uploads} set pending = array(select k from unnest(pending) k where k <> all($2)) where id = $1"))
        {
            Add(command.Parameters, id, keys.ToArray());
            await command.ExecuteNonQueryAsync(CancellationToken.None);
        }

        await DeletePartsAsync(keys);
    }

    /// <summary>
    /// Makes a complete upload a library item, once: the request that takes the finishing lease assembles the parts,
    /// probes and stores the file and records the item; a refused file ends the upload. An upload already finished
    /// answers its item.
    /// </summary>
    public async Task<Finished> FinishAsync(Guid id, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        UploadRow? row;
        await using (var claim = db.CreateCommand(
            $"update {UploadTables.Uploads} set finishing_until = $2 where id = $1 and received = length and media_id is null " +
            $"and (finishing_until is null or finishing_until < $3) returning {Columns}"))
        {
            Add(claim.Parameters, id, now + Options.FinishLease, now);
            await using var reader = await claim.ExecuteReaderAsync(ct);
            row = await reader.ReadAsync(ct) ? Read(reader) : null;
        }

        if (row is null)
        {
            return new((await FindAsync(id, ct))?.MediaId, null);
        }

        var done = false;
        try
        {
            using var assembled = TempFile.New(MediaTypes.ExtensionOf(row.Mime ?? ""));
            await using (var output = new FileStream(assembled.Path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                foreach (var key in row.Parts)
                {
                    await using var part = await store.OpenAsync(key, null, ct) ?? throw new InvalidOperationException($"The staged part {key} of upload {id} is missing.");
                    await part.Content.CopyToAsync(output, ct);
                }
            }

            MediaAsset item;
            try
            {
                item = await library.AddAsync(new NewMedia(row.WorkspaceId, row.FileName, MediaOrigin.Upload, row.ActorId), assembled.Path, ct,
                    (session, mediaId) => session.QueueSqlCommand(
                        $"update {UploadTables.Uploads} set media_id = ?, finishing_until = null, parts = '{{}}' where id = ?", mediaId, id));
            }
            catch (MediaRejectedException rejected)
            {
                await TerminateAsync(id, CancellationToken.None);
                done = true;
                return new(null, rejected);
            }

            done = true;
            await DeletePartsAsync(row.Parts);
            return new(item.Id, null);
        }
        finally
        {
            if (!done)
            {
                // Another request may try again at once rather than after the lease.
                await using var release = db.CreateCommand($"update {UploadTables.Uploads} set finishing_until = null where id = $1 and media_id is null");
                Add(release.Parameters, id);
                await release.ExecuteNonQueryAsync(CancellationToken.None);
            }
        }
    }

    /// <summary>Ends an upload (tus termination, a refused file): its row and its staged parts; false when there was none.</summary>
    public async Task<bool> TerminateAsync(Guid id, CancellationToken ct)
    {
        string[]? parts = null;
        await using (var command = db.CreateCommand($"delete from {UploadTables.Uploads} where id = $1 returning parts || pending"))
        {
            Add(command.Parameters, id);
            await using var reader = await command.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct))
            {
                parts = reader.GetFieldValue<string[]>(0);
            }
        }

        if (parts is null)
        {
            return false;
        }

        await DeletePartsAsync(parts);
        return true;
    }

    /// <summary>Removes a batch of expired uploads and their parts; true when the batch was full (more may be due).</summary>
    public async Task<bool> SweepOnceAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var parts = new List<string>();
        var removed = 0;
        await using (var command = db.CreateCommand(
            $"delete from {UploadTables.Uploads} where id in (select id from {UploadTables.Uploads} where expires_at <= $1 " +
            $"and (finishing_until is null or finishing_until < $1) order by expires_at limit $2 for update skip locked) returning parts || pending"))
        {
            Add(command.Parameters, now, (long)Options.SweepBatch);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                parts.AddRange(reader.GetFieldValue<string[]>(0));
                removed++;
            }
        }

        await DeletePartsAsync(parts);
        if (removed > 0 && logger.IsEnabled(LogLevel.Information))
        {
            logger.LogInformation("Removed {Count} expired media uploads", removed);
        }

        return removed >= Options.SweepBatch;
    }

    private async Task DeletePartsAsync(IEnumerable<string> keys)
    {
        foreach (var key in keys)
        {
            try
            {
                await store.DeleteAsync(key, CancellationToken.None);
            }
            catch (Exception ex)
            {
                // Parts are named by no row any more: unreachable, only their space is lost.
                logger.LogWarning(ex, "A staged upload part could not be deleted");
            }
        }
    }

    private static UploadRow Read(NpgsqlDataReader reader) => new(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetString(3), reader.GetInt64(4),
        reader.GetInt64(5), reader.GetFieldValue<string[]>(6), reader.GetFieldValue<byte[]>(7), reader.IsDBNull(8) ? null : reader.GetString(8),
        reader.GetFieldValue<DateTimeOffset>(9), reader.IsDBNull(10) ? null : reader.GetGuid(10));

    private static void Add(NpgsqlParameterCollection parameters, params object?[] values)
    {
        foreach (var value in values)
        {
            parameters.Add(value switch
            {
                null => new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                byte[] bytes => new NpgsqlParameter { Value = bytes, NpgsqlDbType = NpgsqlDbType.Bytea },
                _ => new NpgsqlParameter { Value = value },
            });
        }
    }
}
