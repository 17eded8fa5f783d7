using GraphQL;
using GraphQL.DataLoader;
using GraphQL.Types;
using Marten;
using Nexus.Api.Features.Accounts;
using Nexus.Api.Features.Connections;
using Nexus.Api.Features.EventStreams.TimeTravel;
using Nexus.Api.Features.Media;
using Nexus.Api.Features.Media.Processing;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.GraphQL.Loading;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.GraphQL.Scalars;
using Nexus.Api.Infrastructure.Identity;
using Nexus.Api.Platforms;

namespace Nexus.Api.Features.Posts;

/// <summary><c>Post</c>: one piece of content for several accounts, and how its publication went.</summary>
public sealed class PostType : ObjectGraphType<Post>
{
    public const string TypeName = "Post";

    public PostType(TypeExtensionRegistry extensions)
    {
        Name = TypeName;
        Description = "A post for one or more connected accounts: content, schedule, and each target's publication.";
        this.NodeId(p => p.Id);
        Field(p => p.Text).Description("The text every target publishes unless it has its own.");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<MediaType>>>, IReadOnlyList<MediaRef>>("media").Resolve(ctx => ctx.Source.Media);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<PostTargetType>>>, IReadOnlyList<PostTarget>>("targets").Resolve(ctx => ctx.Source.Targets);
        Field<NonNullGraphType<PostStatusType>, PostStatus>("status").Resolve(ctx => ctx.Source.Status);
        Field<DateTimeScalar, DateTimeOffset?>("scheduledAt").Description("When it is (or was) due, as an instant.").Resolve(ctx => ctx.Source.ScheduledAt);
        Field<TimeZoneScalar, TimeZoneInfo?>("timeZone").Description("The IANA zone the time was chosen in.")
            .Resolve(ctx => ctx.Source.TimeZone is { } zone ? TimeZoneInfo.FindSystemTimeZoneById(zone) : null);
        Field<StringGraphType, string?>("localScheduledAt").Description("The wall time in that zone, `yyyy-MM-ddTHH:mm`.").Resolve(ctx => ctx.Source.LocalTime);
        Field<DstResolutionType, DstResolution?>("dstResolution")
            .Description("How a daylight-saving gap or overlap at that wall time was resolved.").Resolve(ctx => ctx.Source.Dst);
        Field<NonNullGraphType<BooleanGraphType>, bool>("queued").Description("Whether the time is a slot of the workspace's posting schedule.")
            .Resolve(ctx => ctx.Source.FromQueue);
        Field(p => p.Version).Description("The stream version; send it back as `expectedVersion` to edit.");
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("createdAt").Resolve(ctx => ctx.Source.CreatedAt);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("updatedAt").Resolve(ctx => ctx.Source.UpdatedAt);
        Field<DateTimeScalar, DateTimeOffset?>("publishedAt").Description("When the first target was published.").Resolve(ctx => ctx.Source.PublishedAt);
        Field<UserType, IDataLoaderResult<User?>>("author").Resolve(ctx => ctx.Load(UserLoaders.ById, ctx.Source.AuthorId));
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<PreflightIssueType>>>, IDataLoaderResult<IReadOnlyList<PreflightIssue>>>("warnings")
            .Description("What would stop publication now (platform rules, connections needing attention); scheduling refuses a post with any.")
            .Resolve(ctx => Warnings(ctx.Source, ctx));
        Field<NonNullGraphType<global::GraphQL.Types.Relay.ConnectionType<PostHistoryEntryType, global::GraphQL.Types.Relay.EdgeType<PostHistoryEntryType>>>, object>("history")
            .Description("Everything that happened to the post, oldest first, from its events.")
            .Paged()
            .Resolve(ctx => PostHistory.Page(ctx.Source, ctx.GetPageRequest(), ctx));
        extensions.Extend(this);
    }

    private static IDataLoaderResult<IReadOnlyList<PreflightIssue>> Warnings(Post post, IResolveFieldContext context)
    {
        if (!post.IsEditable)
        {
            return ((IReadOnlyList<PreflightIssue>)[]).AsLoaded();
        }

        var preflight = context.RequestServices!.GetRequiredService<Preflight>();
        return context.LoadMany(ConnectionLoaders.ById, post.Targets.Select(t => t.ConnectionId)).Then(connections => preflight.Check(post, connections));
    }
}

public sealed class PostTargetType : ObjectGraphType<PostTarget>
{
    public const string TypeName = "PostTarget";

