using System.ComponentModel;
using Nexus.Api.Infrastructure;
using Wolverine.Marten;

namespace Nexus.Api.Features.Media.Processing;

public enum MediaJobStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
}

/// <summary>
/// Why a job was started by <c>fitMediaToTargets</c>: the variant it makes replaces media number
/// <see cref="MediaIndex"/> of <see cref="TargetId"/> of <see cref="PostId"/> once it succeeds.
/// </summary>
public sealed record FitPurpose(Guid PostId, Guid TargetId, int MediaIndex);

[Description("A processing job was asked for: an operation on a library item (a crop, a transcode, a merge …); Purpose names the post target a fitting job is for.")]
public sealed record MediaJobRequested(Guid JobId, Guid WorkspaceId, Guid SourceId, MediaOperation Operation, FitPurpose? Purpose, Guid ByActorId, DateTimeOffset At) : IDomainEvent;

[Description("A processing job began on a node.")]
public sealed record MediaJobStarted(Guid JobId, DateTimeOffset At) : IDomainEvent;

[Description("A processing job finished: its output is the new library item OutputId.")]
public sealed record MediaJobSucceeded(Guid JobId, Guid OutputId, DateTimeOffset At) : IDomainEvent;

[Description("A processing job failed with a code and a message; its source is untouched.")]
public sealed record MediaJobFailed(Guid JobId, string Code, string Message, DateTimeOffset At) : IDomainEvent;

/// <summary>A processing job: the write model of its stream and its read model. Progress is not an event (see the processing runner).</summary>
public sealed record MediaJob(
    Guid Id,
    Guid WorkspaceId,
    Guid SourceId,
    MediaOperation Operation,
    FitPurpose? Purpose,
    MediaJobStatus Status,
    Guid? OutputId,
    string? ErrorCode,
    string? ErrorMessage,
    Guid ByActorId,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt,
    int Version)
{
    public static MediaJob Create(MediaJobRequested e) =>
        new(e.JobId, e.WorkspaceId, e.SourceId, e.Operation, e.Purpose, MediaJobStatus.Queued, null, null, null, e.ByActorId, e.At, null, 1);

    public MediaJob Apply(MediaJobStarted e) => this with { Status = MediaJobStatus.Running };

    public MediaJob Apply(MediaJobSucceeded e) => this with { Status = MediaJobStatus.Succeeded, OutputId = e.OutputId, FinishedAt = e.At };

    public MediaJob Apply(MediaJobFailed e) => this with { Status = MediaJobStatus.Failed, ErrorCode = e.Code, ErrorMessage = e.Message, FinishedAt = e.At };
}

/// <summary>Runs job <see cref="JobId"/>: a durable local message sent in the transaction that requested the job.</summary>
public sealed record RunMediaJob(Guid JobId);

/// <summary>
/// Told after a job with a <see cref="FitPurpose"/> ends (cascaded by the runner in the transaction recording the
/// outcome), so the post's target can take the variant or say why it could not be made.
/// </summary>
public sealed record FitJobFinished(Guid JobId, FitPurpose Purpose, Guid SourceId, Guid? OutputId, string? ErrorCode, string? ErrorMessage);

public static class MediaJobs
{
    /// <summary>
    /// What a handler returns to start a job: the job's stream and the durable message that runs it, committed together
    /// (Wolverine's outbox), so a job is never recorded without being run nor run without being recorded.
    /// </summary>
    public static (IStartStream Stream, RunMediaJob Run) Request(Guid workspaceId, Guid sourceId, MediaOperation operation, FitPurpose? purpose, Guid byActorId,
        DateTimeOffset now)
    {
        var id = Guid.CreateVersion7(now);
        return (MartenOps.StartStream<MediaJob>(id, new MediaJobRequested(id, workspaceId, sourceId, operation, purpose, byActorId, now)), new RunMediaJob(id));
    }
}
