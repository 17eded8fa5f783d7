using System.ComponentModel;
using JasperFx.Events.Projections;
using Marten;
using Nexus.Api.Infrastructure;
using Nexus.Api.Platforms;

namespace Nexus.Api.Features.Media;

/// <summary>How an item came into the library.</summary>
public enum MediaOrigin
{
    Upload,
    Import,
    Processed,
}

/// <summary>
/// What probing a file found (<see cref="Probing.MediaProbe"/>): decided from the bytes, never from a name or a declared type.
/// Width and Height are as the item is shown, its <see cref="Orientation"/> applied.
/// </summary>
/// <param name="Kind">Image, GIF (animated or not), video or audio.</param>
/// <param name="Mime">The content type the bytes are (image/jpeg, video/mp4 …).</param>
/// <param name="SizeBytes">The stored file's length.</param>
/// <param name="Width">Displayed width in pixels (images, GIFs, videos).</param>
/// <param name="Height">Displayed height in pixels.</param>
/// <param name="DurationSeconds">Videos, audio and animated GIFs.</param>
/// <param name="FrameRate">Video frames per second.</param>
/// <param name="VideoCodec">ffprobe's codec name: h264, hevc, vp9 …</param>
/// <param name="AudioCodec">ffprobe's codec name: aac, mp3, opus …</param>
/// <param name="BitRate">Bits per second of the whole file (videos and audio).</param>
/// <param name="Orientation">EXIF orientation 1–8 (1: as stored); a rotated video maps to 6 (90°), 3 (180°) or 8 (270°).</param>
/// <param name="Container">ffprobe's format name for videos and audio (mov,mp4,m4a,3gp,3g2,mj2; matroska,webm …).</param>
/// <param name="PixelFormat">The video's pixel format (yuv420p …).</param>
/// <param name="AudioSampleRate">Hz.</param>
/// <param name="Frames">Frames of an animated image (1 for a still one).</param>
public sealed record MediaFacts(
    MediaKind Kind,
    string Mime,
    long SizeBytes,
    int? Width = null,
    int? Height = null,
    double? DurationSeconds = null,
    double? FrameRate = null,
    string? VideoCodec = null,
    string? AudioCodec = null,
    long? BitRate = null,
    int Orientation = 1,
    string? Container = null,
    string? PixelFormat = null,
    int? AudioSampleRate = null,
    int? Frames = null)
{
    /// <summary>Width ÷ height as shown, when both are known.</summary>
    public double? Aspect => Width is > 0 && Height is > 0 ? (double)Width.Value / Height.Value : null;

    /// <summary>The usual file extension for <see cref="Mime"/>, with its dot.</summary>
    public string Extension => MediaTypes.ExtensionOf(Mime);
}

[Description("A file was added to a workspace's media library (uploaded, imported from a URL, or made by processing another item) with the facts probing found.")]
public sealed record MediaAdded(Guid MediaId, Guid WorkspaceId, string Name, MediaFacts Facts, string StorageKey, MediaOrigin Origin, Guid? SourceId,
    string? Operation, IReadOnlyList<string> Tags, Guid ByActorId, DateTimeOffset At) : IDomainEvent;

[Description("A library item was renamed.")]
public sealed record MediaRenamed(Guid MediaId, string Name, Guid ByActorId, DateTimeOffset At) : IDomainEvent;

[Description("A library item's tags were replaced.")]
public sealed record MediaTagged(Guid MediaId, IReadOnlyList<string> Tags, Guid ByActorId, DateTimeOffset At) : IDomainEvent;

[Description("A library item was deleted; its file is removed from storage.")]
public sealed record MediaDeleted(Guid MediaId, Guid ByActorId, DateTimeOffset At) : IDomainEvent;

