using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Nexus.Bench;

/// <summary>
/// schedulePost over HTTP from N concurrent signed-in clients (each its own user, workspace and sandbox connection),
/// on drafts made beforehand; the posts are scheduled 30 days ahead (and left scheduled) so publishing never runs.
/// </summary>
public static class ScheduleThroughput
{

    public static async Task<JsonObject> RunAsync(BenchRun run)
    {
        var options = run.Options;
        await run.StartApiAsync("schedule", new Dictionary<string, string>());
        await run.EnsureUsersAsync();
        var users = run.Users;

        // Drafts: each client makes its own share, in its own workspace.
        var perUser = (int)Math.Ceiling((double)(options.SchedulePosts + options.ScheduleWarmup) / users.Count);
        var drafts = users.Select(_ => new ConcurrentQueue<string>()).ToArray();
        var made = new int[users.Count];
        Console.Error.WriteLine($"bench: schedule: making {perUser * users.Count} drafts");
        var drafting = await Load.ClosedLoopAsync(users.Count, TimeSpan.FromHours(1), async (w, ct) =>
        {
            var n = Interlocked.Increment(ref made[w]);
            if (n > perUser)
            {
                return false;
            }

            drafts[w].Enqueue(await run.Client.DraftPostAsync(users[w], $"[bench {run.RunId} s {w:D3}-{n:D5}] A post the schedulePost run schedules 30 days ahead.", ct));
            return true;
        }, stopOnFailure: true);
        if (drafting.Failed > 0)
        {
            throw new BenchException($"draftPost failed {drafting.Failed} times: {string.Join("; ", drafting.FirstErrors)}");
        }

        var farAway = DateTimeOffset.UtcNow.AddDays(30);
        async Task<bool> Schedule(int w, CancellationToken ct)
        {
            if (!drafts[w].TryDequeue(out var postId))
            {
                return false;
            }

            await run.Client.SchedulePostAsync(users[w], postId, farAway.AddSeconds(Random.Shared.Next(86_400)), ct);
            return true;
        }

        // Warm-up: a share of the drafts, not counted.
        var warmupLeft = options.ScheduleWarmup;
        var warmup = await Load.ClosedLoopAsync(users.Count, TimeSpan.FromMinutes(5),
            (w, ct) => Interlocked.Decrement(ref warmupLeft) >= 0 ? Schedule(w, ct) : Task.FromResult(false), stopOnFailure: true);
        if (warmup.Failed > 0)
        {
            throw new BenchException($"schedulePost failed during the warm-up: {string.Join("; ", warmup.FirstErrors)}");
        }

        Console.Error.WriteLine($"bench: schedule: measuring schedulePost for up to {options.Duration.TotalSeconds} s or {drafts.Sum(d => d.Count)} mutations");
        var profile = await PhaseProfile.StartAsync(run.Database, run);
        var result = await Load.ClosedLoopAsync(users.Count, options.Duration, Schedule);
        var profiled = await profile.StopAsync(result.Succeeded, "schedulePost");
        var json = result.ToJson("mutations/s");
        var p99 = result.Percentile(99);
        json["what"] = "schedulePost over HTTP (GraphQL), each client a signed-in user scheduling drafts of its own workspace (one sandbox target each) 30 days ahead; the run stops after --duration or when the drafts run out";
        json["clients"] = users.Count;
        json["clients_are"] = "one user, workspace and sandbox connection per client (not shared)";
        json["warmup_mutations"] = warmup.Succeeded;
        json["drafts_left_unscheduled"] = drafts.Sum(d => d.Count);
        json["scheduled_posts_left"] = "left SCHEDULED (due in 30–31 days), not cancelled";
        json["draft_post"] = drafting.ToJson("mutations/s");
        json["profile"] = profiled;
        json["targets"] = new JsonArray(
            Report.Target("schedulePost p99 latency", FormattableString.Invariant($"< {Goals.ScheduleP99Ms} ms"), Stats.Round(p99), "ms", p99 < Goals.ScheduleP99Ms && result.Failed == 0));
        return json;
    }
}