    public PostTargetType(TypeExtensionRegistry extensions)
    {
        Name = TypeName;
        Description = "One account a post publishes to.";
        this.NodeId(t => t.Id).Description("The target's global id (for retryTarget and node(id)).");
        Field<ConnectionType, IDataLoaderResult<Connection?>>("connection").Description("The account; null if it was removed.")
            .Resolve(ctx => ctx.Load(ConnectionLoaders.ById, ctx.Source.ConnectionId));
        Field<NonNullGraphType<PlatformIdType>, PlatformId>("platform").Resolve(ctx => ctx.Source.Platform);
        Field<NonNullGraphType<TargetStatusType>, TargetStatus>("status").Resolve(ctx => ctx.Source.Status);
        Field(t => t.Attempts).Description("Calls made (or started) to the platform for this target.");
        Field<TargetErrorType, TargetError?>("lastError").Description("Why the last attempt failed; null once published.").Resolve(ctx => ctx.Source.LastError);
        Field(t => t.ExternalId, nullable: true).Description("The platform's id of the published post.");
        Field(t => t.ExternalUrl, nullable: true).Description("The published post's URL, when the platform gives one.");
        Field<DateTimeScalar, DateTimeOffset?>("publishedAt").Resolve(ctx => ctx.Source.PublishedAt);
        Field<DateTimeScalar, DateTimeOffset?>("nextAttemptAt").Description("When Nexus tries again after a failure it can retry.").Resolve(ctx => ctx.Source.NextAttemptAt);
        Field<StringGraphType, string?>("text").Description("This target's own text; null when it uses the post's.").Resolve(ctx => ctx.Source.Text);
        Field<ListGraphType<NonNullGraphType<MediaType>>, IReadOnlyList<MediaRef>?>("media").Description("This target's own media; null when it uses the post's. A variant `fitMediaToTargets` made replaces the item here.").Resolve(ctx => ctx.Source.Media);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<MediaFitType>>>, IEnumerable<MediaFit>>("mediaFits")
            .Description("This target's media being (or made) fitted to its platform by `fitMediaToTargets`, by media index.")
            .Resolve(ctx => ctx.Source.Fits);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<PostOptionType>>>, IEnumerable<KeyValuePair<string, string>>>("options")
            .Description("The platform settings, as the publisher reads them.").Resolve(ctx => ctx.Source.Options.OrderBy(o => o.Key, StringComparer.Ordinal));
        extensions.Extend(this);
    }
}

public sealed class TargetErrorType : ObjectGraphType<TargetError>
{
    public TargetErrorType()
    {
        Name = "TargetError";
        Description = "Why a target's last attempt failed, in the platform's words plus what to do.";
        Field(e => e.Code).Description("PLATFORM_UNAVAILABLE, RATE_LIMITED, NEEDS_REAUTH, PLATFORM_REJECTED, NOT_CONNECTED or UNCONFIRMED.");
        Field(e => e.Message);
        Field(e => e.Retryable).Description("Whether trying again can help (automatically, or with retryTarget).");
    }
}

public sealed class MediaType : ObjectGraphType<MediaRef>
{
    public MediaType()
    {
        Name = "Media";
        Field(m => m.Url).Description("The URL given, or `nexus-media:{id}` for a library item (read `item.url` for a signed URL to its file).");
        Field<NonNullGraphType<MediaKindType>, MediaKind>("kind").Resolve(ctx => ctx.Source.Kind);
        Field(m => m.AltText, nullable: true);
        Field<MediaItemType, IDataLoaderResult<MediaAsset?>>("item").Description("The library item, when the media is one (null once it is deleted).")
            .Resolve(ctx => ctx.Source.MediaId is { } id
                ? ctx.Load(MediaItemNodeResolver.ById, id).Then(item => item is { Deleted: false } ? item : null)
                : ((MediaAsset?)null).AsLoaded());
    }
}

public sealed class MediaFitType : ObjectGraphType<MediaFit>
{
    public MediaFitType()
    {
        Name = "MediaFit";
        Description = "One media item of a target being fitted to its platform: the source, the operation under way, and how it went.";
        Field(f => f.Index).Description("The item's place in the target's media.");
        Field<NonNullGraphType<MediaFitStatusType>, MediaFitStatus>("status").Resolve(ctx => ctx.Source.Status);
        Field<NonNullGraphType<IdGraphType>, string>("sourceId").Description("The library item being fitted (a `MediaItem` id).")
            .Resolve(ctx => GlobalId.Encode(MediaItemType.TypeName, ctx.Source.SourceId));
        Field<IdGraphType, string?>("variantId").Description("The variant made, once FITTED (a `MediaItem` id).")
            .Resolve(ctx => ctx.Source.VariantId is { } id ? GlobalId.Encode(MediaItemType.TypeName, id) : null);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<MediaFixType>>>, IEnumerable<MediaOperation>>("operations")
            .Description("The operation running (or last run), then those still to run.").Resolve(ctx => [ctx.Source.Operation, .. ctx.Source.Then]);
        Field<TargetErrorType, TargetError?>("error").Description("Why the variant could not be made (FAILED); the target keeps its media.").Resolve(ctx => ctx.Source.Error);
    }
}

