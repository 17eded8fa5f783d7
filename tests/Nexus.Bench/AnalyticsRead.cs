using System.Diagnostics;
using System.Text.Json.Nodes;
using Npgsql;

namespace Nexus.Bench;

/// <summary>
/// <c>workspace.analytics</c> over 90 days of one workspace holding <c>--analytics-targets</c> (100,000) published targets
/// with 6 snapshots each, seeded by SQL (the metrics sync's tables, as it fills them) and read through the API by
/// <c>--analytics-clients</c> signed-in clients back to back: the dashboard query (totals, previous period, a daily
/// series, per platform, top posts, the home screen's numbers).
/// </summary>
public static class AnalyticsRead
{
    public const string Query = """
        query ($id: ID!, $from: DateTime!, $to: DateTime!) { workspace(id: $id) { analytics(from: $from, to: $to, interval: DAY) {
          totals { postsPublished impressions reach likes comments shares saves engagements engagementRate }
          previous { postsPublished engagements engagementRate }
          series { date figures { postsPublished engagements engagementRate } }
          byPlatform { platform figures { postsPublished impressions reach engagements engagementRate } }
          topPosts(first: 10) { post { id } figures { engagements engagementRate } }
          dashboard { postsThisWeek connectedAccounts totalFollowers engagements engagementRate } } } }
        """;

    public static async Task<JsonObject> RunAsync(BenchRun run)
    {
        var options = run.Options;
        await run.StartApiAsync("analytics", new Dictionary<string, string>());
        await run.EnsureUsersAsync();
        var owner = run.Users[0];

        Console.Error.WriteLine($"bench: analytics: seeding {options.AnalyticsTargets} published targets × 6 snapshots over 90 days by SQL");
        var seeding = Stopwatch.StartNew();
        var seeded = await SeedAsync(run.Database.ConnectionString, owner, options.AnalyticsTargets);
        seeding.Stop();

        var now = DateTimeOffset.UtcNow;
        var variables = new { id = owner.WorkspaceId, from = now.AddDays(-90).ToString("O"), to = now.ToString("O") };
        var clients = Math.Min(options.AnalyticsClients, run.Users.Count);
        async Task<bool> Read(int w, CancellationToken ct)
        {
            await run.Client.GraphQLAsync(owner.AccessToken, Query, variables, ct);
            return true;
        }

        // Warm-up: the API's first queries (JIT, the plan cache of each pooled connection) are not what is measured.
        var warmupLeft = 20;
        var warmup = await Load.ClosedLoopAsync(clients, TimeSpan.FromMinutes(5), (w, ct) => Interlocked.Decrement(ref warmupLeft) >= 0 ? Read(w, ct) : Task.FromResult(false), stopOnFailure: true);
        if (warmup.Failed > 0)
        {
            throw new BenchException($"workspace.analytics failed during the warm-up: {string.Join("; ", warmup.FirstErrors)}");
        }

        Console.Error.WriteLine($"bench: analytics: measuring workspace.analytics (90 days) from {clients} clients for {options.Duration.TotalSeconds} s");
        var profile = await PhaseProfile.StartAsync(run.Database, run);
        var result = await Load.ClosedLoopAsync(clients, options.Duration, Read);
        var profiled = await profile.StopAsync(result.Succeeded, "workspace.analytics");
        var json = result.ToJson("queries/s");
        json["what"] = "workspace.analytics over 90 days (totals, previous period, daily series, per platform, top 10 posts, dashboard) over HTTP, by clients signed in as the workspace's owner, back to back";
        json["clients"] = clients;
        json["seed"] = seeded;
        json["seed_elapsed_s"] = Math.Round(seeding.Elapsed.TotalSeconds, 1);
        json["warmup_queries"] = warmup.Succeeded;
        json["profile"] = profiled;
        return json;
    }

