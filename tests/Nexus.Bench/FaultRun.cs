using System.Globalization;
using System.Text.Json.Nodes;

namespace Nexus.Bench;

/// <summary>
/// Posts due over a short window while the sandbox injects 503s and 429s and the API is SIGKILLed and restarted
/// mid-publishing; then, at the sandbox, every target must have been published exactly once.
/// </summary>
public static class FaultRun
{
    public static Task<JsonObject> RunAsync(BenchRun run) => RunAsync(run, nodes: 1);

    /// <summary>
    /// The same on two API nodes over the one database, the load split over both: node 1 SIGKILLed (and restarted),
    /// then PostgreSQL restarted (<c>pg_ctl restart -m fast</c>, when the bench owns a local cluster), then node 2.
    /// </summary>
    public static Task<JsonObject> RunTwoNodesAsync(BenchRun run) => RunAsync(run, nodes: 2);

    private sealed record FaultEvent(string Kind, int Node);

    private static async Task<JsonObject> RunAsync(BenchRun run, int nodes)
    {
        var options = run.Options;
        var name = nodes == 1 ? "faults" : $"faults{nodes}";
        var settings = new Dictionary<string, string>
        {
            ["Nexus__Platforms__Sandbox__Latency"] = options.FaultLatency.ToString("c", CultureInfo.InvariantCulture),
            ["Nexus__Platforms__Sandbox__TransientFailureRate"] = options.TransientFailureRate.ToString(CultureInfo.InvariantCulture),
            ["Nexus__Platforms__Sandbox__RateLimitRate"] = options.RateLimitRate.ToString(CultureInfo.InvariantCulture),
            ["Nexus__Platforms__Sandbox__RateLimitReset"] = options.RateLimitReset.ToString("c", CultureInfo.InvariantCulture),
            ["Nexus__Publishing__RetryBaseDelay"] = options.RetryBaseDelay.ToString("c", CultureInfo.InvariantCulture),
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

        var stage = nodes == 1 ? "f" : $"f{nodes}";
        Console.Error.WriteLine($"bench: {name}: drafting {options.FaultPosts} posts");
        var (posts, drafting) = await Posts.DraftAsync(run, stage, options.FaultPosts);
        var now = DateTimeOffset.UtcNow;
        var first = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero) + options.FaultLead + TimeSpan.FromSeconds(1);
        foreach (var post in posts)
        {
            post.Due = first + (options.FaultWindow * post.Index / posts.Length);
        }

        var last = posts.Max(p => p.Due);
        Console.Error.WriteLine($"bench: {name}: scheduling them from {first:O} to {last:O}");
        var scheduling = await Posts.ScheduleAsync(run, posts);
        var scheduledBy = DateTimeOffset.UtcNow;

        // One node: --fault-kills kills of it. Several: each node killed once, PostgreSQL restarted between the first two.
        var postgres = nodes == 1 ? null : await PostgresRestart.FindAsync(run.Database, options.PgRestart);
        List<FaultEvent> events = nodes == 1
            ? [.. Enumerable.Repeat(new FaultEvent("kill", 0), options.FaultKills)]
            : [.. Enumerable.Range(0, nodes).SelectMany(n => n == 1 && postgres!.SkipReason is null
                ? new[] { new FaultEvent("postgres", -1), new FaultEvent("kill", n) }
                : [new FaultEvent("kill", n)])];
        // The profile needs one postmaster for the whole window: not across a restart of the server.
        var profile = events.Any(e => e.Kind == "postgres") ? null : await PhaseProfile.StartBeforeAsync(run.Database, run, first);

        // Each event when the sandbox has received its share of the posts (1/3 and 2/3 for two), or, should publishing
        // stall, when that share of the window is 10 s past.
        var prefix = Posts.Prefix(run, stage);
        var kills = new JsonArray();
        JsonNode? postgresRestart = postgres?.SkipReason is { } skipped ? new JsonObject { ["skipped"] = skipped } : null;
        // Several nodes: a killed node restarts in the background while the others go on, so that the next event
        // still falls while publishing; PostgreSQL is restarted only once every node is up again.
        var restarting = new List<(JsonObject Kill, Task<ApiProcess> Ready)>();
        for (var k = 1; k <= events.Count; k++)
        {
            var share = (double)k / (events.Count + 1);
            var threshold = (int)(posts.Length * share);
            var latest = first + (options.FaultWindow * share) + TimeSpan.FromSeconds(10);
            int received;
            while ((received = await run.Database.CountSandboxPostsPatientlyAsync(prefix, TimeSpan.FromMinutes(2))) < threshold && DateTimeOffset.UtcNow < latest)
            {
                await Task.Delay(100);
            }

            var at = DateTimeOffset.UtcNow;
            var fault = events[k - 1];
            if (fault.Kind == "postgres")
            {
                await Task.WhenAll(restarting.Select(r => r.Ready));
                at = DateTimeOffset.UtcNow;
                received = await run.Database.CountSandboxPostsPatientlyAsync(prefix, TimeSpan.FromMinutes(2));
                Console.Error.WriteLine($"bench: {name}: pg_ctl restart -m fast with {received}/{posts.Length} received by the sandbox");
                var restarted = await postgres!.RestartAsync();
                restarted["after_first_due_s"] = Math.Round((at - first).TotalSeconds, 2);
                restarted["sandbox_received_before_restart"] = received;
                postgresRestart = restarted;
                continue;
            }

            var killed = nodes == 1 ? run.Current! : run.Node(fault.Node);
            Console.Error.WriteLine($"bench: {name}: SIGKILL {k} of the API (node {fault.Node + 1}, pid {killed.Pid}) with {received}/{posts.Length} received by the sandbox");
            var kill = new JsonObject
            {
                ["at"] = at.ToString("O", CultureInfo.InvariantCulture),
                ["node"] = fault.Node + 1,
                ["after_first_due_s"] = Math.Round((at - first).TotalSeconds, 2),
                ["pid"] = killed.Pid,
                ["sandbox_received_before_kill"] = received,
            };
            kills.Add(kill);
            if (nodes == 1)
            {
                var process = await run.KillAndRestartAsync($"{name}-restart-{k}", settings);
                kill["restart_to_ready_s"] = Math.Round(process.StartToReady.TotalSeconds, 2);
            }
            else
            {
                await run.KillNodeAsync(fault.Node);
                restarting.Add((kill, run.RestartNodeAsync(fault.Node, $"{name}-node{fault.Node + 1}-restart", settings)));
            }
        }

        foreach (var (kill, ready) in restarting)
        {
            kill["restart_to_ready_s"] = Math.Round((await ready).StartToReady.TotalSeconds, 2);
        }

        Console.Error.WriteLine($"bench: {name}: waiting until every target is final");
        var (allFinal, finalAt) = await Posts.WaitFinalAsync(run, posts, last + options.SettleTimeout, TimeSpan.FromSeconds(2));
        var profiled = profile is null ? null : await profile.StopAsync(Posts.TargetsWith(posts, "PUBLISHED"), "post published");
        // Anything still in flight at the sandbox has landed by now.
        await Task.Delay(options.FaultLatency + TimeSpan.FromSeconds(1));

        var rows = await run.Database.SandboxPostsAsync(prefix);
        var exactlyOnce = Check(posts, rows, prefix);
        var summary = Posts.Summary(posts);
        var json = new JsonObject
        {
            ["what"] = nodes == 1
                ? "posts due over a window, sandbox injecting 503 and 429, the API SIGKILLed and restarted while publishing; then counted at the sandbox"
                : $"posts due over a window on {nodes} API nodes over one database (drafted and scheduled through both, each node serving its own sandbox), sandbox injecting 503 and 429, each node SIGKILLed and restarted once at a different time and PostgreSQL restarted between; then counted at the sandbox",
            ["nodes"] = nodes,
            ["posts"] = posts.Length,
            ["first_due_at"] = first.ToString("O", CultureInfo.InvariantCulture),
            ["last_due_at"] = last.ToString("O", CultureInfo.InvariantCulture),
            ["scheduling_finished_before_first_due_s"] = Math.Round((first - scheduledBy).TotalSeconds, 1),
            ["kills"] = kills,
            ["postgres_restart"] = postgresRestart,
            ["all_final_within_timeout"] = allFinal,
            ["drain_after_last_due_s"] = Math.Round((finalAt - last).TotalSeconds, 1),
            ["drain_after_first_due_s"] = Math.Round((finalAt - first).TotalSeconds, 1),
            ["drain_what"] = "when the last target became final (GraphQL post(id) polled every 2 s) − the last / first due time",
            ["published"] = Posts.TargetsWith(posts, "PUBLISHED"),
            ["failed"] = Posts.TargetsWith(posts, "FAILED"),
            ["unconfirmed"] = Posts.TargetsWith(posts, "UNCONFIRMED"),
            ["api"] = summary,
            ["sandbox"] = exactlyOnce,
            ["draft_post"] = drafting.ToJson("mutations/s"),
            ["schedule_post"] = scheduling.ToJson("mutations/s"),
            ["profile"] = profiled ?? (JsonNode)"not measured: PostgreSQL was restarted inside the window",
            ["targets"] = new JsonArray(
                Report.Target($"{(nodes == 1 ? "fault run" : $"fault run on {nodes} nodes")}: exactly once at the sandbox (per idempotency key and per target exactly 1, total = targets)", "pass",
                    exactlyOnce["pass"]!.GetValue<bool>() ? "pass" : "fail", "", exactlyOnce["pass"]!.GetValue<bool>()),
                Report.Target($"{(nodes == 1 ? "fault run" : $"fault run on {nodes} nodes")}: every target final", "all", Posts.FinalTargetStatuses.Sum(s => Posts.TargetsWith(posts, s)), "targets", allFinal)),
        };
        if (exactlyOnce["violated"]!.GetValue<bool>())
        {
            throw new ExactlyOnceViolatedException(json);
        }

        if (!allFinal)
        {
            throw new StageIncompleteException(json, $"{name}: not every target was final {options.SettleTimeout.TotalSeconds} s after the last due time");
        }

        return json;
    }

