using Marten;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Media.Probing;
using Nexus.Api.Features.Media.Processing.Watching;
using Nexus.Api.Features.Media.Storage;
using Nexus.Api.Infrastructure;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Runtime.Handlers;

namespace Nexus.Api.Features.Media.Processing.Running;

/// <summary>
/// Runs a processing job: copies its inputs out of the store, runs the <see cref="IMediaOperationRunner"/> that takes
/// the operation under <see cref="MediaOptions.ProcessTimeout"/>, probes and stores what it made, and records the new
/// library item and the job's outcome in one transaction (with <see cref="FitJobFinished"/> for a fitting job).
/// </summary>
/// <remarks>
/// <see cref="RunMediaJob"/> is durable and delivered at least once: a finished job is left alone, and a job found
/// running (its node died) is run again. Each run stores under a new item's key, so a run never overwrites another's
/// file; the loser of two runs that both finish deletes its own. Input the job cannot use fails it at once; a store
/// that does not answer is tried again a few times, then the job fails saying so.
/// </remarks>
// Minutes of work between the two commits: no transaction stays open across them.
[OutsideTheTransaction]
public static class RunMediaJobHandler
{
    /// <summary>Deliveries of one job before a store that keeps failing fails it (each delivery tries the store three times).</summary>
    public const int MaxDeliveries = 3;