public sealed class MediaFitStatusType : EnumerationGraphType<MediaFitStatus>
{
    public MediaFitStatusType()
    {
        Name = "MediaFitStatus";
        Description = "FITTING: a processing job is making the variant. FITTED: the variant replaced the item in the target's media. FAILED: the job failed.";
    }
}

/// <summary>An operation that fixes a library item for a platform, as preflight plans it and <c>fitMediaToTargets</c> runs it.</summary>
public sealed class MediaFixType : ObjectGraphType<MediaOperation>
{
    public MediaFixType()
    {
        Name = "MediaFix";
        Description = "A processing operation that makes a library item fit a platform, as `fitMediaToTargets` runs it.";
        Field<NonNullGraphType<StringGraphType>, string>("operation").Description("resizeImage, transcodeVideo or trim.")
            .Resolve(ctx => ctx.Source switch { ResizeImage => "resizeImage", TranscodeVideo => "transcodeVideo", TrimMedia => "trim", var other => other.GetType().Name });
        Field<NonNullGraphType<StringGraphType>, string>("description").Resolve(ctx => ctx.Source.Describe());
        Field<StringGraphType, string?>("aspect").Description("resizeImage: the width:height cropped to.").Resolve(ctx => (ctx.Source as ResizeImage)?.Aspect.ToString());
        Field<IntGraphType, int?>("width").Description("resizeImage: the width in pixels.").Resolve(ctx => (ctx.Source as ResizeImage)?.Width);
        Field<StringGraphType, string?>("format").Description("resizeImage: JPEG, PNG or WEBP.").Resolve(ctx => (ctx.Source as ResizeImage)?.Format.ToString().ToUpperInvariant());
        Field<StringGraphType, string?>("preset").Description("transcodeVideo: the platform preset.").Resolve(ctx => (ctx.Source as TranscodeVideo)?.Preset);
        Field<FloatGraphType, double?>("startSeconds").Description("trim: where the cut starts.").Resolve(ctx => (ctx.Source as TrimMedia)?.StartSeconds);
        Field<FloatGraphType, double?>("endSeconds").Description("trim: where the cut ends.").Resolve(ctx => (ctx.Source as TrimMedia)?.EndSeconds);
    }
}

public sealed class PostOptionType : ObjectGraphType<KeyValuePair<string, string>>
{
    public PostOptionType()
    {
        Name = "PostOption";
        Field<NonNullGraphType<StringGraphType>, string>("key").Resolve(ctx => ctx.Source.Key);
        Field<NonNullGraphType<StringGraphType>, string>("value").Resolve(ctx => ctx.Source.Value);
    }
}

public sealed class PreflightIssueType : ObjectGraphType<PreflightIssue>
{
    public PreflightIssueType()
    {
        Name = "PreflightIssue";
        Description = "A reason a target could not be published as it stands.";
        Field(i => i.Code).Description("PLATFORM_RULE, NOT_CONNECTED or EMPTY_POST (neither text nor media).");
        Field(i => i.Message);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>, IReadOnlyList<string>>("path")
            .Description("The input field concerned, as in mutation errors: `[\"input\", \"targets\", index, field...]`, index being the target's place in `targets`.")
            .Resolve(ctx => ctx.Source.Path);
        Field<NonNullGraphType<IdGraphType>, string>("targetId").Resolve(ctx => GlobalId.Encode(PostTargetType.TypeName, ctx.Source.TargetId));
        Field<ListGraphType<NonNullGraphType<MediaFixType>>, IReadOnlyList<MediaOperation>?>("fix")
            .Description("For a library item: what `fitMediaToTargets` would run on it, in order; null when only a person can fix it (or it is no library item).")
            .Resolve(ctx => ctx.Source.Fix);
    }
}

public sealed class PostStatusType : EnumerationGraphType<PostStatus>
{
    public PostStatusType()
    {
        Name = "PostStatus";
        Description = "DRAFT: not scheduled. SCHEDULED: waiting for its time. PUBLISHING: targets are being published or retried. " +
            "PUBLISHED: every target is out. PARTIALLY_PUBLISHED: some are out, others failed or are unconfirmed. FAILED: none is out. CANCELLED: unscheduled before publication.";
    }
}

