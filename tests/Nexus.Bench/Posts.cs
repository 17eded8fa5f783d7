using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Nexus.Bench;

/// <summary>A post the bench made: whose, its id, and when it is due.</summary>
public sealed class TrackedPost(int index, BenchUser user, string postId)
{
    public int Index { get; } = index;

    public BenchUser User { get; } = user;

    public string PostId { get; } = postId;

    public DateTimeOffset Due { get; set; }

    /// <summary>The last state read through GraphQL (<c>post(id)</c> with its targets).</summary>
    public JsonObject? State { get; set; }
}

/// <summary>Making, scheduling and following posts for the publishing stages.</summary>
public static class Posts
{
    public static readonly string[] FinalTargetStatuses = ["PUBLISHED", "FAILED", "UNCONFIRMED", "CANCELLED"];

    /// <summary>The text every post of a stage starts with, so the sandbox's copies can be found and mapped back.</summary>
    public static string Prefix(BenchRun run, string stage) => $"[bench {run.RunId} {stage} ";

    public static string Text(BenchRun run, string stage, int index) => $"{Prefix(run, stage)}{index:D5}] Bench post {index} of the {stage} stage.";

    /// <summary>The post index a sandbox copy's text names, or null.</summary>
    public static int? IndexOf(string prefix, string text) =>
        text.StartsWith(prefix, StringComparison.Ordinal) && text.Length >= prefix.Length + 5 &&
        int.TryParse(text.AsSpan(prefix.Length, 5), NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : null;

    /// <summary>Drafts <paramref name="count"/> posts with one sandbox target each, spread round-robin over the users.</summary>
    public static async Task<(TrackedPost[] Posts, LoadResult Result)> DraftAsync(BenchRun run, string stage, int count)
    {
        var users = run.Users;
        var posts = new TrackedPost[count];
        var next = new int[users.Count];
        var result = await Load.ClosedLoopAsync(users.Count, TimeSpan.FromHours(1), async (w, ct) =>
        {
            var index = w + (users.Count * next[w]++);
            if (index >= count)
            {
                return false;
            }

            posts[index] = new TrackedPost(index, users[w], await run.ClientFor(users[w]).DraftPostAsync(users[w], Text(run, stage, index), ct));
            return true;
        }, stopOnFailure: true);
        if (result.Failed > 0)
        {
            throw new BenchException($"draftPost failed {result.Failed} times: {string.Join("; ", result.FirstErrors)}");
        }

        return (posts, result);
    }

    /// <summary>Schedules every post at its <see cref="TrackedPost.Due"/>, each client its own posts.</summary>
    public static async Task<LoadResult> ScheduleAsync(BenchRun run, TrackedPost[] posts)
    {
        var users = run.Users;
        var next = new int[users.Count];
        var result = await Load.ClosedLoopAsync(users.Count, TimeSpan.FromHours(1), async (w, ct) =>
        {
            var index = w + (users.Count * next[w]++);
            if (index >= posts.Length)
            {
                return false;
            }

            await run.ClientFor(posts[index].User).SchedulePostAsync(posts[index].User, posts[index].PostId, posts[index].Due, ct);
            return true;
        }, stopOnFailure: true);
        if (result.Failed > 0)
        {
            throw new BenchException($"schedulePost failed {result.Failed} times: {string.Join("; ", result.FirstErrors)}");
        }

        return result;
    }

    public static bool IsFinal(JsonObject? post) =>
        post?["targets"] is JsonArray targets && targets.Count > 0 &&
        targets.All(t => FinalTargetStatuses.Contains(t?["status"]?.GetValue<string>()));

    /// <summary>
    /// Reads the posts through GraphQL until every target is final (PUBLISHED, FAILED, UNCONFIRMED, CANCELLED) or
    /// <paramref name="deadline"/> passes; only posts not yet final are read again. Returns when it ended.
    /// </summary>
    public static async Task<(bool AllFinal, DateTimeOffset At)> WaitFinalAsync(BenchRun run, IReadOnlyList<TrackedPost> posts, DateTimeOffset deadline, TimeSpan interval)
    {
        var lastReport = Stopwatch.StartNew();
        while (true)
        {
            var pending = posts.Where(p => !IsFinal(p.State)).ToList();
            if (pending.Count == 0)
            {
                return (true, DateTimeOffset.UtcNow);
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                return (false, DateTimeOffset.UtcNow);
            }

            try
            {
                await Load.ForEachAsync(pending.GroupBy(p => p.User), 4, async (group, ct) =>
                {
                    var states = await run.ClientFor(group.Key).PostsAsync(group.Key, [.. group.Select(p => p.PostId)], ct);
                    foreach (var post in group)
                    {
                        post.State = states.GetValueOrDefault(post.PostId) ?? post.State;
                    }
                });
            }
            catch (Exception ex) when (ex is HttpRequestException or GraphQLException or TaskCanceledException)
            {
                // The API may be restarting.
            }

            var done = DateTimeOffset.UtcNow;
            if (posts.All(p => IsFinal(p.State)))
            {
                return (true, done);
            }

            if (lastReport.Elapsed > TimeSpan.FromSeconds(10))
            {
                lastReport.Restart();
                Console.Error.WriteLine($"bench: {posts.Count(p => IsFinal(p.State))}/{posts.Count} posts final");
            }

            await Task.Delay(interval);
        }
    }

    /// <summary>Counts of target statuses, attempts and last error codes, as the API reports them.</summary>
    public static JsonObject Summary(IReadOnlyList<TrackedPost> posts)
    {
        var targets = posts.SelectMany(p => p.State?["targets"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var byStatus = new JsonObject();
        foreach (var group in targets.GroupBy(t => t["status"]?.GetValue<string>() ?? "?").OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            byStatus[group.Key] = group.Count();
        }

        var postStatuses = new JsonObject();
        foreach (var group in posts.GroupBy(p => p.State?["status"]?.GetValue<string>() ?? "(unread)").OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            postStatuses[group.Key] = group.Count();
        }

        var attempts = targets.Select(t => t["attempts"]?.GetValue<int>() ?? 0).ToList();
        var attemptsHistogram = new JsonObject();
        foreach (var group in attempts.GroupBy(a => a).OrderBy(g => g.Key))
        {
            attemptsHistogram[group.Key.ToString(CultureInfo.InvariantCulture)] = group.Count();
        }

        var errors = new JsonObject();
        foreach (var group in targets.Select(t => t["lastError"]?["code"]?.GetValue<string>()).OfType<string>().GroupBy(c => c).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            errors[group.Key] = group.Count();
        }

        return new JsonObject
        {
            ["posts"] = posts.Count,
            ["targets"] = targets.Count,
            ["target_status"] = byStatus,
            ["post_status"] = postStatuses,
            ["attempts_total"] = attempts.Sum(),
            ["attempts_histogram"] = attemptsHistogram,
            ["last_error_codes"] = errors,
        };
    }

    public static int TargetsWith(IReadOnlyList<TrackedPost> posts, string status) =>
        posts.SelectMany(p => p.State?["targets"] as JsonArray ?? []).Count(t => t?["status"]?.GetValue<string>() == status);
}
