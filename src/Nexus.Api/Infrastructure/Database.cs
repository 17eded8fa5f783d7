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
}
