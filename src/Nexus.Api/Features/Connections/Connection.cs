using System.ComponentModel;
using JasperFx.Events.Projections;
using Marten;
using Nexus.Api.Infrastructure;
using Nexus.Api.Infrastructure.TokenVault;
using Nexus.Api.Platforms;

namespace Nexus.Api.Features.Connections;

public enum ConnectionStatus
{
    Active,
    NeedsReauth,
    Disconnected,
}

[Description("A social account was connected to a workspace. Tokens are never in events: they are sealed in a ConnectionSecrets document.")]
public sealed record AccountConnected(
    Guid ConnectionId, Guid WorkspaceId, PlatformId Platform, string ExternalId, string Name, string? Handle, string? AvatarUrl,
    AccountKind Kind, IReadOnlyList<string> Scopes, DateTimeOffset? TokenExpiresAt, Guid ByUserId, DateTimeOffset At) : IDomainEvent;

[Description("An already known account was connected again (fresh consent): its tokens were replaced and it is active again.")]
public sealed record AccountReconnected(
    Guid ConnectionId, string Name, string? Handle, string? AvatarUrl, IReadOnlyList<string> Scopes, DateTimeOffset? TokenExpiresAt, Guid ByUserId, DateTimeOffset At) : IDomainEvent;

[Description("The connection's tokens were refreshed ahead of expiry.")]
public sealed record ConnectionTokensRefreshed(Guid ConnectionId, DateTimeOffset? TokenExpiresAt, DateTimeOffset At) : IDomainEvent;

[Description("The platform refused the connection's tokens; a person must reconnect. Reason is the platform's explanation; TokenGeneration, when set, the tokens it refused (a refusal of tokens already replaced changes nothing).")]
public sealed record ConnectionNeedsReauth(Guid ConnectionId, string Reason, DateTimeOffset At, int? TokenGeneration = null) : IDomainEvent;

[Description("The account was disconnected: tokens revoked at the platform where possible and deleted.")]
public sealed record AccountDisconnected(Guid ConnectionId, Guid ByUserId, DateTimeOffset At) : IDomainEvent;

/// <summary>A connected social account: write model of its stream and, inline, the read model behind <c>Connection</c>.</summary>
public sealed record Connection(
    Guid Id, Guid WorkspaceId, PlatformId Platform, string ExternalId, string Name, string? Handle, string? AvatarUrl, AccountKind Kind,
    IReadOnlyList<string> Scopes, ConnectionStatus Status, string? StatusReason, DateTimeOffset? TokenExpiresAt, DateTimeOffset ConnectedAt,
    int TokenGeneration, int Version)
{
    public static Connection Create(AccountConnected e) =>
        new(e.ConnectionId, e.WorkspaceId, e.Platform, e.ExternalId, e.Name, e.Handle, e.AvatarUrl, e.Kind, e.Scopes, ConnectionStatus.Active, null, e.TokenExpiresAt, e.At, 1, 1);

    public Connection Apply(AccountReconnected e) =>
        this with
        {
            Name = e.Name,
            Handle = e.Handle,
            AvatarUrl = e.AvatarUrl,
            Scopes = e.Scopes,
            Status = ConnectionStatus.Active,
            StatusReason = null,
            TokenExpiresAt = e.TokenExpiresAt,
            ConnectedAt = e.At,
            TokenGeneration = TokenGeneration + 1,
        };

    public Connection Apply(ConnectionTokensRefreshed e) => this with { TokenExpiresAt = e.TokenExpiresAt, TokenGeneration = TokenGeneration + 1 };

    public Connection Apply(ConnectionNeedsReauth e) =>
        Status == ConnectionStatus.Disconnected || e.TokenGeneration is { } refused && refused != TokenGeneration
            ? this
            : this with { Status = ConnectionStatus.NeedsReauth, StatusReason = e.Reason };

    public Connection Apply(AccountDisconnected e) => this with { Status = ConnectionStatus.Disconnected, StatusReason = null, TokenExpiresAt = null };
}

/// <summary>What the vault seals for a connection: the grant's tokens and, for Pages, the account's own token.</summary>
public sealed record ConnectionTokens(OAuthTokens Grant, string? AccountAccessToken)
{
    public string AccessTokenFor => AccountAccessToken ?? Grant.AccessToken;

    public override string ToString() => "ConnectionTokens { *** }";
}

/// <summary>A connection's sealed tokens (id = connection id); the only place they are stored.</summary>
public sealed record ConnectionSecrets(Guid Id, SealedSecret Tokens, DateTimeOffset UpdatedAt)
{
    public static ConnectionSecrets Seal(TokenVault vault, Guid connectionId, ConnectionTokens tokens, DateTimeOffset now) =>
        new(connectionId, vault.Seal(connectionId, tokens), now);

    public ConnectionTokens Open(TokenVault vault) => vault.Open<ConnectionTokens>(Id, Tokens);
}

public sealed class ConnectionsMarten : IConfigureMarten
{
    public void Configure(IServiceProvider services, StoreOptions options)
    {
        options.Projections.Snapshot<Connection>(SnapshotLifecycle.Inline);
        // One connection per account per workspace: connecting it again reconnects it.
        options.Schema.For<Connection>().UniqueIndex(c => c.WorkspaceId, c => c.Platform, c => c.ExternalId).Index(c => c.WorkspaceId);
        options.Schema.For<ConnectionSecrets>();
        // Beginning an attempt stores its browser binding once: two racing visits of one begin link cannot both win.
        options.Schema.For<ConnectionAttempt>().UseOptimisticConcurrency(true);
        options.Schema.For<AccountChoice>();
    }
}

/// <summary>
/// A consent in progress (id = the attempt id carried, signed, in <c>state</c>): who started it, for which workspace
/// and platform, and the PKCE verifier sealed by the vault. Single use; expires with the state after 10 minutes.
/// </summary>
/// <remarks>
/// The platform's consent URL is not handed out: <c>startConnection</c> answers a begin link carrying a one-time key
/// (only its hash, <see cref="BeginKeyHash"/>, is kept). Following it binds the attempt to that browser: a random
/// secret goes into a cookie and its hash into <see cref="BindingHash"/>, and the callback accepts only the browser
/// that shows it. Someone else who opens the consent URL (or the used begin link) cannot finish the attempt.
/// </remarks>
public sealed record ConnectionAttempt(
    Guid Id, Guid WorkspaceId, Guid UserId, PlatformId Platform, SealedSecret? CodeVerifier, DateTimeOffset ExpiresAt,
    string? ConsentUrl = null, string? BeginKeyHash = null, string? BindingHash = null);

/// <summary>
/// A grant that covers several accounts, waiting for the user to pick which to connect (id = choice id). The tokens
/// stay sealed; only the accounts' public descriptions are readable.
/// </summary>
public sealed record AccountChoice(Guid Id, Guid WorkspaceId, Guid UserId, PlatformId Platform, IReadOnlyList<ChoosableAccount> Accounts, SealedSecret Grant, DateTimeOffset ExpiresAt);

public sealed record ChoosableAccount(string ExternalId, string Name, string? Handle, string? AvatarUrl, AccountKind Kind);

/// <summary>What the vault seals for a pending choice: the grant and every account (page tokens included).</summary>
public sealed record ChoiceSecrets(OAuthTokens Grant, IReadOnlyList<PlatformAccount> Accounts)
{
    public override string ToString() => "ChoiceSecrets { *** }";
}
