using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;

namespace Nexus.Bench;

/// <summary>A post the sandbox stored (nexus.mt_doc_sandboxpost), as far as the bench needs it.</summary>
public sealed record SandboxRow(string Id, string Text, string? IdempotencyKey, DateTimeOffset? ReceivedAt, DateTimeOffset? CreatedAt);

/// <summary>The bench's own reads of the database: recreating it, server facts, and counting at the sandbox.</summary>
public sealed class BenchDatabase(string connectionString)
{
    public string ConnectionString { get; } = connectionString;

    /// <summary>Drops and recreates the bench database through the server-level connection.</summary>
    public static async Task RecreateAsync(string database, string server)
    {
        var name = new NpgsqlConnectionStringBuilder(database).Database ?? throw new BenchException("NEXUS_DB names no database");
        if (name is "postgres" or "template0" or "template1")
        {
            throw new BenchException($"refusing to recreate the database '{name}'");
        }

        var admin = new NpgsqlConnectionStringBuilder(server) { Pooling = false };
        if (admin.Database == name)
        {
            admin.Database = "postgres";
        }

        await using var connection = new NpgsqlConnection(admin.ConnectionString);
        await connection.OpenAsync();
        var quoted = "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        await using (var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)", connection))
        {
            await drop.ExecuteNonQueryAsync();
        }

        await using var create = new NpgsqlCommand($"CREATE DATABASE {quoted}", connection);
        await create.ExecuteNonQueryAsync();
        NpgsqlConnection.ClearAllPools();
    }

    public async Task<JsonObject> ServerFactsAsync()
    {
        var facts = new JsonObject();
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        facts["version"] = (string?)await Scalar(connection, "SELECT version()");
        foreach (var setting in new[] { "fsync", "synchronous_commit", "full_page_writes", "shared_buffers", "max_connections" })
        {
            facts[setting] = (string?)await Scalar(connection, $"SELECT current_setting('{setting}')");
        }

        return facts;
    }

    /// <summary>The database's activity counters so far (pg_stat_database; a backend reports its own within about a second).</summary>
    public async Task<DatabaseCounters> CountersAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT datname, xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted, tup_fetched FROM pg_stat_database WHERE datname = current_database()",
            connection);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            throw new BenchException("pg_stat_database has no row for the bench database");
        }

        return new DatabaseCounters(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6));
    }

    /// <summary>The pid of the server's postmaster when it runs on this machine (the parent of this connection's backend).</summary>
    public async Task<int?> LocalPostmasterPidAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return Machine.PostmasterOf((int)(await Scalar(connection, "SELECT pg_backend_pid()"))!);
    }

    /// <summary>A server setting (<c>current_setting</c>).</summary>
    public async Task<string?> SettingAsync(string name)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT current_setting($1)", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        return (string?)await command.ExecuteScalarAsync();
    }

    /// <summary>
    /// <see cref="CountSandboxPostsAsync"/> that rides out a server restart: a failed read is tried again (a fresh
    /// connection each time) for up to <paramref name="patience"/>.
    /// </summary>
    public async Task<int> CountSandboxPostsPatientlyAsync(string prefix, TimeSpan patience)
    {
        var deadline = DateTimeOffset.UtcNow + patience;
        while (true)
        {
            try
            {
                return await CountSandboxPostsAsync(prefix);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException && DateTimeOffset.UtcNow < deadline)
            {
                NpgsqlConnection.ClearAllPools();
                await Task.Delay(500);
            }
        }
    }

    /// <summary>Sandbox posts whose text starts with <paramref name="prefix"/>.</summary>
    public async Task<int> CountSandboxPostsAsync(string prefix)
    {
        var keys = await SandboxKeysAsync();
        if (keys is null)
        {
            return 0;
        }

        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM nexus.mt_doc_sandboxpost WHERE data->>'{keys.Text}' LIKE $1", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Like(prefix) });
        return (int)(long)(await command.ExecuteScalarAsync())!;
    }

    public async Task<List<SandboxRow>> SandboxPostsAsync(string prefix)
    {
        var keys = await SandboxKeysAsync() ?? throw new BenchException("nexus.mt_doc_sandboxpost has no rows to read property names from");
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT id, data FROM nexus.mt_doc_sandboxpost WHERE data->>'{keys.Text}' LIKE $1", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Like(prefix) });
        var rows = new List<SandboxRow>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            using var data = JsonDocument.Parse(reader.GetString(1));
            var root = data.RootElement;
            rows.Add(new SandboxRow(
                reader.GetValue(0).ToString()!,
                root.GetProperty(keys.Text).GetString()!,
                keys.IdempotencyKey is { } k && root.TryGetProperty(k, out var key) ? key.GetString() : null,
                Time(root, keys.ReceivedAt),
                Time(root, keys.CreatedAt)));
        }

        return rows;
    }

    /// <summary>The stored JSON's property names (casing depends on the serializer settings), read from a row.</summary>
    public async Task<SandboxKeys?> SandboxKeysAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT data FROM nexus.mt_doc_sandboxpost LIMIT 1", connection);
        string? json;
        try
        {
            json = (string?)await command.ExecuteScalarAsync();
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return null;
        }

        if (json is null)
        {
            return null;
        }

        using var document = JsonDocument.Parse(json);
        var names = document.RootElement.EnumerateObject().Select(p => p.Name).ToList();
        string? Find(string name) => names.FirstOrDefault(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
        return new SandboxKeys(Find("Text") ?? throw new BenchException($"SandboxPost has no Text property: {json}"),
            Find("IdempotencyKey"), Find("ReceivedAt"), Find("CreatedAt"));
    }

    private static DateTimeOffset? Time(JsonElement root, string? name) =>
        name is not null && root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetDateTimeOffset() : null;

    private static string Like(string prefix) => prefix.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";

    private static async Task<object?> Scalar(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}

/// <summary>pg_stat_database's counters of one database.</summary>
public sealed record DatabaseCounters(string Database, long XactCommit, long XactRollback, long TupInserted, long TupUpdated, long TupDeleted, long TupFetched)
{
    public static DatabaseCounters operator -(DatabaseCounters end, DatabaseCounters start) => new(end.Database,
        end.XactCommit - start.XactCommit, end.XactRollback - start.XactRollback, end.TupInserted - start.TupInserted,
        end.TupUpdated - start.TupUpdated, end.TupDeleted - start.TupDeleted, end.TupFetched - start.TupFetched);

    /// <summary>The counters by their pg_stat_database names.</summary>
    public IEnumerable<(string Name, long Value)> Named() =>
    [
        ("xact_commit", XactCommit), ("xact_rollback", XactRollback), ("tup_inserted", TupInserted),
        ("tup_updated", TupUpdated), ("tup_deleted", TupDeleted), ("tup_fetched", TupFetched),
    ];
}

public sealed record SandboxKeys(string Text, string? IdempotencyKey, string? ReceivedAt, string? CreatedAt);
