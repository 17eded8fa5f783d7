using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Nexus.Bench;

/// <summary>
/// N posts (one sandbox target each) all due at the same instant; lateness = when the sandbox received the publish
/// request (SandboxPost.ReceivedAt, before its simulated latency) − the due time.
/// </summary>
public static class Punctuality
{

    /// <summary>Drafts and schedules a few posts 3 s ahead; the task ends when the sandbox has them all.</summary>
    private static async Task<Task?> WarmUpAsync(BenchRun run, string stage, int count)
    {
        if (count == 0)
        {
            return null;
        }

        var (posts, _) = await Posts.DraftAsync(run, stage, count);
        foreach (var post in posts)
        {
            post.Due = DateTimeOffset.UtcNow.AddSeconds(3);
        }

        await Posts.ScheduleAsync(run, posts);
        var prefix = Posts.Prefix(run, stage);
        return Task.Run(async () =>
        {
            var deadline = DateTimeOffset.UtcNow.AddMinutes(2);
            while (await run.Database.CountSandboxPostsAsync(prefix) < count)
            {
                if (DateTimeOffset.UtcNow > deadline)
                {
                    throw new BenchException($"the {count} warm-up posts were not published within 2 minutes");
                }

                await Task.Delay(250);
            }
        });
    }

    public static Task<JsonObject> RunAsync(BenchRun run) => RunAsync(run, nodes: 1);

    /// <summary>The same on two API nodes over the one database, drafted and scheduled through both (split by user).</summary>
    public static Task<JsonObject> RunTwoNodesAsync(BenchRun run) => RunAsync(run, nodes: 2);

    private static async Task<JsonObject> RunAsync(BenchRun run, int nodes)
    {
        var options = run.Options;
        var name = nodes == 1 ? "punctuality" : $"punctuality{nodes}";
        var settings = new Dictionary<string, string>
        {
            ["Nexus__Platforms__Sandbox__Latency"] = options.SandboxLatency.ToString("c", CultureInfo.InvariantCulture),
        };
        if (nodes == 1)
        {
            await run.StartApiAsync(name, settings);
        }
        else
        {
            await run.StartNodesAsync(name, settings, nodes);
        }

        await run.EnsureUsersAsync();

        var stage = nodes == 1 ? "p" : $"p{nodes}";
        Console.Error.WriteLine($"bench: {name}: drafting {options.PunctualityPosts} posts");
        var (posts, drafting) = await Posts.DraftAsync(run, stage, options.PunctualityPosts);
        var warmup = await WarmUpAsync(run, stage + "w", options.PunctualityWarmup);

        // Whole seconds, at least the lead away, so that scheduling them all finishes well before.
        var now = DateTimeOffset.UtcNow;
        var due = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero) + options.PunctualityLead + TimeSpan.FromSeconds(1);
        foreach (var post in posts)
        {
            post.Due = due;
        }

        Console.Error.WriteLine($"bench: {name}: scheduling them all at {due:O}");
        var scheduling = await Posts.ScheduleAsync(run, posts);
        var scheduledBy = DateTimeOffset.UtcNow;
        if (scheduledBy >= due)
        {
            throw new BenchException($"scheduling {posts.Length} posts took until {scheduledBy:O}, past their due time {due:O}: raise --punctuality-lead");
        }

        if (warmup is not null)
        {
            await warmup;
        }

        var profile = await PhaseProfile.StartBeforeAsync(run.Database, run, due);

