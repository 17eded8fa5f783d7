using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Npgsql;

namespace Nexus.Api.Infrastructure.Identity;

/// <summary>
/// OpenIddict's applications, authorizations, scopes and tokens, and the ASP.NET Core Data Protection key ring
/// (<see cref="DataProtectionKeys"/>, shared by every node: see <see cref="SharedKeys"/>), in schema <c>identity</c>.
/// </summary>
public sealed class IdentityStore(DbContextOptions<IdentityStore> options) : DbContext(options), IDataProtectionKeyContext
{
    public const string Schema = "identity";

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        base.OnModelCreating(modelBuilder);
    }

    public static void Configure(DbContextOptionsBuilder options, NpgsqlDataSource dataSource) =>
        options
            .UseNpgsql(dataSource, npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history", Schema))
            .UseOpenIddict();
}

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without a database or a host.</summary>
public sealed class IdentityStoreDesignTimeFactory : IDesignTimeDbContextFactory<IdentityStore>
{
    public IdentityStore CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<IdentityStore>();
        IdentityStore.Configure(options, NpgsqlDataSource.Create("Host=localhost;Database=design_time"));
        return new IdentityStore(options.Options);
    }
}