public sealed class TargetStatusType : EnumerationGraphType<TargetStatus>
{
    public TargetStatusType()
    {
        Name = "TargetStatus";
        Description = "UNCONFIRMED: the platform may or may not have published it and cannot be asked; Nexus never reposts blindly (retryTarget with force does).";
    }
}

public sealed class DstResolutionType : EnumerationGraphType<DstResolution>
{
    public DstResolutionType() => Name = "DstResolution";
}

/// <summary>Loads posts for access checks and node lookups.</summary>
public static class PostLookup
{
    public static bool TryParseId(string? id, out Guid postId) => GlobalId.TryParse(id, PostType.TypeName, out postId);

    /// <summary>The workspace a post belongs to (empty when there is no such post, which the access check refuses).</summary>
    public static async ValueTask<Guid> WorkspaceOfAsync(IResolveFieldContext context, string? postId)
    {
        if (!TryParseId(postId, out var id))
        {
            throw new BadRequestError("The post id is not valid.");
        }

        var session = context.RequestServices!.GetRequiredService<IQuerySession>();
        if (await session.LoadAsync<Post>(id, context.CancellationToken) is { } post)
        {
            context.UserContext[Key(id)] = post;
            return post.WorkspaceId;
        }

        // A discarded post is gone for readers, but its members may still be told so (NOT_FOUND) rather than FORBIDDEN.
        var first = await session.Events.FetchStreamAsync(id, version: 1, token: context.CancellationToken);
        return first is [{ Data: PostDrafted drafted }, ..] ? drafted.WorkspaceId : Guid.Empty;
    }

    /// <summary>
    /// The post the access check just loaded, in a query (where nothing can have changed it since); else loaded again,
    /// since an earlier mutation of the same document may have changed it.
    /// </summary>
    public static IDataLoaderResult<Post?> Checked(IResolveFieldContext context, Guid postId) =>
        context.Operation.Operation == GraphQLParser.AST.OperationType.Query && context.UserContext.TryGetValue(Key(postId), out var loaded) && loaded is Post post
            ? ((Post?)post).AsLoaded()
            : context.Load(PostLoaders.ById, postId);

    private static string Key(Guid postId) => "nexus:post:" + postId.ToString("N");
}

/// <summary>Posts by id, and by the id of one of their targets.</summary>
public static class PostLoaders
{
    public static readonly BatchLoader<Guid, Post> ById = BatchLoader.ById<Post>(p => p.Id);

    public static readonly BatchLoader<Guid, Post> ByTargetId = new("PostByTarget", async (session, targetIds, ct) =>
    {
        var ids = targetIds.ToArray();
        var posts = await session.Query<Post>().Where(p => p.Targets.Any(t => t.Id.IsOneOf(ids))).ToListAsync(ct);
        return posts.SelectMany(p => p.Targets.Where(t => targetIds.Contains(t.Id)).Select(t => (t.Id, Post: p))).ToDictionary(x => x.Id, x => x.Post);
    });
}

/// <summary>A post is visible through <c>node(id)</c> to members of its workspace only.</summary>
public sealed class PostNodeResolver : INodeResolver
{
    public string TypeName => PostType.TypeName;

    public string? Scope => AppScope.PostsRead;

    public IDataLoaderResult Resolve(Guid id, IResolveFieldContext context) =>
        context.Load(PostLoaders.ById, id).Then(post => post is null
            ? ((Post?)null).AsLoaded()
            : WorkspaceLoaders.Visible(context, post.WorkspaceId, _ => post));
}

/// <summary>A target is visible through <c>node(id)</c> to members of its post's workspace only.</summary>
public sealed class PostTargetNodeResolver : INodeResolver
{
    public string TypeName => PostTargetType.TypeName;

    public string? Scope => AppScope.PostsRead;

    public IDataLoaderResult Resolve(Guid id, IResolveFieldContext context) =>
        context.Load(PostLoaders.ByTargetId, id).Then(post => post is null
            ? ((PostTarget?)null).AsLoaded()
            : WorkspaceLoaders.Visible(context, post.WorkspaceId, _ => post.Target(id)));
}

[QueryType]
public sealed class PostQuery : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.Field<PostType, IDataLoaderResult<Post?>>("post")
            .Description("A post, for members of its workspace.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .AsOfArgument(AsOf.PostDescription)
            .RequireWorkspaceRole(Role.Viewer, ctx => PostLookup.WorkspaceOfAsync(ctx, ctx.GetArgument<string>("id")))
            .Scope(AppScope.PostsRead)
            .Resolve(ctx =>
            {
                _ = PostLookup.TryParseId(ctx.GetArgument<string>("id"), out var id);
                return AsOf.Instant(ctx) is { } asOf ? AsOf.Post(ctx, id, asOf) : PostLookup.Checked(ctx, id);
            });
}