        // Wait at the sandbox (a cheap count in the database), then confirm every post through GraphQL.
        var prefix = Posts.Prefix(run, stage);
        var deadline = due + options.SettleTimeout;
        var clock = Stopwatch.StartNew();
        int received;
        while ((received = await run.Database.CountSandboxPostsAsync(prefix)) < posts.Length && DateTimeOffset.UtcNow < deadline)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                clock.Restart();
                Console.Error.WriteLine($"bench: {name}: {received}/{posts.Length} received by the sandbox ({(DateTimeOffset.UtcNow - due).TotalSeconds:F0} s after due)");
            }

            await Task.Delay(500);
        }

        var (allFinal, finalAt) = await Posts.WaitFinalAsync(run, posts, deadline, TimeSpan.FromSeconds(1));
        var published = Posts.TargetsWith(posts, "PUBLISHED");
        var profiled = await profile.StopAsync(published, "post published");

        var rows = await run.Database.SandboxPostsAsync(prefix);
        var keys = await run.Database.SandboxKeysAsync();
        var useReceived = keys?.ReceivedAt is not null;
        var firstByIndex = rows
            .Select(r => (Index: Posts.IndexOf(prefix, r.Text), At: useReceived ? r.ReceivedAt : r.CreatedAt))
            .Where(r => r.Index is not null && r.At is not null)
            .GroupBy(r => r.Index!.Value)
            .ToDictionary(g => g.Key, g => g.Min(r => r.At!.Value));
        var lateness = firstByIndex.Values.Select(at => (at - due).TotalMilliseconds).ToArray();
        var p99 = Stats.Percentile(lateness, 99);
        var complete = allFinal && published == posts.Length && firstByIndex.Count == posts.Length;

        var json = new JsonObject
        {
            ["what"] = "posts (one sandbox target each) all due at one instant; lateness = time the sandbox received the publish request − due time"
                + (nodes == 1 ? "" : $"; {nodes} API nodes over one database, drafted and scheduled through all of them (split by user), each node serving its own sandbox"),
            ["nodes"] = nodes,
            ["posts"] = posts.Length,
            ["due_at"] = due.ToString("O", CultureInfo.InvariantCulture),
            ["scheduling_finished_before_due_s"] = Math.Round((due - scheduledBy).TotalSeconds, 1),
            ["sandbox_latency_ms"] = options.SandboxLatency.TotalMilliseconds,
            ["warmup_posts"] = options.PunctualityWarmup,
            ["warmup_what"] = "posts published by the same API process a few seconds after drafting, before the measured instant, so that its first publication (run-time code generation of handlers in Production) is not measured",
            ["lateness_ms"] = Stats.Latencies(lateness),
            ["lateness_source"] = useReceived
                ? $"SandboxPost.{keys!.ReceivedAt} (request arrival, before the latency delay), earliest per post"
                : $"SandboxPost.{keys?.CreatedAt ?? "CreatedAt"}: no ReceivedAt is stored yet, so this includes the sandbox latency and its own work",
            ["received_by_sandbox"] = firstByIndex.Count,
            ["sandbox_rows"] = rows.Count,
            ["all_published"] = published == posts.Length,
            ["all_final_within_timeout"] = allFinal,
            ["all_final_after_due_s"] = Math.Round((finalAt - due).TotalSeconds, 1),
            ["status_source"] = "post(id) through GraphQL (aliased, 25 per request), polled every second after the sandbox had them all",
            ["api"] = Posts.Summary(posts),
            ["draft_post"] = drafting.ToJson("mutations/s"),
            ["schedule_post"] = scheduling.ToJson("mutations/s"),
            ["profile"] = profiled,
            ["targets"] = new JsonArray(
                Report.Target(nodes == 1 ? "punctuality p99 lateness" : $"punctuality on {nodes} nodes p99 lateness", FormattableString.Invariant($"<= {Goals.LatenessP99Ms} ms"), Stats.Round(p99), "ms", complete && p99 <= Goals.LatenessP99Ms)),
        };
        if (!complete)
        {
            throw new StageIncompleteException(json, $"{name}: {published}/{posts.Length} published, {firstByIndex.Count} received by the sandbox within {options.SettleTimeout.TotalSeconds} s of the due time");
        }

        return json;
    }
}

/// <summary>A stage that ran but could not finish: its figures so far, and why.</summary>
public sealed class StageIncompleteException(JsonObject partial, string message) : Exception(message)
{
    public JsonObject Partial { get; } = partial;
}
