using JasperFx.Events;
using Marten;
using Wolverine.Marten;
using Nexus.Api.Features.Media;
using Nexus.Api.Features.Media.Processing;
using Wolverine;

namespace Nexus.Api.Features.Posts.Fitting;

/// <summary>What deciding a finished fitting job needs: the post's stream, the job, and the item it made.</summary>
public sealed record FitJobOutcome(IEventStream<Post> Post, MediaJob? Job, MediaAsset? Output);

/// <summary>
/// A fitting job ended: the targets waiting for it take the variant (or the next operation of the fit starts on it), or
/// record why it could not be made. Idempotent: a job nothing waits for any more (the post was edited, or the
/// message is delivered again) changes nothing.
/// </summary>
public static class FitJobFinishedHandler
{
    public static async Task<FitJobOutcome> LoadAsync(FitJobFinished message, IDocumentSession session, CancellationToken ct)
    {
        var post = await session.Events.FetchForWriting<Post>(message.Purpose.PostId, ct);
        var job = await session.LoadAsync<MediaJob>(message.JobId, ct);
        var output = message.OutputId is { } id ? await session.LoadAsync<MediaAsset>(id, ct) : null;
        return new(post, job, output);
    }

    public static OutgoingMessages Handle(FitJobFinished message, FitJobOutcome loaded, IDocumentSession session, DateTimeOffset now)
    {
        var messages = new OutgoingMessages();
        if (loaded.Post.Aggregate is not { } post)
        {
            return messages;
        }

        var (events, next) = Decide(post, message, loaded.Output, loaded.Job?.ByActorId ?? post.AuthorId, now);
        loaded.Post.AppendMany(events);
        if (next is { } job)
        {
            job.Stream.Execute(session);
            messages.Add(job.Run);
        }

        return messages;
    }

    /// <summary>The post's events for a finished job, and the next job of the fit when there is one. Pure.</summary>
    public static (IReadOnlyList<object> Events, (IStartStream Stream, RunMediaJob Run)? Next) Decide(Post post, FitJobFinished message, MediaAsset? output, Guid byActorId,
        DateTimeOffset now)
    {
        var waiting = post.MediaFits.FirstOrDefault(f => f.JobId == message.JobId && f.Status == MediaFitStatus.Fitting);
        if (waiting is null)
        {
            return ([], null);
        }

        if (!post.IsEditable)
        {
            return ([new TargetMediaFitFailed(post.Id, message.JobId, "POST_PUBLISHING", "Publication began before the variant was ready; the target published its media as it was.", now)], null);
        }

        if (message.OutputId is null || output is null || output.Deleted || output.WorkspaceId != post.WorkspaceId)
        {
            var code = message.ErrorCode ?? "PROCESSING_FAILED";
            var reason = message.ErrorMessage ?? (message.OutputId is null ? "The processing job failed." : "The variant was deleted before it could be used.");
            return ([new TargetMediaFitFailed(post.Id, message.JobId, code, reason, now)], null);
        }

        if (waiting.Then.Count > 0)
        {
            var (operation, then) = (waiting.Then[0], waiting.Then.Skip(1).ToList());
            var next = MediaJobs.Request(post.WorkspaceId, output.Id, operation, new FitPurpose(post.Id, waiting.TargetId, waiting.Index), byActorId, now);
            return ([new TargetMediaFitContinued(post.Id, message.JobId, next.Run.JobId, output.Id, operation, then, now)], next);
        }

        return ([new TargetMediaFitted(post.Id, message.JobId, MediaRef.Library(output, null), now)], null);
    }
}
