using GraphQL;
using GraphQL.DataLoader;
using GraphQL.Types;
using Marten;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Loading;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.GraphQL.Scalars;
using Nexus.Api.Infrastructure.Identity;
using Nexus.Api.Infrastructure.Realtime;

namespace Nexus.Api.Features.Media.Processing.Watching;

/// <summary>
/// <c>mediaProcessing(workspaceId)</c>: the workspace's processing jobs as they are queued, start, progress and end.
/// For members; checked again for every message.
/// </summary>
[SubscriptionType]
public sealed class MediaProcessingSubscription : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.Field<NonNullGraphType<MediaJobChangeType>, MediaJobChange>("mediaProcessing")
            .Description("The workspace's processing jobs: queued, started, progress (0–100, about once a second), succeeded (with the new item) or failed (with why).")
            .Argument<NonNullGraphType<IdGraphType>>("workspaceId")
            .RequireWorkspaceRole(Role.Viewer, ctx => ctx.WorkspaceIdArgument("workspaceId"))
            .Scope(AppScope.PostsRead)
            .ResolveStreamAsync(async ctx => (IObservable<MediaJobChange?>)new JobChangesInOrder(await ctx.WatchCommittedAsync<MediaJobChange>(ctx.WorkspaceIdArgument("workspaceId"))));
}

public sealed class MediaJobChangeKindType : EnumerationGraphType<MediaJobChangeKind>
{
    public MediaJobChangeKindType()
    {
        Name = "MediaJobChangeKind";
        Description = "What happened to a processing job.";
    }
}

public sealed class MediaJobChangeType : ObjectGraphType<MediaJobChange>
{
    public MediaJobChangeType()
    {
        Name = "MediaJobChange";
        Description = "A processing job was queued, started, made progress, succeeded or failed.";
        Field<NonNullGraphType<MediaJobChangeKindType>, MediaJobChangeKind>("change").Resolve(ctx => ctx.Source.Change);
        Field<MediaJobType, MediaJob>("job").Description("The job after the change (null only when it is no longer readable).")
            .ResolveAsync(async ctx => ctx.Source.Job
                ?? await ctx.RequestServices!.GetRequiredService<IQuerySession>().LoadAsync<MediaJob>(ctx.Source.JobId, ctx.CancellationToken));
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("at").Resolve(ctx => ctx.Source.At);
    }
}

public sealed class MediaJobStatusType : EnumerationGraphType<MediaJobStatus>
{
    public MediaJobStatusType()
    {
        Name = "MediaJobStatus";
        Description = "QUEUED: waiting for a node; RUNNING: being processed (again, after a node stopped mid-way); SUCCEEDED: `output` is the new item; FAILED: `error` says why.";
    }
}

/// <summary><c>MediaJob</c>: an operation on a library item that makes a new item.</summary>
public sealed class MediaJobType : ObjectGraphType<MediaJob>
{
    public const string TypeName = "MediaJob";

    public MediaJobType()
    {
        Name = TypeName;
        Description = "A processing job: an operation on a library item (a crop, a transcode, a merge …) whose result is a new item linked to its source.";
        this.NodeId(j => j.Id);
        Field<NonNullGraphType<MediaJobStatusType>, MediaJobStatus>("status").Resolve(ctx => ctx.Source.Status);
        Field<NonNullGraphType<IntGraphType>, int>("progress").Description("0–100: 100 once succeeded; while running, the last progress this server heard.")
            .Resolve(ctx => ctx.Source.Status switch
            {
                MediaJobStatus.Succeeded => 100,
                MediaJobStatus.Running => ctx.RequestServices!.GetRequiredService<MediaJobProgress>().Latest(ctx.Source.Id) ?? 0,
                _ => 0,
            });
        Field<NonNullGraphType<StringGraphType>, string>("operation").Description("What the job does, in words (\"crop to 4:5 at 1080 px wide, Jpeg\").")
            .Resolve(ctx => ctx.Source.Operation.Describe());
        Field<MediaItemType, IDataLoaderResult<MediaAsset?>>("source").Description("The item processed; null once deleted.").Resolve(ctx => Item(ctx, ctx.Source.SourceId));
        Field<MediaItemType, IDataLoaderResult<MediaAsset?>>("output").Description("The new item, once the job succeeded (null when it was deleted since).")
            .Resolve(ctx => ctx.Source.OutputId is { } id ? Item(ctx, id) : ((MediaAsset?)null).AsLoaded());
        Field<MediaJobErrorType, MediaJob>("error").Description("Why the job failed; null unless it did.").Resolve(ctx => ctx.Source.ErrorCode is null ? null : ctx.Source);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("createdAt").Resolve(ctx => ctx.Source.CreatedAt);
        Field<DateTimeScalar, DateTimeOffset?>("finishedAt").Resolve(ctx => ctx.Source.FinishedAt);
    }

