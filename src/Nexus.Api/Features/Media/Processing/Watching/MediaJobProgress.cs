using System.Collections.Concurrent;
using System.Globalization;
using JasperFx.Events;
using Marten;
using Nexus.Api.Infrastructure;
using Nexus.Api.Infrastructure.Realtime;
using Npgsql;

namespace Nexus.Api.Features.Media.Processing.Watching;

/// <summary>What happened to a job, as <c>mediaProcessing</c> tells it.</summary>
public enum MediaJobChangeKind
{
    Queued,
    Started,
    Progress,
    Succeeded,
    Failed,
}

/// <summary>
/// One <c>mediaProcessing</c> message: a job's state change (from its committed events, with the job as it was then)
/// or its progress (from a notification, <see cref="Job"/> null: read when the message is resolved).
/// </summary>
public sealed record MediaJobChange(Guid JobId, MediaJobChangeKind Change, MediaJob? Job, int? Progress, DateTimeOffset At);

/// <summary>
/// Progress of running jobs, 0–100, on every node. Progress is not an event (a transcode reports hundreds of times):
/// the runner's reports are thinned out (<see cref="MinInterval"/>, <see cref="MinStep"/>) and sent with
/// <c>NOTIFY nexus_media_progress</c>; each node's listener hands them to its <see cref="WorkspaceFeed"/> and keeps the
/// last value per running job for <c>MediaJob.progress</c>.
/// </summary>
public sealed class MediaJobProgress(NpgsqlDataSource dataSource, WorkspaceFeed feed, TimeProvider clock, ILogger<MediaJobProgress> logger) : IDatabaseChannel
{
    private readonly TimeProvider _clock = clock;

    public const string Channel = "nexus_media_progress";

    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);
    public const int MinStep = 5;

    // A job's last progress, until its node says it finished; a node that dies mid-job leaves one entry behind.
    private readonly ConcurrentDictionary<Guid, int> _latest = new();

    string IDatabaseChannel.Name => Channel;

    Task IDatabaseChannel.ListeningAsync(NpgsqlConnection connection, CancellationToken ct) => Task.CompletedTask;

    void IDatabaseChannel.Deaf()
    {
    }

    void IDatabaseChannel.Notified(string payload)
    {
        var parts = payload.Split(' ');
        if (parts is not [var w, var j, var p] || !Guid.TryParse(w, out var workspaceId) || !Guid.TryParse(j, out var jobId)
            || !int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out var percent))
        {
            return;
        }

        if (percent < 0)
        {
            _latest.TryRemove(jobId, out _);
            return;
        }

        _latest[jobId] = percent;
        feed.Publish(workspaceId, new MediaJobChange(jobId, MediaJobChangeKind.Progress, null, percent, _clock.GetUtcNow()));
    }

    /// <summary>The last progress heard of a running job; null when none was.</summary>
    public int? Latest(Guid jobId) => _latest.TryGetValue(jobId, out var percent) ? percent : null;

    /// <summary>The progress a runner reports to for one job.</summary>
    public IProgress<double> For(Guid workspaceId, Guid jobId) => new Reporter(this, workspaceId, jobId);

    /// <summary>The job's run ended (its outcome is told by its events): every node forgets its progress.</summary>
    public void Finished(Guid workspaceId, Guid jobId) => Send(workspaceId, jobId, -1);

    private void Send(Guid workspaceId, Guid jobId, int percent) => _ = SendAsync(workspaceId, jobId, percent);

    private async Task SendAsync(Guid workspaceId, Guid jobId, int percent)
    {
        try
        {
            await using var command = dataSource.CreateCommand("select pg_notify($1, $2)");
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Channel });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = string.Create(CultureInfo.InvariantCulture, $"{workspaceId:N} {jobId:N} {percent}") });
            await command.ExecuteNonQueryAsync();
        }
        catch (Exception ex)
        {
            // Progress is a courtesy: the job goes on, and its outcome is an event.
            logger.LogWarning(ex, "Media job {JobId}: progress {Percent} could not be sent", jobId, percent);
        }
    }

    private sealed class Reporter(MediaJobProgress owner, Guid workspaceId, Guid jobId) : IProgress<double>
    {
        private readonly Lock _gate = new();
        private int _sent = -1;
        private DateTimeOffset _sentAt = DateTimeOffset.MinValue;

        public void Report(double value)
        {
            // 100 is the success event's to say.
            var percent = (int)Math.Clamp(Math.Floor(value), 0, 99);
            var now = owner._clock.GetUtcNow();
            lock (_gate)
            {
                if (percent <= _sent || (percent - _sent < MinStep && now - _sentAt < MinInterval))
                {
                    return;
                }

                (_sent, _sentAt) = (percent, now);
            }

            owner.Send(workspaceId, jobId, percent);
        }
    }
}

/// <summary>Publishes a job's state changes (queued, started, succeeded, failed) with the job as it was after each.</summary>
public sealed class MediaJobChangeSource : IRealtimeSource
{
    public async Task PublishAsync(IReadOnlyList<StreamAction> committed, IQuerySession session, WorkspaceFeed feed, CancellationToken ct)
    {
        var changed = committed.Where(s => s.Events.Any(e => Kind(e.Data) is not null)).ToList();
        if (changed.Count == 0)
        {
            return;
        }

        var jobs = await session.AsCommittedAsync<MediaJob>(changed, j => (j.Id, j.Version), ct);
        for (var i = 0; i < changed.Count; i++)
        {
            if (jobs[i] is not { } job)
            {
                continue;
            }

            foreach (var e in changed[i].Events)
            {
                if (Kind(e.Data) is { } kind)
                {
                    feed.Publish(job.WorkspaceId, new MediaJobChange(job.Id, kind, job, null, e.Timestamp));
                }
            }
        }
    }

    private static MediaJobChangeKind? Kind(object data) => data switch
    {
        MediaJobRequested => MediaJobChangeKind.Queued,
        MediaJobStarted => MediaJobChangeKind.Started,
        MediaJobSucceeded => MediaJobChangeKind.Succeeded,
        MediaJobFailed => MediaJobChangeKind.Failed,
        _ => null,
    };
}
