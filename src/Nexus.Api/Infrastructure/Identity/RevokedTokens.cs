using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;
using OpenIddict.Validation;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Validation.OpenIddictValidationEvents;

namespace Nexus.Api.Infrastructure.Identity;

/// <summary>
/// The access tokens and authorizations (token families) revoked within an access token's lifetime, held in
/// memory so that a request validates its token without reading the store, while revocation still takes effect
/// at once, on every API node.
/// </summary>
/// <remarks>
/// A trigger on the store (migration <c>RevocationFeed</c>) records each access token or authorization that stops
/// being valid, or is deleted, in <c>identity.revocations</c> and announces its id with <c>NOTIFY nexus_revocations</c>
/// in the same transaction. Each node loads the table whenever its listening connection (<see cref="DatabaseListener"/>,
/// shared with realtime) opens, and follows the channel on it; the node that
/// revoked also adds the ids itself as its store commits (<see cref="Interceptor"/>), so its own next request is
/// refused without waiting for the notification. While the listening connection is down, notifications may be
/// missed: each token is then checked against the table (one query) until the listener is back and has reloaded it,
/// which is also how tokens are checked in the moment between start-up and the first load.
/// </remarks>
public sealed class RevokedTokens(IOptions<AuthOptions> options, NpgsqlDataSource dataSource) : IDatabaseChannel
{
    public const string Channel = "nexus_revocations";

    private static readonly TimeSpan TrimEvery = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<string, DateTimeOffset> _revoked = new(StringComparer.Ordinal);
    private volatile bool _current;
    private DateTimeOffset _trimmed = DateTimeOffset.UtcNow;

    /// <summary>How long an entry matters: a token issued before the revocation has expired by then (plus skew).</summary>
    private TimeSpan Retention => options.Value.AccessTokenLifetime + TimeSpan.FromMinutes(5);

    /// <summary>Whether either id was revoked. Reads the table only while the listener is not connected.</summary>
    public async ValueTask<bool> IsRevokedAsync(string? tokenId, string? authorizationId, CancellationToken ct)
    {
        if (_current)
        {
            return (tokenId is not null && _revoked.ContainsKey(tokenId)) ||
                   (authorizationId is not null && _revoked.ContainsKey(authorizationId));
        }

        await using var command = dataSource.CreateCommand("select exists (select 1 from identity.revocations where id = $1 or id = $2)");
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)tokenId ?? DBNull.Value, DataTypeName = "text" });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)authorizationId ?? DBNull.Value, DataTypeName = "text" });
        return await command.ExecuteScalarAsync(ct) is true;
    }

    /// <summary>Ids this node's own store has just revoked (seen committed by <see cref="Interceptor"/>).</summary>
    internal void Add(IEnumerable<string> ids)
    {
        foreach (var id in ids)
        {
            _revoked[id] = DateTimeOffset.UtcNow;
        }
    }

    string IDatabaseChannel.Name => Channel;

    async Task IDatabaseChannel.ListeningAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await LoadAsync(connection, ct);
        _current = true;
    }

    void IDatabaseChannel.Notified(string payload)
    {
        _revoked[payload] = DateTimeOffset.UtcNow;
        if (DateTimeOffset.UtcNow - _trimmed >= TrimEvery)
        {
            _trimmed = DateTimeOffset.UtcNow;
            Trim();
        }
    }

    void IDatabaseChannel.Deaf() => _current = false;

    private async Task LoadAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("delete from identity.revocations where recorded_at < now() - $1") { Parameters = { new() { Value = Retention } } },
                new NpgsqlBatchCommand("select id, recorded_at from identity.revocations"),
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            _revoked[reader.GetString(0)] = reader.GetFieldValue<DateTimeOffset>(1);
        }
    }

    private void Trim()
    {
        var before = DateTimeOffset.UtcNow - Retention;
        foreach (var (id, at) in _revoked)
        {
            if (at < before)
            {
                _revoked.TryRemove(id, out _);
            }
        }
    }

    /// <summary>Refuses an access token whose entry or authorization was revoked (after signature, expiry and audience).</summary>
    public sealed class Check(RevokedTokens revoked) : IOpenIddictValidationHandler<ValidateTokenContext>
    {
        public static OpenIddictValidationHandlerDescriptor Descriptor { get; } =
            OpenIddictValidationHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
                .UseSingletonHandler<Check>()
                .SetOrder(int.MaxValue - 99_000)
                .SetType(OpenIddictValidationHandlerType.Custom)
                .Build();

        public async ValueTask HandleAsync(ValidateTokenContext context)
        {
            if (context.IsRejected || context.Principal is not { } principal)
            {
                return;
            }

            var tokenId = principal.GetTokenId();
            if (tokenId is null || await revoked.IsRevokedAsync(tokenId, principal.GetAuthorizationId(), context.CancellationToken))
            {
                context.Reject(Errors.InvalidToken, "The specified token is no longer valid.");
            }
        }
    }

    /// <summary>
    /// Adds what this node's store revokes through tracked entities (sign-out, password change, account deletion)
    /// as soon as the change is saved. Bulk revocations (reuse detection) arrive through the notification.
    /// </summary>
    public sealed class Interceptor(RevokedTokens revoked) : SaveChangesInterceptor
    {
        public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            // Remembered before saving (the entries are unchanged afterwards), applied once the save succeeded.
            if (eventData.Context is { } context)
            {
                Pending(context).AddRange(Revocations(context));
            }

            return ValueTask.FromResult(result);
        }

        public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
        {
            if (eventData.Context is { } context && Pending(context) is { Count: > 0 } ids)
            {
                revoked.Add(ids);
                ids.Clear();
            }

            return ValueTask.FromResult(result);
        }

        public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
        {
            if (eventData.Context is { } context)
            {
                Pending(context).Clear();
            }

            return Task.CompletedTask;
        }

        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<DbContext, List<string>> PendingIds = [];

        private static List<string> Pending(DbContext context) => PendingIds.GetOrCreateValue(context);

        private static IEnumerable<string> Revocations(DbContext context)
        {
            foreach (var entry in context.ChangeTracker.Entries())
            {
                var (id, status, isAccessToken) = entry.Entity switch
                {
                    OpenIddictEntityFrameworkCoreToken token => (token.Id, token.Status, token.Type == TokenTypeIdentifiers.AccessToken),
                    OpenIddictEntityFrameworkCoreAuthorization authorization => (authorization.Id, authorization.Status, true),
                    _ => (null, null, false),
                };
                if (id is not null && isAccessToken &&
                    (entry.State == EntityState.Deleted || (entry.State == EntityState.Modified && status != Statuses.Valid)))
                {
                    yield return id;
                }
            }
        }
    }
}
