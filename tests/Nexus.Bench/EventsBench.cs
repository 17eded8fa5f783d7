using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Npgsql;

namespace Nexus.Bench;

/// <summary>
/// The event store at size: <c>--events</c> (1,000,000) post events seeded by SQL into one bench user's workspace
/// (posts drafted, edited twice, scheduled, rescheduled, cancelled, scheduled and rescheduled again: 8 events each),
/// plus a thousandth as many other workspaces (created, renamed). Then, with the API stopped, the
/// <c>rebuild-projections</c> command of the built API rebuilds the Post and Workspace snapshots and the workspace event
/// index (what it prints is the figure: events per second); then, with the API started again, the NDJSON export of the
/// workspace's events is read to the end over HTTP (events per second, and bytes).
/// </summary>
public static partial class EventsBench
{
    private const int EventsPerPost = 8;

    private static readonly string[] Rebuilt = ["Post", "Workspace", "WorkspaceEventIndex"];

    public static async Task<JsonObject> RunAsync(BenchRun run)
    {
        var options = run.Options;
        await run.StartApiAsync("events", new Dictionary<string, string>());
        await run.EnsureUsersAsync();
        var owner = run.Users[0];
        // Nothing of the API may run meanwhile: its async projections would start on the seeded events at once.
        await run.Current!.KillAsync("stopped (SIGKILL) before the events were seeded");

        Console.Error.WriteLine($"bench: events: seeding {options.Events:N0} post events by SQL");
        var seeding = Stopwatch.StartNew();
        var seed = await SeedAsync(run.Database.ConnectionString, owner, options.Events);
        seeding.Stop();
        seed["elapsed_s"] = Math.Round(seeding.Elapsed.TotalSeconds, 1);
        seed["events_per_s"] = Math.Round((long)seed["events"]! / seeding.Elapsed.TotalSeconds);

        var rebuilds = new JsonArray();
        foreach (var projection in Rebuilt)
        {
            Console.Error.WriteLine($"bench: events: rebuild-projections --projection {projection}");
            rebuilds.Add(await RebuildAsync(run, projection));
        }

        await run.StartApiAsync("events-export", new Dictionary<string, string>());
        Console.Error.WriteLine("bench: events: GET /events/export of the seeded workspace, to the end");
        var export = await ExportAsync(run, owner);

        return new JsonObject
        {
            ["what"] = "rebuild-projections (the API's command, its own process, the API stopped) over the seeded store, then GET /events/export of the workspace holding the seeded posts, read to the end",
            ["seed"] = seed,
            ["rebuild"] = rebuilds,
            ["export"] = export,
        };
    }

