using GraphQL;
using GraphQL.DataLoader;
using GraphQL.Types;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL.Loading;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.GraphQL.Scalars;
using Nexus.Api.Infrastructure.Identity;
using Nexus.Api.Platforms;

namespace Nexus.Api.Features.Media;

/// <summary><c>MediaItem</c>: a file in a workspace's library with the facts probing found.</summary>
public sealed class MediaItemType : ObjectGraphType<MediaAsset>
{
    public const string TypeName = "MediaItem";

    public MediaItemType()
    {
        Name = TypeName;
        Description = "A file in the workspace's media library: what probing its bytes found, and a signed URL to read it.";
        this.NodeId(m => m.Id);
        Field(m => m.Name).Description("The item's name in the library (the uploaded file's name unless renamed).");
        Field<NonNullGraphType<MediaKindType>, MediaKind>("kind").Resolve(ctx => ctx.Source.Facts.Kind);
        Field<NonNullGraphType<StringGraphType>, string>("mime").Description("The type the bytes are, decided from the content.").Resolve(ctx => ctx.Source.Facts.Mime);
        Field<IntGraphType, int?>("width").Description("As shown (orientation applied), in pixels.").Resolve(ctx => ctx.Source.Facts.Width);
        Field<IntGraphType, int?>("height").Description("As shown (orientation applied), in pixels.").Resolve(ctx => ctx.Source.Facts.Height);
        Field<FloatGraphType, double?>("durationSeconds").Resolve(ctx => ctx.Source.Facts.DurationSeconds);
        Field<NonNullGraphType<LongGraphType>, long>("sizeBytes").Resolve(ctx => ctx.Source.Facts.SizeBytes);
        Field<FloatGraphType, double?>("frameRate").Resolve(ctx => ctx.Source.Facts.FrameRate);
        Field<StringGraphType, string?>("videoCodec").Description("ffprobe's name: h264, hevc, vp9 …").Resolve(ctx => ctx.Source.Facts.VideoCodec);
        Field<StringGraphType, string?>("audioCodec").Description("ffprobe's name: aac, mp3, opus …").Resolve(ctx => ctx.Source.Facts.AudioCodec);
        Field<LongGraphType, long?>("bitRate").Description("Bits per second of the whole file (videos and audio).").Resolve(ctx => ctx.Source.Facts.BitRate);
        Field<NonNullGraphType<IntGraphType>, int>("orientation").Description("EXIF orientation 1–8 of the stored file (1: as stored); width and height already apply it.")
            .Resolve(ctx => ctx.Source.Facts.Orientation);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>, IReadOnlyList<string>>("tags").Resolve(ctx => ctx.Source.Tags);
        Field<NonNullGraphType<StringGraphType>, string>("url")
            .Description("A signed URL to the file, valid for a limited time (Nexus:Media:UrlLifetime) and for this item only.")
            .Resolve(ctx => ctx.RequestServices!.GetRequiredService<MediaUrls>().For(ctx.Source.Id).AbsoluteUri);
        Field<IdGraphType, string?>("sourceId").Description("The item this one was made from by processing; null for uploads and imports.")
            .Resolve(ctx => ctx.Source.SourceId is { } source ? GlobalId.Encode(TypeName, source) : null);
        Field<StringGraphType, string?>("operation").Description("What processing made this item from its source (\"crop to 4:5\").").Resolve(ctx => ctx.Source.Operation);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("createdAt").Resolve(ctx => ctx.Source.CreatedAt);
    }
}

/// <summary>An item is visible through <c>node(id)</c> to members of its workspace only.</summary>
public sealed class MediaItemNodeResolver : INodeResolver
{
    public static readonly BatchLoader<Guid, MediaAsset> ById = BatchLoader.ById<MediaAsset>(m => m.Id);

    public string TypeName => MediaItemType.TypeName;

    public string? Scope => AppScope.PostsRead;

    public IDataLoaderResult Resolve(Guid id, IResolveFieldContext context) =>
        context.Load(ById, id).Then(item => item is null or { Deleted: true }
            ? ((MediaAsset?)null).AsLoaded()
            : WorkspaceLoaders.Visible(context, item.WorkspaceId, _ => item));
}