    private static IDataLoaderResult<MediaAsset?> Item(IResolveFieldContext context, Guid id) =>
        context.Load(MediaItemNodeResolver.ById, id).Then(item => item is { Deleted: false } ? item : null);
}

public sealed class MediaJobErrorType : ObjectGraphType<MediaJob>
{
    public MediaJobErrorType()
    {
        Name = "MediaJobError";
        Description = "Why a job failed, for a person: the source item is untouched.";
        Field<NonNullGraphType<StringGraphType>, string>("code").Description("UNSUPPORTED_MEDIA, MEDIA_TOO_LARGE, PROCESSING_FAILED, PROCESSING_TIMEOUT, NOT_FOUND, STORAGE_UNAVAILABLE …")
            .Resolve(ctx => ctx.Source.ErrorCode!);
        Field<NonNullGraphType<StringGraphType>, string>("message").Resolve(ctx => ctx.Source.ErrorMessage!);
    }
}

/// <summary>A job is visible through <c>node(id)</c> to members of its workspace only.</summary>
public sealed class MediaJobNodeResolver : INodeResolver
{
    public static readonly BatchLoader<Guid, MediaJob> ById = BatchLoader.ById<MediaJob>(j => j.Id);

    public string TypeName => MediaJobType.TypeName;

    public string? Scope => AppScope.PostsRead;

    public IDataLoaderResult Resolve(Guid id, IResolveFieldContext context) =>
        context.Load(ById, id).Then(job => job is null
            ? ((MediaJob?)null).AsLoaded()
            : WorkspaceLoaders.Visible(context, job.WorkspaceId, _ => job));
}

/// <summary>
/// Puts one subscription's messages of each job in the order they happened. Progress comes straight from the running
/// node (NOTIFY) while the job's state changes come from its committed events, read a moment later: a quick job's
/// progress could otherwise overtake its own QUEUED and STARTED. Progress heard before STARTED is held (the latest
/// only) and sent right after it; progress after the job ended is dropped.
/// </summary>
internal sealed class JobChangesInOrder(IObservable<MediaJobChange?> source) : IObservable<MediaJobChange?>
{
    public IDisposable Subscribe(IObserver<MediaJobChange?> observer) => source.Subscribe(new Ordering(observer));

    private sealed class Ordering(IObserver<MediaJobChange?> inner) : IObserver<MediaJobChange?>
    {
        private readonly Lock _gate = new();
        private readonly HashSet<Guid> _started = [];
        private readonly HashSet<Guid> _ended = [];
        private readonly Dictionary<Guid, MediaJobChange> _held = [];

        public void OnCompleted() => inner.OnCompleted();

        public void OnError(Exception error) => inner.OnError(error);

        public void OnNext(MediaJobChange? value)
        {
            if (value is null)
            {
                inner.OnNext(value);
                return;
            }

            lock (_gate)
            {
                switch (value.Change)
                {
                    case MediaJobChangeKind.Progress when _ended.Contains(value.JobId):
                        return;
                    case MediaJobChangeKind.Progress when !_started.Contains(value.JobId):
                        _held[value.JobId] = value;
                        return;
                    case MediaJobChangeKind.Started:
                        _started.Add(value.JobId);
                        inner.OnNext(value);
                        if (_held.Remove(value.JobId, out var held))
                        {
                            inner.OnNext(held);
                        }

                        return;
                    case MediaJobChangeKind.Succeeded or MediaJobChangeKind.Failed:
                        // A job that ended before this subscription heard it start still shows the last progress heard.
                        if (_held.Remove(value.JobId, out var last) && _started.Add(value.JobId))
                        {
                            inner.OnNext(last);
                        }

                        _ended.Add(value.JobId);
                        _started.Remove(value.JobId);
                        inner.OnNext(value);
                        return;
                    default:
                        inner.OnNext(value);
                        return;
                }
            }
        }
    }
}