    /// <summary>Runs <c>dotnet Nexus.Api.dll rebuild-projections --projection NAME</c> and reads its last line.</summary>
    private static async Task<JsonObject> RebuildAsync(BenchRun run, string projection)
    {
        var dll = run.Options.ApiDll;
        var start = new ProcessStartInfo(run.Options.Dotnet)
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { dll, "rebuild-projections", "--projection", projection })
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in run.Api.With(new Dictionary<string, string>()))
        {
            start.Environment[key] = value;
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new BenchException("Could not start rebuild-projections.");
        var lines = new List<string>();
        var errors = process.StandardError.ReadToEndAsync();
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            lines.Add(line);
            Console.Error.WriteLine("bench: events:   " + line);
        }

        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new BenchException($"rebuild-projections --projection {projection} exited with {process.ExitCode}: {(await errors).Trim()}");
        }

        var done = lines.Select(l => RebuiltLine().Match(l)).LastOrDefault(m => m.Success)
            ?? throw new BenchException($"rebuild-projections printed no result line: {string.Join(" | ", lines.TakeLast(3))}");
        return new JsonObject
        {
            ["projection"] = projection,
            ["events"] = long.Parse(done.Groups[2].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture),
            ["rebuild_s"] = double.Parse(done.Groups[3].Value, CultureInfo.InvariantCulture),
            ["events_per_s"] = long.Parse(done.Groups[4].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture),
            ["process_s"] = Math.Round(clock.Elapsed.TotalSeconds, 1),
            ["progress_lines"] = lines.Count,
        };
    }

    /// <summary>Reads the export to the end, counting lines (events) and bytes as they arrive.</summary>
    private static async Task<JsonObject> ExportAsync(BenchRun run, BenchUser owner)
    {
        using var http = new HttpClient { BaseAddress = run.Api.BaseUrl, Timeout = TimeSpan.FromHours(1) };
        if (run.Api.ForwardedHttps)
        {
            http.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/events/export?workspaceId={Uri.EscapeDataString(owner.WorkspaceId)}");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", owner.AccessToken);
        var clock = Stopwatch.StartNew();
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
        {
            throw new BenchException($"GET /events/export answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        var firstByte = clock.Elapsed;
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64 * 1024];
        long bytes = 0, events = 0;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            bytes += read;
            events += buffer.AsSpan(0, read).Count((byte)'\n');
        }

        var elapsed = clock.Elapsed;
        return new JsonObject
        {
            ["events"] = events,
            ["bytes"] = bytes,
            ["elapsed_s"] = Math.Round(elapsed.TotalSeconds, 1),
            ["first_byte_ms"] = Math.Round(firstByte.TotalMilliseconds),
            ["events_per_s"] = Math.Round(events / elapsed.TotalSeconds),
            ["mib_per_s"] = Math.Round(bytes / 1048576.0 / elapsed.TotalSeconds, 1),
            ["how"] = "one GET, no gzip, the owner's token (ADMIN), read to the end by one client",
        };
    }

    /// <summary>
    /// Writes streams and events as Marten would (its tables, its stored names and .NET type names, JSON as its
    /// serializer writes these records), numbered from a block of the events sequence taken at once, in batches.
    /// </summary>
    private static async Task<JsonObject> SeedAsync(string connectionString, BenchUser owner, int events)
    {
        var posts = Math.Max(1, events / EventsPerPost);
        var workspaces = Math.Max(1, posts / 1000);
        var workspace = GlobalGuid(owner.WorkspaceId);
        var connection = GlobalGuid(owner.ConnectionId);
        var author = Guid.NewGuid();
        var origin = DateTimeOffset.UtcNow.AddDays(-30);
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();

        var total = ((long)posts * EventsPerPost) + (workspaces * 2L);
        long first;
        await using (var reserve = new NpgsqlCommand("select nextval('nexus.mt_events_sequence')", db))
        {
            first = (long)(await reserve.ExecuteScalarAsync())!;
        }

        await using (var reserve = new NpgsqlCommand($"select setval('nexus.mt_events_sequence', {first + total - 1})", db))
        {
            await reserve.ExecuteScalarAsync();
        }

        await ExecuteAsync(db, $"""
            insert into nexus.mt_streams (id, type, version, timestamp, created, tenant_id, is_archived)
            select md5('bench-workspace' || i)::uuid, 'workspace', 2, $1, $1, '*DEFAULT*', false from generate_series(0, {workspaces - 1}) i
            """, origin);
        await ExecuteAsync(db, $"""
            insert into nexus.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, is_archived)
            select $2 + i * 2 + v - 1, gen_random_uuid(), md5('bench-workspace' || i)::uuid, v,
              case v when 1 then jsonb_build_object('WorkspaceId', md5('bench-workspace' || i)::uuid, 'Name', 'Bench workspace ' || i, 'TimeZone', 'Europe/Berlin', 'OwnerId', $3, 'CreatedAt', $1)
                     else jsonb_build_object('WorkspaceId', md5('bench-workspace' || i)::uuid, 'Name', 'Bench workspace ' || i || ' (renamed)', 'ByUserId', $3, 'At', $1) end,
              case v when 1 then 'workspace_created' else 'workspace_renamed' end, $1, '*DEFAULT*',
              case v when 1 then 'Nexus.Api.Features.Workspaces.WorkspaceCreated, Nexus.Api' else 'Nexus.Api.Features.Workspaces.WorkspaceRenamed, Nexus.Api' end, false
            from generate_series(0, {workspaces - 1}) i cross join generate_series(1, 2) v
            """, origin, first, author);

        const int Batch = 20_000;
        var postsFirst = first + (workspaces * 2L);
        for (var a = 0; a < posts; a += Batch)
        {
            var b = Math.Min(posts, a + Batch);
            await ExecuteAsync(db, $"""
                insert into nexus.mt_streams (id, type, version, timestamp, created, tenant_id, is_archived)
                select md5('bench-post' || j)::uuid, 'post', {EventsPerPost}, $1 + j * interval '8 ms', $1 + j * interval '8 ms', '*DEFAULT*', false
                from generate_series({a}, {b - 1}) j
                """, origin);
            await ExecuteAsync(db, $"""
                insert into nexus.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, is_archived)
                select $2 + j * {EventsPerPost} + v - 1, gen_random_uuid(), p.post, v, e.data, e.type, p.at, '*DEFAULT*', e.dotnet, false
                from generate_series({a}, {b - 1}) j
                cross join generate_series(1, {EventsPerPost}) v
                cross join lateral (select md5('bench-post' || j)::uuid as post, $1 + (j * {EventsPerPost} + v) * interval '1 ms' as at,
                  jsonb_build_array(jsonb_build_object('TargetId', md5('bench-target' || j)::uuid, 'ConnectionId', $3, 'Platform', 0, 'Text', null, 'Media', null, 'Options', jsonb_build_object())) as targets,
                  $1 + interval '60 days' + (j % 1000) * interval '1 hour' as due) p
                cross join lateral (select
                  case v
                    when 1 then jsonb_build_object('PostId', p.post, 'WorkspaceId', $4, 'AuthorId', $5, 'Text', 'Bench post ' || j, 'Media', '[]'::jsonb, 'Targets', p.targets, 'At', p.at)
                    when 2 then jsonb_build_object('PostId', p.post, 'Text', 'Bench post ' || j || ', edited', 'Media', '[]'::jsonb, 'Targets', p.targets, 'ByUserId', $5, 'At', p.at)
                    when 3 then jsonb_build_object('PostId', p.post, 'Text', 'Bench post ' || j || ', edited twice', 'Media', '[]'::jsonb, 'Targets', p.targets, 'ByUserId', $5, 'At', p.at)
                    when 6 then jsonb_build_object('PostId', p.post, 'ByUserId', $5, 'At', p.at)
                    else jsonb_build_object('PostId', p.post, 'ScheduledAt', p.due + v * interval '1 day', 'TimeZone', 'Europe/Berlin',
                      'LocalTime', to_char((p.due + v * interval '1 day') at time zone 'Europe/Berlin', 'YYYY-MM-DD"T"HH24:MI'), 'Dst', 0, 'ByUserId', $5, 'At', p.at)
                      || case when v in (4, 7) then jsonb_build_object('FromQueue', false) else jsonb_build_object() end
                  end as data,
                  case v when 1 then 'post_drafted' when 2 then 'post_edited' when 3 then 'post_edited' when 4 then 'post_scheduled'
                    when 5 then 'post_rescheduled' when 6 then 'post_cancelled' when 7 then 'post_scheduled' else 'post_rescheduled' end as type,
                  'Nexus.Api.Features.Posts.' || case v when 1 then 'PostDrafted' when 2 then 'PostEdited' when 3 then 'PostEdited' when 4 then 'PostScheduled'
                    when 5 then 'PostRescheduled' when 6 then 'PostCancelled' when 7 then 'PostScheduled' else 'PostRescheduled' end || ', Nexus.Api' as dotnet) e
                """, origin, postsFirst, connection, workspace, author);
            Console.Error.WriteLine($"bench: events:   {(long)b * EventsPerPost:N0} post events");
        }

        await ExecuteAsync(db, "analyze nexus.mt_events");
        await ExecuteAsync(db, "analyze nexus.mt_streams");

        return new JsonObject
        {
            ["events"] = total,
            ["posts"] = posts,
            ["post_events"] = (long)posts * EventsPerPost,
            ["other_workspaces"] = workspaces,
            ["how"] = "SQL generate_series into nexus.mt_streams and nexus.mt_events (seq_id from one block of mt_events_sequence), batches of 20,000 posts; " +
                "per post: post_drafted, post_edited ×2, post_scheduled, post_rescheduled, post_cancelled, post_scheduled, post_rescheduled; all posts in the first bench user's workspace; " +
                "per other workspace: workspace_created, workspace_renamed",
        };
    }

    private static async Task ExecuteAsync(NpgsqlConnection db, string sql, params object[] values)
    {
        await using var command = new NpgsqlCommand(sql, db) { CommandTimeout = 600 };
        foreach (var value in values)
        {
            command.Parameters.AddWithValue(value);
        }

        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The uuid inside a Relay global id (base64url of "Type:guid").</summary>
    private static Guid GlobalGuid(string globalId)
    {
        var base64 = globalId.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
        var text = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        return Guid.ParseExact(text[(text.IndexOf(':', StringComparison.Ordinal) + 1)..], "N");
    }

    // "Post: rebuilt, 1,000,000 events in 41.2 s (24,272 events/s)"
    [GeneratedRegex(@"^(.+): rebuilt, ([0-9,]+) events in ([0-9.]+) s \(([0-9,]+) events/s\)$")]
    private static partial Regex RebuiltLine();
}
