using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Npgsql;

namespace Nexus.Bench;

/// <summary>
/// Outbound webhook delivery throughput: <c>--webhook-deliveries</c> (5,000) deliveries of one endpoint, queued at once
/// by SQL (the rows the async projection writes), sent by the API's sweeper (signed, through the guarded outbound
/// client) to a receiver in this process on loopback that answers 204 at once. Latency is from the row's creation to
/// the receiver reading the request; throughput is deliveries over the time from queueing to the last receipt.
/// </summary>
public static class WebhookDelivery
{
    public static async Task<JsonObject> RunAsync(BenchRun run)
    {
        var options = run.Options;
        // The receiver is on loopback: the stage allows private addresses, as Development does.
        await run.StartApiAsync("webhooks", new Dictionary<string, string> { ["Nexus__Outbound__AllowPrivateAddresses"] = "true" });
        await run.EnsureUsersAsync();
        var owner = run.Users[0];

        var port = FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var received = new ConcurrentDictionary<string, DateTimeOffset>();
        using var stop = new CancellationTokenSource();
        var receiving = Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception) when (stop.IsCancellationRequested)
                {
                    return;
                }

                using (var reader = new StreamReader(context.Request.InputStream))
                {
                    await reader.ReadToEndAsync();
                }

                received.TryAdd(context.Request.Headers["webhook-id"] ?? "", DateTimeOffset.UtcNow);
                context.Response.StatusCode = 204;
                context.Response.Close();
            }
        })));

        var endpoint = await run.Client.MutateAsync(owner.AccessToken, "createWebhookEndpoint",
            "mutation ($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id } secret errors { ... on Error { code message } } } }",
            new { workspaceId = owner.WorkspaceId, url = $"http://127.0.0.1:{port}/hooks", eventTypes = new[] { "post.published" } });
        var endpointId = LocalId(endpoint.GetProperty("endpoint").GetProperty("id").GetString()!);
        var workspaceId = LocalId(owner.WorkspaceId);

        var count = options.WebhookDeliveries;
        Console.Error.WriteLine($"bench: webhooks: queueing {count} deliveries to a loopback receiver");
        var body = "{\"type\":\"post.published\",\"timestamp\":\"2027-01-04T09:00:02.000Z\",\"data\":{\"postId\":\"bench\",\"status\":\"PUBLISHED\"}}";
        var created = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        await using (var db = new NpgsqlConnection(run.Database.ConnectionString))
        {
            await db.OpenAsync();
            await using var insert = new NpgsqlCommand(
                "insert into nexus.webhook_deliveries (id, endpoint_id, workspace_id, event_id, event_type, webhook_id, body, state, next_attempt_at, created_at) " +
                "select gen_random_uuid(), $1, $2, gen_random_uuid(), 'post.published', 'msg_bench_' || g, $3, 'pending', $4, $4 from generate_series(1, $5) g", db);
            foreach (var value in new object[] { endpointId, workspaceId, body, created, count })
            {
                insert.Parameters.Add(new NpgsqlParameter { Value = value });
            }

            await insert.ExecuteNonQueryAsync();
        }

        var deadline = TimeSpan.FromMinutes(10);
        while (received.Count < count && clock.Elapsed < deadline)
        {
            await Task.Delay(50);
        }

        clock.Stop();
        var elapsed = received.IsEmpty ? clock.Elapsed : received.Values.Max() - created;
        await stop.CancelAsync();
        listener.Stop();
        await Task.WhenAny(receiving, Task.Delay(TimeSpan.FromSeconds(2)));

        var latencies = received.Values.Select(at => (at - created).TotalMilliseconds).ToArray();
        long delivered;
        double attemptP50, attemptP95;
        await using (var db = new NpgsqlConnection(run.Database.ConnectionString))
        {
            await db.OpenAsync();
            // The attempt's own time (signing, the request, the answer), as the delivery log records it.
            await using var state = new NpgsqlCommand(
                "select count(*), percentile_cont(0.5) within group (order by duration_ms), percentile_cont(0.95) within group (order by duration_ms) " +
                "from nexus.webhook_deliveries where endpoint_id = $1 and state = 'delivered'", db);
            state.Parameters.Add(new NpgsqlParameter { Value = endpointId });
            await using var reader = await state.ExecuteReaderAsync();
            await reader.ReadAsync();
            (delivered, attemptP50, attemptP95) = (reader.GetInt64(0), reader.GetDouble(1), reader.GetDouble(2));
        }

        if (received.Count < count)
        {
            throw new BenchException($"webhooks: only {received.Count} of {count} deliveries arrived within {deadline.TotalMinutes} min");
        }

        return new JsonObject
        {
            ["what"] = "deliveries queued at once (SQL, as the projection writes them) and sent by one API node's sweeper, signed, to a loopback receiver answering 204",
            ["deliveries"] = count,
            ["received"] = received.Count,
            ["recorded_delivered"] = delivered,
            ["elapsed_s"] = Math.Round(elapsed.TotalSeconds, 2),
            ["throughput"] = Math.Round(count / elapsed.TotalSeconds, 1),
            ["throughput_unit"] = "deliveries/s",
            ["attempt_ms"] = new JsonObject { ["p50"] = Math.Round(attemptP50, 1), ["p95"] = Math.Round(attemptP95, 1) },
            ["latency_ms_from_queueing"] = new JsonObject
            {
                ["p50"] = Math.Round(Stats.Percentile(latencies, 50), 1),
                ["p95"] = Math.Round(Stats.Percentile(latencies, 95), 1),
                ["max"] = Math.Round(latencies.Max(), 1),
            },
        };
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    private static Guid LocalId(string globalId)
    {
        var base64 = globalId.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
        var text = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        return Guid.ParseExact(text[(text.IndexOf(':', StringComparison.Ordinal) + 1)..], "N");
    }
}
