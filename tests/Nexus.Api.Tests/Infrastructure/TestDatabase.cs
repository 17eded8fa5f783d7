using Npgsql;
using Testcontainers.PostgreSql;

namespace Nexus.Api.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL server of the test run: <c>NEXUS_TEST_DB</c> when set (build.sh sets it), else a Testcontainers
/// container. Each host fixture gets a database of its own on it.
/// </summary>
public static class TestDatabase
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _server;
    private static PostgreSqlContainer? _container;

    public static async Task<string> CreateDatabaseAsync(string purpose)
    {
        var server = await ServerAsync();
        var name = $"nexus_test_{purpose}_{Guid.NewGuid():N}".ToLowerInvariant();
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(server) { Database = name, Pooling = true }.ConnectionString;
    }

    public static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(await ServerAsync());
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    private static async Task<string> ServerAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_server is not null)
            {
                return _server;
            }

            if (Environment.GetEnvironmentVariable("NEXUS_TEST_DB") is { Length: > 0 } configured)
            {
                return _server = configured;
            }

            _container = new PostgreSqlBuilder("postgres:16-alpine").Build();
            await _container.StartAsync();
            return _server = _container.GetConnectionString();
        }
        finally
        {
            Gate.Release();
        }
    }
}
