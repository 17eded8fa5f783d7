using Microsoft.AspNetCore.DataProtection;
using Npgsql;

namespace Nexus.Api.Infrastructure.Identity;

/// <summary>
/// The ASP.NET Core Data Protection key ring, in PostgreSQL (<c>identity."DataProtectionKeys"</c>) instead of one
/// machine's disk: what one node protects, every node unprotects — the OAuth <c>state</c> of a connection started on
/// one node and completed on another, the sign-in cookie, antiforgery tokens.
/// </summary>
/// <remarks>
/// <para>The application name, not the default (the content root), isolates the ring: nodes installed in different
/// directories are one application.</para>
/// <para>Keys are stored as Data Protection writes them, unencrypted: the database is the trust boundary, as it
/// already is for everything these keys protect (OAuth state and sign-in cookies are worth less than the identity
/// store, the token vault's sealed platform tokens and the events next to them). Encrypting them at rest would need
/// one more secret shared by every node (a certificate for <c>ProtectKeysWithCertificate</c>); losing or rotating it
/// wrongly would lock every node out of the ring, for no gain against someone who can read the database.</para>
/// </remarks>
public static class SharedKeys
{
    public const string ApplicationName = "Nexus";

    /// <summary>Any number; only this start-up step takes it.</summary>
    private const long CreationLock = 0x4e65_7875_734b_6579; // "NexusKey"

    public static IServiceCollection AddSharedKeys(this IServiceCollection services)
    {
        services.AddDataProtection()
            .SetApplicationName(ApplicationName)
            .PersistKeysToDbContext<IdentityStore>();
        return services;
    }

    /// <summary>
    /// Loads the key ring, creating its first key if there is none, while holding a PostgreSQL advisory lock: nodes
    /// starting together on an empty database would otherwise each create a key and each use its own until their
    /// next ring refresh (a day), refusing what the others protect. Runs after the identity store is migrated.
    /// </summary>
    public static async Task EnsureKeyRingAsync(IServiceProvider services, CancellationToken ct)
    {
        var dataSource = services.GetRequiredService<NpgsqlDataSource>();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var take = new NpgsqlCommand("select pg_advisory_xact_lock($1)", connection, transaction) { Parameters = { new() { Value = CreationLock } } })
        {
            await take.ExecuteNonQueryAsync(ct);
        }

        // Protecting resolves the current key: read from the table, or created and written there when there is none.
        services.GetRequiredService<IDataProtectionProvider>().CreateProtector("Nexus.KeyRing").Protect([]);
        await transaction.CommitAsync(ct);
    }
}
