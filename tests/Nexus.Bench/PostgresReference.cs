using System.Text.Json.Nodes;
using Npgsql;

namespace Nexus.Bench;

/// <summary>
/// The machine's raw PostgreSQL rate, as a yardstick for the API's figures: each operation is one transaction of
/// two small inserts (the second referencing the first's generated id) through Npgsql, on N concurrent connections.
/// The two tables are created and dropped here, in the bench database.
/// </summary>
public static class PostgresReference
{
    public static async Task<JsonObject> RunAsync(BenchDatabase database, int concurrency, TimeSpan duration)
    {
        var builder = new NpgsqlConnectionStringBuilder(database.ConnectionString) { MaxPoolSize = Math.Max(100, concurrency * 2), MinPoolSize = 0 };
        await using var source = NpgsqlDataSource.Create(builder.ConnectionString);
        await ExecuteAsync(source, """
            DROP TABLE IF EXISTS bench_ref_event;
            DROP TABLE IF EXISTS bench_ref_order;
            CREATE TABLE bench_ref_order (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, account int NOT NULL, body text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
            CREATE TABLE bench_ref_event (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, order_id bigint NOT NULL REFERENCES bench_ref_order(id), kind text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
            """);
        try
        {
            // One connection per worker, opened before the clock starts.
            var connections = new NpgsqlConnection[concurrency];
            for (var i = 0; i < concurrency; i++)
            {
                connections[i] = await source.OpenConnectionAsync();
            }

            try
            {
                async Task<bool> Transaction(int worker, CancellationToken ct)
                {
                    var connection = connections[worker];
                    await using var transaction = await connection.BeginTransactionAsync(ct);
                    await using var order = new NpgsqlCommand("INSERT INTO bench_ref_order (account, body) VALUES ($1, $2) RETURNING id", connection, transaction);
                    order.Parameters.Add(new NpgsqlParameter<int> { TypedValue = worker });
                    order.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "a small post body of about sixty characters, like a tweet..." });
                    var id = (long)(await order.ExecuteScalarAsync(ct))!;
                    await using var evt = new NpgsqlCommand("INSERT INTO bench_ref_event (order_id, kind) VALUES ($1, $2)", connection, transaction);
                    evt.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
                    evt.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "scheduled" });
                    await evt.ExecuteNonQueryAsync(ct);
                    await transaction.CommitAsync(ct);
                    return true;
                }

                // Makes the workers' backends add their counters to pg_stat_database now, for the profile.
                async Task<bool> FlushStatistics()
                {
                    try
                    {
                        foreach (var connection in connections)
                        {
                            await using var flush = new NpgsqlCommand("SELECT pg_stat_force_next_flush()", connection);
                            await flush.ExecuteNonQueryAsync();
                        }

                        return true;
                    }
                    catch (PostgresException)
                    {
                        // Before PostgreSQL 15, or not allowed: the profile waits instead.
                        return false;
                    }
                }

                // A second of warm-up, not counted.
                await Load.ClosedLoopAsync(concurrency, TimeSpan.FromSeconds(1), Transaction);
                var profile = await PhaseProfile.StartAsync(database, run: null, FlushStatistics);
                var result = await Load.ClosedLoopAsync(concurrency, duration, Transaction);
                var profiled = await profile.StopAsync(result.Succeeded, "transaction");
                if (result.Failed > 0 && result.Succeeded == 0)
                {
                    throw new BenchException($"the PostgreSQL reference failed: {string.Join("; ", result.FirstErrors)}");
                }

                var json = result.ToJson("transactions/s");
                json["what"] = "BEGIN; INSERT … RETURNING id; INSERT (referencing it); COMMIT — through Npgsql, one connection per worker, unprepared statements";
                json["concurrency"] = concurrency;
                json["profile"] = profiled;
                return json;
            }
            finally
            {
                foreach (var connection in connections)
                {
                    await connection.DisposeAsync();
                }
            }
        }
        finally
        {
            await ExecuteAsync(source, "DROP TABLE IF EXISTS bench_ref_event; DROP TABLE IF EXISTS bench_ref_order;");
        }
    }

    private static async Task ExecuteAsync(NpgsqlDataSource source, string sql)
    {
        await using var command = source.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
