using System.Globalization;
using System.Text.Json.Nodes;

namespace Nexus.Bench;

/// <summary>
/// Posts due over a short window while the sandbox injects 503s and 429s and the API is SIGKILLed and restarted
/// mid-publishing; then, at the sandbox, every target must have been published exactly once.
/// </summary>
public static class FaultRun
{
    public static async Task<JsonObject> RunAsync(BenchRun run)
    {
        var options = run.Options;
        var settings = new Dictionary<string, string>
        {
            ["Nexus__Platforms__Sandbox__Latency"] = options.FaultLatency.ToString("c", CultureInfo.InvariantCulture),
            ["Nexus__Platforms__Sandbox__TransientFailureRate"] = options.TransientFailureRate.ToString(CultureInfo.InvariantCulture),
            ["Nexus__Platforms__Sandbox__RateLimitRate"] = options.RateLimitRate.ToString(CultureInfo.InvariantCulture),
            ["Nexus__Platforms__Sandbox__RateLimitReset"] = options.RateLimitReset.ToString("c", CultureInfo.InvariantCulture),
            ["Nexus__Publishing__RetryBaseDelay"] = options.RetryBaseDelay.ToString("c", CultureInfo.InvariantCulture),
        };
        await run.StartApiAsync("faults", settings);
        await run.EnsureUsersAsync();

        Console.Error.WriteLine($"bench: faults: drafting {options.FaultPosts} posts");
        var (posts, drafting) = await Posts.DraftAsync(run, "f", options.FaultPosts);
        var now = DateTimeOffset.UtcNow;
        var first = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero) + options.FaultLead + TimeSpan.FromSeconds(1);
        foreach (var post in posts)
        {
            post.Due = first + (options.FaultWindow * post.Index / posts.Length);
        }

        var last = posts.Max(p => p.Due);
        Console.Error.WriteLine($"bench: faults: scheduling them from {first:O} to {last:O}");
        var scheduling = await Posts.ScheduleAsync(run, posts);
        var scheduledBy = DateTimeOffset.UtcNow;
        var profile = await PhaseProfile.StartBeforeAsync(run.Database, run, first);

        // Kill when the sandbox has received a share of the posts (1/3 and 2/3 for two kills), or, should publishing
        // stall, when that share of the window is 10 s past.
        var prefix = Posts.Prefix(run, "f");
        var kills = new JsonArray();
        for (var k = 1; k <= options.FaultKills; k++)
        {
            var share = (double)k / (options.FaultKills + 1);
            var threshold = (int)(posts.Length * share);
            var latest = first + (options.FaultWindow * share) + TimeSpan.FromSeconds(10);
            int received;
            while ((received = await run.Database.CountSandboxPostsAsync(prefix)) < threshold && DateTimeOffset.UtcNow < latest)
            {
                await Task.Delay(100);
            }

            var killedAt = DateTimeOffset.UtcNow;
            var killed = run.Current!;
            Console.Error.WriteLine($"bench: faults: SIGKILL {k} of the API (pid {killed.Pid}) with {received}/{posts.Length} received by the sandbox");
            var restarted = await run.KillAndRestartAsync($"faults-restart-{k}", settings);
            kills.Add(new JsonObject
            {
                ["at"] = killedAt.ToString("O", CultureInfo.InvariantCulture),
                ["after_first_due_s"] = Math.Round((killedAt - first).TotalSeconds, 2),
                ["pid"] = killed.Pid,
                ["sandbox_received_before_kill"] = received,
                ["restart_to_ready_s"] = Math.Round(restarted.StartToReady.TotalSeconds, 2),
            });
        }

        Console.Error.WriteLine("bench: faults: waiting until every target is final");
        var (allFinal, finalAt) = await Posts.WaitFinalAsync(run, posts, last + options.SettleTimeout, TimeSpan.FromSeconds(2));
        var profiled = await profile.StopAsync(Posts.TargetsWith(posts, "PUBLISHED"), "post published");
        // Anything still in flight at the sandbox has landed by now.
        await Task.Delay(options.FaultLatency + TimeSpan.FromSeconds(1));

        var rows = await run.Database.SandboxPostsAsync(prefix);
        var exactlyOnce = Check(posts, rows, prefix);
        var summary = Posts.Summary(posts);
        var json = new JsonObject
        {
            ["what"] = "posts due over a window, sandbox injecting 503 and 429, the API SIGKILLed and restarted while publishing; then counted at the sandbox",
            ["posts"] = posts.Length,
            ["first_due_at"] = first.ToString("O", CultureInfo.InvariantCulture),
            ["last_due_at"] = last.ToString("O", CultureInfo.InvariantCulture),
            ["scheduling_finished_before_first_due_s"] = Math.Round((first - scheduledBy).TotalSeconds, 1),
            ["kills"] = kills,
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
            ["profile"] = profiled,
            ["targets"] = new JsonArray(
                Report.Target("fault run: exactly once at the sandbox (per idempotency key and per target exactly 1, total = targets)", "pass",
                    exactlyOnce["pass"]!.GetValue<bool>() ? "pass" : "fail", "", exactlyOnce["pass"]!.GetValue<bool>()),
                Report.Target("fault run: every target final", "all", Posts.FinalTargetStatuses.Sum(s => Posts.TargetsWith(posts, s)), "targets", allFinal)),
        };
        if (exactlyOnce["violated"]!.GetValue<bool>())
        {
            throw new ExactlyOnceViolatedException(json);
        }

        if (!allFinal)
        {
            throw new StageIncompleteException(json, $"faults: not every target was final {options.SettleTimeout.TotalSeconds} s after the last due time");
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
