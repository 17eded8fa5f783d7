using Marten;
using Microsoft.AspNetCore.DataProtection;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.Infrastructure;
using Nexus.Api.Infrastructure.TokenVault;
using Nexus.Api.Platforms;
using Wolverine;

namespace Nexus.Api.Features.Connections;

/// <summary>
/// The OAuth <c>state</c> of a connection attempt: the attempt's id, signed and time-limited by ASP.NET Core Data
/// Protection, so it cannot be forged, reused after 10 minutes, or pointed at someone else's attempt.
/// </summary>
public sealed class ConnectionState(IDataProtectionProvider protection, TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);
    private readonly ITimeLimitedDataProtector _protector = protection.CreateProtector("Nexus.Connections.State").ToTimeLimitedDataProtector();

    public string Protect(Guid attemptId) => _protector.Protect(attemptId.ToString("N"), clock.GetUtcNow() + Lifetime);

    public bool TryUnprotect(string? state, out Guid attemptId)
    {
        attemptId = Guid.Empty;
        try
        {
            return state is { Length: > 0 and < 1024 } && Guid.TryParseExact(_protector.Unprotect(state, out _), "N", out attemptId);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }
}

/// <summary>Where the platform sends the browser back: <c>{PublicUrl}/oauth/callback/{platform}</c>.</summary>
public static class RedirectUris
{
    public static Uri For(PlatformId platform, NexusUrls urls) => new($"{urls.PublicUrl.TrimEnd('/')}/oauth/callback/{platform.ToString().ToLowerInvariant()}");
}

/// <summary>
/// Whether a user holds ADMIN (or OWNER) in a workspace, read from the workspace's event stream with the stream locked
/// until this session commits. Connecting checks it in its own write: a removal or demotion committed before is seen,
/// one that comes later waits for the connection to be written; the read model could be stale by then.
/// </summary>
public static class WorkspaceAdmins
{
    public static async Task<bool> StillAdminAsync(IDocumentSession session, Guid workspaceId, Guid userId, CancellationToken ct)
    {
        var workspace = await session.Events.FetchForExclusiveWriting<Workspace>(workspaceId, ct);
        return workspace.Aggregate?.RoleOf(userId) >= Role.Admin;
    }
}

/// <summary>
/// Connects chosen accounts of a grant to a workspace: a new connection for an account seen for the first time,
/// a reconnection (fresh tokens, active again) for one already known. Tokens go sealed into ConnectionSecrets;
/// each connection's refresh is scheduled ahead of expiry.
/// </summary>
public static class AccountConnector
{
    /// <summary>
    /// The connected-accounts limit, checked under the workspace's plan lock held until this session commits: the
    /// accounts that would become active (new, or disconnected before) must fit next to the ones not disconnected.
    /// </summary>
    public static async Task<Billing.PlanLimitError?> RefusesAsync(IDocumentSession session, Billing.BillingOptions billing, Guid workspaceId, PlatformId platform,
        IEnumerable<PlatformAccount> accounts, DateTimeOffset now, IReadOnlyList<string>? path, CancellationToken ct)
    {
        await Billing.PlanGate.LockAsync(session, workspaceId, ct);
        if (await session.LoadAsync<Workspace>(workspaceId, ct) is not { } workspace || Billing.PlanGate.MaxOf(billing, workspace, now, Billing.PlanLimit.ConnectedAccounts) is null)
        {
            return null;
        }

        var externalIds = accounts.Select(a => a.ExternalId).Distinct().ToArray();
        var counted = await session.Query<Connection>()
            .CountAsync(c => c.WorkspaceId == workspaceId && c.Platform == platform && externalIds.Contains(c.ExternalId) && c.Status != ConnectionStatus.Disconnected, ct);
        return await Billing.PlanGate.RefusesAsync(billing, workspace, now, Billing.PlanLimit.ConnectedAccounts, externalIds.Length - counted,
            async () => await Billing.PlanUsage.ConnectedAccountsAsync(session, workspaceId, ct), path);
    }

    public static async Task<IReadOnlyList<Guid>> ConnectAsync(
        IDocumentSession session, TokenVault vault, Guid workspaceId, Guid userId, PlatformId platform,
        OAuthTokens grant, IEnumerable<PlatformAccount> accounts, OutgoingMessages messages, DateTimeOffset now, CancellationToken ct)
    {
        var connected = new List<Guid>();
        foreach (var account in accounts)
        {
            var existing = await session.Query<Connection>()
                .FirstOrDefaultAsync(c => c.WorkspaceId == workspaceId && c.Platform == platform && c.ExternalId == account.ExternalId, ct);
            var id = existing?.Id ?? Guid.CreateVersion7(now);
            if (existing is null)
            {
                session.Events.StartStream<Connection>(id, new AccountConnected(id, workspaceId, platform, account.ExternalId, account.Name, account.Handle,
                    account.AvatarUrl, account.Kind, grant.Scopes, grant.ExpiresAt, userId, now));
            }
            else
            {
                session.Events.Append(id, new AccountReconnected(id, account.Name, account.Handle, account.AvatarUrl, grant.Scopes, grant.ExpiresAt, userId, now));
            }

            session.Store(ConnectionSecrets.Seal(vault, id, new ConnectionTokens(grant, account.AccessToken), now));
            if (TokenRefresh.DueAt(grant, now) is { } due)
            {
                messages.Add(new RefreshConnectionTokens(id, (existing?.TokenGeneration ?? 0) + 1).ScheduledAt(due));
            }

            connected.Add(id);
        }

        return connected;
    }
}