    /// <summary>
    /// The sandbox's copies against the targets: per idempotency key and per target exactly one, as many as targets.
    /// A duplicate, a copy of a target the API calls FAILED, a PUBLISHED target without a copy, or an external id
    /// that is not the copy's id, violates exactly-once (or the truth of the API's answer).
    /// </summary>
    private static JsonObject Check(TrackedPost[] posts, List<SandboxRow> rows, string prefix)
    {
        var byKey = rows.GroupBy(r => r.IdempotencyKey ?? "(none)").ToList();
        var byTarget = rows.GroupBy(r => Posts.IndexOf(prefix, r.Text)).ToDictionary(g => g.Key ?? -1, g => g.ToList());
        var keyDuplicates = byKey.Where(g => g.Count() > 1).ToList();
        var targetDuplicates = byTarget.Where(g => g.Key >= 0 && g.Value.Count > 1).ToList();
        var unknown = byTarget.GetValueOrDefault(-1)?.Count ?? 0;
        var missing = new JsonObject();
        var publishedWithoutCopy = 0;
        var failedWithCopy = 0;
        var externalIdMismatch = 0;
        foreach (var post in posts)
        {
            var target = (post.State?["targets"] as JsonArray)?.FirstOrDefault()?.AsObject();
            var status = target?["status"]?.GetValue<string>() ?? "(unread)";
            var copies = byTarget.GetValueOrDefault(post.Index) ?? [];
            if (copies.Count == 0)
            {
                missing[status] = (missing[status]?.GetValue<int>() ?? 0) + 1;
                publishedWithoutCopy += status == "PUBLISHED" ? 1 : 0;
            }
            else
            {
                failedWithCopy += status == "FAILED" ? 1 : 0;
                var external = target?["externalId"]?.GetValue<string>();
                externalIdMismatch += status == "PUBLISHED" && copies.All(c => c.Id != external) ? 1 : 0;
            }
        }

        var perKeyOne = keyDuplicates.Count == 0 && rows.All(r => r.IdempotencyKey is { Length: > 0 });
        var perTargetOne = targetDuplicates.Count == 0 && posts.All(p => byTarget.ContainsKey(p.Index));
        var totalMatches = rows.Count == posts.Length;
        var violated = keyDuplicates.Count > 0 || targetDuplicates.Count > 0 || unknown > 0 || publishedWithoutCopy > 0 || failedWithCopy > 0 || externalIdMismatch > 0;
        return new JsonObject
        {
            ["source"] = "nexus.mt_doc_sandboxpost rows whose text carries this stage's marker (SQL on the database)",
            ["rows"] = rows.Count,
            ["targets"] = posts.Length,
            ["total_equals_targets"] = totalMatches,
            ["idempotency_keys"] = byKey.Count,
            ["idempotency_keys_with_more_than_one_post"] = keyDuplicates.Count,
            ["rows_without_idempotency_key"] = rows.Count(r => r.IdempotencyKey is not { Length: > 0 }),
            ["targets_with_more_than_one_post"] = targetDuplicates.Count,
            ["targets_without_post_by_api_status"] = missing,
            ["rows_not_matching_a_target"] = unknown,
            ["published_without_post"] = publishedWithoutCopy,
            ["failed_with_post"] = failedWithCopy,
            ["published_external_id_mismatch"] = externalIdMismatch,
            ["per_key_exactly_one"] = perKeyOne,
            ["per_target_exactly_one"] = perTargetOne,
            ["pass"] = perKeyOne && perTargetOne && totalMatches && !violated,
            ["violated"] = violated,
            ["violated_means"] = "a duplicate (per key or per target), a post matching no target, a PUBLISHED target with no post, a FAILED target with a post, or an externalId that is not the post's id",
        };
    }
}

/// <summary>The fault run found a duplicate or an untrue status: the bench exits non-zero.</summary>
public sealed class ExactlyOnceViolatedException(JsonObject result) : Exception("exactly-once violated")
{
    public JsonObject Result { get; } = result;
}