/// <summary>
/// A media library item: the write model of its stream and, projected inline, the read model behind <c>MediaItem</c>.
/// Its bytes live in the <see cref="Storage.IMediaStore"/> under <see cref="StorageKey"/>, which never changes.
/// </summary>
public sealed record MediaAsset(
    Guid Id,
    Guid WorkspaceId,
    string Name,
    MediaFacts Facts,
    string StorageKey,
    MediaOrigin Origin,
    Guid? SourceId,
    string? Operation,
    IReadOnlyList<string> Tags,
    Guid AddedBy,
    DateTimeOffset CreatedAt,
    bool Deleted,
    int Version)
{
    public MediaKind Kind => Facts.Kind;

    public static MediaAsset Create(MediaAdded e) =>
        new(e.MediaId, e.WorkspaceId, e.Name, e.Facts, e.StorageKey, e.Origin, e.SourceId, e.Operation, e.Tags, e.ByActorId, e.At, false, 1);

    public MediaAsset Apply(MediaRenamed e) => this with { Name = e.Name };

    public MediaAsset Apply(MediaTagged e) => this with { Tags = e.Tags };

    public MediaAsset Apply(MediaDeleted e) => this with { Deleted = true };

    /// <summary>Where a new item's bytes go: under its workspace, so a store's listing and deletion follow workspaces.</summary>
    public static string KeyFor(Guid workspaceId, Guid mediaId, MediaFacts facts) => $"{workspaceId:N}/{mediaId:N}{facts.Extension}";
}

/// <summary>The media area's documents and projections.</summary>
public sealed class MediaMarten : IConfigureMarten
{
    public const string LibraryIndex = "mt_doc_mediaasset_idx_library";
    public const string LibraryByKindIndex = "mt_doc_mediaasset_idx_library_kind";
    public const string TagsIndex = "mt_doc_mediaasset_idx_tags";

    public void Configure(IServiceProvider services, StoreOptions options)
    {
        options.Projections.Snapshot<MediaAsset>(SnapshotLifecycle.Inline);
        options.Schema.For<MediaAsset>()
            .Index(m => m.WorkspaceId)
            .Index(m => m.SourceId)
            // Workspace.media: a workspace's live items newest first on (CreatedAt, Id), read in index order, the
            // cursor's row comparison included; the expressions and the predicate are those MediaLibrary queries with.
            .Index([m => m.WorkspaceId, m => m.CreatedAt, m => m.Id], index =>
            {
                index.Name = LibraryIndex;
                // As PostgreSQL writes it back: Marten compares the two and would otherwise make the index again at every start.
                index.Predicate = "((data ->> 'Deleted'::text))::boolean = false";
            })
            // Workspace.media(kind:): the same order within one kind (a rare kind would otherwise be found by reading
            // the workspace's items and sorting them: PostgreSQL has no statistics on the kind and guesses 0.5 %).
            .Index([m => m.WorkspaceId, m => m.Facts.Kind, m => m.CreatedAt, m => m.Id], index =>
            {
                index.Name = LibraryByKindIndex;
                index.Predicate = "((data ->> 'Deleted'::text))::boolean = false";
            })
            // Workspace.media(tags:): containment (@>) of the tag array, for a tag few items carry.
            .Index(m => m.Tags, index =>
            {
                index.Name = TagsIndex;
                index.Method = Weasel.Postgresql.Tables.IndexMethod.gin;
            })
            // For its statistics: without them PostgreSQL guesses that 0.5 % of the items are live, believes a workspace
            // has a handful, and reads a rare tag through the whole library index rather than the tags index.
            .Index(m => m.Deleted);
        options.Projections.Snapshot<Processing.MediaJob>(SnapshotLifecycle.Inline);
        options.Schema.For<Processing.MediaJob>().Index(j => j.WorkspaceId);
    }
}

/// <summary>The item does not exist (any more), or is another workspace's.</summary>
public sealed record MediaNotFoundError()
    : Nexus.Api.GraphQL.Errors.MutationError("NOT_FOUND", "This media item does not exist.", ["input", "mediaId"]);

/// <summary>
/// A file Nexus does not accept: not a kind it can probe, a container or codec outside the accepted set, too large, too
/// many pixels or too long. <see cref="Code"/> is the typed error's code (UNSUPPORTED_MEDIA, MEDIA_TOO_LARGE).
/// </summary>
public sealed class MediaRejectedException(string code, string message, Exception? inner = null) : Exception(message, inner)
{
    public const string Unsupported = "UNSUPPORTED_MEDIA";
    public const string TooLarge = "MEDIA_TOO_LARGE";

    public string Code { get; } = code;

    /// <summary>Set when the file would take the workspace past its plan's media storage (code <c>PLAN_LIMIT</c>).</summary>
    public Billing.PlanLimitError? PlanLimit { get; init; }
}
