using Npgsql;

namespace Nexus.Api.Infrastructure;

public static class Database
{
    /// <summary>
    /// The PostgreSQL connection string: <c>NEXUS_DB</c> when set, else <c>ConnectionStrings:Nexus</c>.
    /// </summary>
    public static string ConnectionString(IConfiguration configuration) =>
        configuration["NEXUS_DB"] is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : configuration.GetConnectionString("Nexus") is { Length: > 0 } fromSettings
                ? fromSettings
                : throw new InvalidOperationException(
                    "No PostgreSQL connection string: set NEXUS_DB (or ConnectionStrings:Nexus). `./build.sh run` does it for you.");

    /// <summary>
    /// The one pool of the process: Marten, Wolverine, OpenIddict's store and the health check all draw from it.
    /// </summary>
    /// <remarks>
    /// <c>No Reset On Close</c>: Npgsql otherwise sends <c>DISCARD ALL</c> on the next use of every returned
    /// connection, one more round trip and one more PostgreSQL transaction per checkout (8 of the 16 of a
    /// <c>schedulePost</c>). Nothing here leaves session state behind on a pooled connection: advisory locks
    /// are transaction-scoped or held on connections their owners keep open, and LISTEN has its own connection.
    /// </remarks>
    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.NoResetOnClose = true;
        return builder.Build();
    }
}
