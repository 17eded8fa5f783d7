using Marten;
using Nexus.Api.Infrastructure;
using Weasel.Postgresql.Tables;

namespace Nexus.Api.Features.Media.Uploading;

/// <summary>
/// <c>nexus.media_uploads</c>: one row per resumable upload, so its state survives a restart and every node sees it.
/// A plain table, because a PATCH appends with one conditional <c>UPDATE</c> (the expected offset in its
/// <c>WHERE</c>) and the sweep claims expired rows with <c>for update skip locked</c>.
/// </summary>
/// <remarks>
/// Columns: the workspace and who created it; the declared <c>length</c> and the bytes <c>received</c>; <c>parts</c>,
/// the media store keys of the staged parts in order (<c>uploads/{id}/…</c>); <c>pending</c>, the keys of parts stored
/// or being stored that no offset counts yet (a PATCH still being received and checked); <c>head</c>, the first bytes (as many as
/// <see cref="MediaTypes.SniffLength"/>) and <c>mime</c>, the type they were sniffed as; <c>expires_at</c>;
/// <c>finishing_until</c>, the lease of the node assembling a complete upload; <c>media_id</c>, the item it became.
/// </remarks>
public static class UploadTables
{
    public const string Uploads = Persistence.SchemaName + ".media_uploads";
}

public sealed class UploadsMarten : IConfigureMarten
{
    public void Configure(IServiceProvider services, StoreOptions options)
    {
        var uploads = new Table(UploadTables.Uploads);
        uploads.AddColumn<Guid>("id").AsPrimaryKey();
        uploads.AddColumn<Guid>("workspace_id").NotNull();
        uploads.AddColumn<Guid>("actor_id").NotNull();
        uploads.AddColumn<string>("file_name").NotNull();
        uploads.AddColumn<long>("length").NotNull();
        uploads.AddColumn<long>("received").NotNull().DefaultValue(0);
        uploads.AddColumn("parts", "text[]").NotNull().DefaultValueByExpression("'{}'");
        uploads.AddColumn("pending", "text[]").NotNull().DefaultValueByExpression("'{}'");
        uploads.AddColumn("head", "bytea").NotNull().DefaultValueByExpression("''::bytea");
        uploads.AddColumn("mime", "text");
        uploads.AddColumn("created_at", "timestamp with time zone").NotNull();
        uploads.AddColumn("expires_at", "timestamp with time zone").NotNull();
        uploads.AddColumn("finishing_until", "timestamp with time zone");
        uploads.AddColumn("media_id", "uuid");
        uploads.Indexes.Add(new IndexDefinition("ix_media_uploads_workspace") { Columns = ["workspace_id"] });
        uploads.Indexes.Add(new IndexDefinition("ix_media_uploads_expires") { Columns = ["expires_at"] });
        options.Storage.ExtendedSchemaObjects.Add(uploads);
    }
}