    /// <summary>
    /// One workspace's targets over the last 90 days: two targets per post, platforms in turn, each platform's figures
    /// present or NULL as that platform gives them (X and TikTok no reach, LinkedIn and TikTok no impressions, saves only
    /// where a platform has them), 6 readings at +1 h … +30 d (those already past), the latest kept on the target.
    /// </summary>
    private static async Task<JsonObject> SeedAsync(string connectionString, BenchUser owner, int targets)
    {
        var workspace = GlobalGuid(owner.WorkspaceId);
        var connection = GlobalGuid(owner.ConnectionId);
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        await using (var insert = new NpgsqlCommand("""
            insert into nexus.target_metrics (target_id, workspace_id, post_id, connection_id, platform, external_id, published_at, sync_step, next_sync_at, measured_at,
              impressions, reach, views, likes, comments, shares, saves, clicks, video_views, watch_time_seconds, average_view_seconds)
            select gen_random_uuid(), $1, ('00000000-0000-4000-8000-' || lpad(to_hex(i / 2), 12, '0'))::uuid, $2, p, 'bench-' || i, published_at, 6, null,
              published_at + least(interval '30 days', now() - published_at),
              case when p in ('LinkedIn', 'TikTok') then null else base * 10 end,
              case when p in ('X', 'TikTok') then null else base * 7 end,
              case when p in ('TikTok', 'YouTube', 'Instagram') then base * 12 end,
              base / 3, base / 40, case when p = 'Pinterest' then null else base / 80 end,
              case when p in ('Instagram', 'Pinterest', 'TikTok') then base / 60 end,
              case when p in ('X', 'LinkedIn', 'Facebook', 'Pinterest') then base / 20 end,
              case when p in ('TikTok', 'YouTube', 'Instagram') then base * 5 end,
              case when p in ('TikTok', 'YouTube') then base * 5 * 11.5 end,
              case when p in ('TikTok', 'YouTube') then 11.5 end
            from (select i, (array['Instagram', 'Facebook', 'X', 'LinkedIn', 'TikTok', 'YouTube', 'Pinterest'])[1 + i % 7] as p,
                    now() - interval '90 days' * random() as published_at, (50 + (random() * 2000)::int)::bigint as base
                  from generate_series(1, $3) i) s
            """, db) { CommandTimeout = 600 })
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = workspace });
            insert.Parameters.Add(new NpgsqlParameter { Value = connection });
            insert.Parameters.Add(new NpgsqlParameter { Value = targets });
            await insert.ExecuteNonQueryAsync();
        }

        await using (var snapshots = new NpgsqlCommand("""
            insert into nexus.metric_snapshots (target_id, measured_at, workspace_id, impressions, reach, views, likes, comments, shares, saves, clicks, video_views,
              watch_time_seconds, average_view_seconds)
            select t.target_id, t.published_at + s.after, t.workspace_id, (t.impressions * s.part)::bigint, (t.reach * s.part)::bigint, (t.views * s.part)::bigint,
              (t.likes * s.part)::bigint, (t.comments * s.part)::bigint, (t.shares * s.part)::bigint, (t.saves * s.part)::bigint, (t.clicks * s.part)::bigint,
              (t.video_views * s.part)::bigint, t.watch_time_seconds * s.part, t.average_view_seconds
            from nexus.target_metrics t cross join (values (interval '1 hour', 0.3), (interval '6 hours', 0.6), (interval '1 day', 0.8), (interval '3 days', 0.9),
              (interval '7 days', 0.97), (interval '30 days', 1.0)) s(after, part)
            where t.workspace_id = $1
            """, db) { CommandTimeout = 600 })
        {
            snapshots.Parameters.Add(new NpgsqlParameter { Value = workspace });
            await snapshots.ExecuteNonQueryAsync();
        }

        await using (var audience = new NpgsqlCommand("""
            insert into nexus.connection_audience (connection_id, workspace_id, platform, measured_at, followers, following, posts) values ($1, $2, 'Sandbox', now(), 12345, 67, 890)
            on conflict (connection_id) do update set followers = excluded.followers, measured_at = excluded.measured_at
            """, db))
        {
            audience.Parameters.Add(new NpgsqlParameter { Value = connection });
            audience.Parameters.Add(new NpgsqlParameter { Value = workspace });
            await audience.ExecuteNonQueryAsync();
        }

        await using (var analyze = new NpgsqlCommand("analyze nexus.target_metrics; analyze nexus.metric_snapshots", db) { CommandTimeout = 600 })
        {
            await analyze.ExecuteNonQueryAsync();
        }

        await using var count = new NpgsqlCommand("select (select count(*) from nexus.target_metrics), (select count(*) from nexus.metric_snapshots)", db);
        await using var reader = await count.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new JsonObject
        {
            ["targets"] = reader.GetInt64(0),
            ["snapshots"] = reader.GetInt64(1),
            ["posts"] = (targets / 2) + 1,
            ["how"] = "SQL generate_series into nexus.target_metrics (latest figures, NULL where the platform gives none) and nexus.metric_snapshots (+1 h, +6 h, +1 d, +3 d, +7 d, +30 d); published_at uniform over the last 90 days; 7 platforms in turn; ANALYZE after",
        };
    }

    /// <summary>The uuid inside a Relay global id (base64url of "Type:guid").</summary>
    private static Guid GlobalGuid(string globalId)
    {
        var base64 = globalId.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
        var text = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        return Guid.ParseExact(text[(text.IndexOf(':', StringComparison.Ordinal) + 1)..], "N");
    }
}
