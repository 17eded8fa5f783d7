using Marten;
using Microsoft.Extensions.Options;
using Wolverine;

namespace Nexus.Api.Features.Posts.Publishing;

/// <summary>
/// The safety net under the durable messages: every <see cref="PublishingOptions.StallCheckInterval"/>, finds posts
/// that should be moving and are not (a due post still SCHEDULED, a target PUBLISHING with no attempt under way and
/// none scheduled) and sends their message again. The handlers ignore what is already done, so a message sent twice
/// costs nothing; a message lost to a crash or parked after repeated errors no longer leaves a post stuck forever.
/// </summary>
public sealed class StalledPublicationCheck(IServiceProvider services, IOptions<PublishingOptions> options, AttemptLeases leases, TimeProvider clock,
    ILogger<StalledPublicationCheck> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.StallCheckInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "The stalled-publication check failed");
            }
        }
    }

    internal async Task<int> SweepAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var stalledSince = now - options.Value.StalledAfter;
        await using var scope = services.CreateAsyncScope();
        var session = scope.ServiceProvider.GetRequiredService<IQuerySession>();
        var bus = scope.ServiceProvider.GetRequiredService<IMessageBus>();
        var sent = 0;

        var overdue = await session.Query<Post>()
            .Where(p => p.Status == PostStatus.Scheduled && p.ScheduledAt < stalledSince)
            .OrderBy(p => p.ScheduledAt)
            .Take(500)
            .ToListAsync(ct);
        foreach (var post in overdue)
        {
            await bus.SendAsync(new PublishDuePost(post.Id, post.ScheduleVersion));
            sent++;
        }

        var publishing = await session.Query<Post>()
            .Where(p => p.Status == PostStatus.Publishing && p.UpdatedAt < stalledSince)
            .OrderBy(p => p.UpdatedAt)
            .Take(500)
            .ToListAsync(ct);
        var stalled = publishing
            .SelectMany(post => post.Targets
                .Where(t => t.Status == TargetStatus.Publishing && (t.NextAttemptAt is null || t.NextAttemptAt < stalledSince))
                .Select(target => (Post: post, Target: target)))
            .ToList();
        // A long call (a video being processed), on any node, is not stalled: its answer is coming.
        var calling = await leases.HeldAsync([.. stalled.Select(s => PublishAttempt.IdOf(s.Target.Id, s.Target.Attempts))], ct);
        foreach (var (post, target) in stalled.Where(s => !calling.Contains(PublishAttempt.IdOf(s.Target.Id, s.Target.Attempts))))
        {
            // An attempt recorded but never settled is delivered again (and reconciled); otherwise the next one.
            var attempt = target.Attempts > target.Settled ? target.Attempts : target.NextAttempt;
            await bus.SendAsync(new PublishTarget(post.Id, target.Id, attempt));
            sent++;
        }

        // The leases of callers that died with their attempts settled since: nothing reads them any more.
        await leases.ForgetExpiredAsync(TimeSpan.FromHours(1), ct);

        if (sent > 0)
        {
            logger.LogWarning("Re-sent {Count} stalled publication messages", sent);
        }

        return sent;
    }
}