    private static readonly TimeSpan[] StoreRetries = [TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1)];

    public static void Configure(HandlerChain chain)
    {
        // ProcessTimeout bounds the work; Wolverine's own execution timeout (a minute) would cancel a long transcode first.
        chain.ExecutionTimeoutInSeconds = (int)TimeSpan.FromHours(6).TotalSeconds;
        // The store failed three times in a row in this delivery: come back later with a fresh delivery.
        chain.OnException<MediaStoreUnavailableException>().ScheduleRetry(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2));
    }

    public static async Task<OutgoingMessages> HandleAsync(RunMediaJob message, IDocumentSession session, IMediaStore store, IEnumerable<IMediaOperationRunner> runners,
        MediaProbe probe, MediaJobProgress progress, IOptions<MediaOptions> options, TimeProvider clock, Envelope envelope, ILogger<MediaJob> logger, IDocumentStore documents,
        CancellationToken ct)
    {
        var job = await session.LoadAsync<MediaJob>(message.JobId, ct);
        if (job is null or { Status: MediaJobStatus.Succeeded or MediaJobStatus.Failed })
        {
            return [];
        }

        // The start is committed now, in a session of its own: the handler's session belongs to Wolverine, which commits
        // it once, with the outcome, the outgoing messages and this delivery's inbox row (saving it twice marked the
        // delivery handled twice, and the job never finished).
        await using (var started = documents.LightweightSession())
        {
            started.Events.Append(job.Id, new MediaJobStarted(job.Id, clock.GetUtcNow()));
            await started.SaveChangesAsync(ct);
        }

        RunResult outcome;
        try
        {
            outcome = await RunAsync(job, session, store, runners, probe, progress, options.Value, clock, logger, ct);
        }
        catch (MediaStoreUnavailableException ex) when (envelope.Attempts >= MaxDeliveries)
        {
            logger.LogError(ex, "Media job {JobId}: the media store kept failing; the job fails", job.Id);
            outcome = RunResult.Failed("STORAGE_UNAVAILABLE", "The media store could not be reached; the source is untouched. Try again in a few minutes.");
        }
        finally
        {
            progress.Finished(job.WorkspaceId, job.Id);
        }

        var stream = await session.Events.FetchForWriting<MediaJob>(job.Id, ct);
        var now = clock.GetUtcNow();
        if (stream.Aggregate is { Status: MediaJobStatus.Succeeded or MediaJobStatus.Failed })
        {
            // Another delivery of this job finished first (a node thought dead was not): its outcome stands.
            if (outcome.Output is { } orphan)
            {
                await store.DeleteAsync(orphan.StorageKey, ct);
            }

            return [];
        }

        if (outcome.Output is { } output)
        {
            session.Events.StartStream<MediaAsset>(output.MediaId, output with { At = now });
            stream.AppendOne(new MediaJobSucceeded(job.Id, output.MediaId, now));
        }
        else
        {
            stream.AppendOne(new MediaJobFailed(job.Id, outcome.Code!, outcome.Message!, now));
        }

        return job.Purpose is { } purpose
            ? [new FitJobFinished(job.Id, purpose, job.SourceId, outcome.Output?.MediaId, outcome.Code, outcome.Message)]
            : [];
    }

    private static async Task<RunResult> RunAsync(MediaJob job, IDocumentSession session, IMediaStore store, IEnumerable<IMediaOperationRunner> runners, MediaProbe probe,
        MediaJobProgress progress, MediaOptions options, TimeProvider clock, ILogger logger, CancellationToken ct)
    {
        var runner = runners.FirstOrDefault(r => r.CanRun(job.Operation));
        if (runner is null)
        {
            return RunResult.Failed("UNSUPPORTED_OPERATION", $"Nexus cannot {job.Operation.Describe()} on this server yet; the source is untouched.");
        }

        var ids = new[] { job.SourceId }.Concat(job.Operation.OtherInputs).Distinct().ToArray();
        var assets = (await session.LoadManyAsync<MediaAsset>(ct, ids)).ToDictionary(a => a.Id);
        foreach (var id in ids)
        {
            if (!assets.TryGetValue(id, out var asset) || asset.Deleted || asset.WorkspaceId != job.WorkspaceId)
            {
                return RunResult.Failed("NOT_FOUND", id == job.SourceId
                    ? "The source item was deleted before the job ran."
                    : "An item the operation uses was deleted (or is not in this workspace) before the job ran; the source is untouched.");
            }
        }

        var copies = new List<TempFile>();
        try
        {
            var inputs = new Dictionary<Guid, OperationInput>();
            foreach (var id in ids)
            {
                TempFile copy;
                try
                {
                    copy = await WithStoreRetriesAsync(() => store.ToTempFileAsync(assets[id].StorageKey, ct), ct);
                }
                catch (FileNotFoundException ex)
                {
                    logger.LogError(ex, "Media job {JobId}: item {MediaId} has no file in the store", job.Id, id);
                    return RunResult.Failed("NOT_FOUND", "A file the operation uses is missing from the media store; the source item is untouched.");
                }

                copies.Add(copy);
                inputs[id] = new OperationInput(assets[id], copy.Path);
            }

            var source = inputs[job.SourceId];
            var others = job.Operation.OtherInputs.Distinct().ToDictionary(id => id, id => inputs[id]);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(options.ProcessTimeout);
            ProcessedFile made;
            try
            {
                made = await runner.RunAsync(job.Operation, new OperationInputs(source, others), progress.For(job.WorkspaceId, job.Id), deadline.Token);
            }
            catch (MediaRejectedException ex)
            {
                if (logger.IsEnabled(LogLevel.Information))
                {
                    logger.LogInformation(ex, "Media job {JobId} refused its input", job.Id);
                }

                return RunResult.Failed(ex.Code, ex.Message);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                logger.LogWarning("Media job {JobId} ({Operation}) ran past {Timeout} and was stopped", job.Id, job.Operation.Describe(), options.ProcessTimeout);
                return RunResult.Failed("PROCESSING_TIMEOUT",
                    $"Processing took longer than {options.ProcessTimeout.TotalMinutes:0.#} minutes and was stopped; the source is untouched. Try a shorter clip or a smaller size.");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The detail (an ffmpeg message, a stack) is for the log; the person gets what they can do.
                logger.LogError(ex, "Media job {JobId} ({Operation}) failed", job.Id, job.Operation.Describe());
                return RunResult.Failed("PROCESSING_FAILED",
                    $"Nexus could not {job.Operation.Describe()} this item; the source is untouched. The file may be damaged: try another one, or another operation.");
            }

            using (made)
            {
                MediaFacts facts;
                try
                {
                    facts = await probe.ProbeAsync(made.File.Path, ct);
                }
                catch (MediaRejectedException ex)
                {
                    logger.LogWarning(ex, "Media job {JobId} made an output that probing refused", job.Id);
                    return RunResult.Failed(ex.Code, $"The result was refused: {ex.Message}");
                }

                var outputId = Guid.CreateVersion7(clock.GetUtcNow());
                var key = MediaAsset.KeyFor(job.WorkspaceId, outputId, facts);
                await WithStoreRetriesAsync(async () =>
                {
                    await using var content = File.OpenRead(made.File.Path);
                    await store.PutAsync(key, content, facts.Mime, ct);
                    return true;
                }, ct);
                return new RunResult(new MediaAdded(outputId, job.WorkspaceId, made.Name, facts, key, MediaOrigin.Processed, job.SourceId, job.Operation.Describe(),
                    [], job.ByActorId, clock.GetUtcNow()), null, null);
            }
        }
        finally
        {
            copies.ForEach(c => c.Dispose());
        }
    }

    private static async Task<T> WithStoreRetriesAsync<T>(Func<Task<T>> call, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception ex) when (ex is not (OperationCanceledException or FileNotFoundException or MediaRejectedException))
            {
                if (attempt >= StoreRetries.Length)
                {
                    throw new MediaStoreUnavailableException(ex);
                }

                await Task.Delay(StoreRetries[attempt], ct);
            }
        }
    }

    /// <summary>What a run came to: the new item, or a code and a message for the person.</summary>
    private sealed record RunResult(MediaAdded? Output, string? Code, string? Message)
    {
        public static RunResult Failed(string code, string message) => new(null, code, message);
    }
}

/// <summary>The media store failed on every try within one delivery of a job.</summary>
public sealed class MediaStoreUnavailableException(Exception inner) : Exception("The media store did not answer.", inner);
