using System.ComponentModel;
using JasperFx.Events.Projections;
using Marten;
using Nexus.Api.Infrastructure;

namespace Nexus.Api.Features.Apps;

[Description("A workspace admin registered an OAuth app: its name, redirect URIs, the scopes it may ask for and whether it holds a secret (never the secret).")]
public sealed record AppRegistered(Guid AppId, Guid WorkspaceId, string Name, string ClientId, IReadOnlyList<string> RedirectUris, IReadOnlyList<string> Scopes,
    bool Confidential, Guid ByUserId, DateTimeOffset At) : IDomainEvent;

[Description("The app's client secret was replaced; the old one stopped working (the secret is never in the event).")]
public sealed record AppSecretRotated(Guid AppId, Guid ByUserId, DateTimeOffset At) : IDomainEvent;

[Description("The app was deleted: its client, every grant people gave it and every token it held were removed at once.")]
public sealed record AppDeleted(Guid AppId, Guid ByUserId, DateTimeOffset At) : IDomainEvent;

/// <summary>
/// An OAuth app registered by a workspace: the write model of its stream and, projected inline, the read model behind
/// <c>App</c>. The OpenIddict application with the same client id is what the OAuth server checks; this record is what
/// says the app exists (see <see cref="AppClients"/>).
/// </summary>
public sealed record App(
    Guid Id,
    Guid WorkspaceId,
    string Name,
    string ClientId,
    IReadOnlyList<string> RedirectUris,
    IReadOnlyList<string> Scopes,
    bool Confidential,
    DateTimeOffset CreatedAt,
    DateTimeOffset? SecretRotatedAt,
    bool Deleted,
    int Version)
{
    public static App Create(AppRegistered e) =>
        new(e.AppId, e.WorkspaceId, e.Name, e.ClientId, e.RedirectUris, e.Scopes, e.Confidential, e.At, null, false, 1);

    public App Apply(AppSecretRotated e) => this with { SecretRotatedAt = e.At };

    public App Apply(AppDeleted e) => this with { Deleted = true };
}

/// <summary>The Apps area's documents and projections.</summary>
public sealed class AppsMarten : IConfigureMarten
{
    public void Configure(IServiceProvider services, StoreOptions options)
    {
        options.Projections.Snapshot<App>(SnapshotLifecycle.Inline);
        options.Schema.For<App>().Index(a => a.WorkspaceId).UniqueIndex(a => a.ClientId);
    }
}

/// <summary>The app does not exist (any more).</summary>
public sealed record AppNotFoundError()
    : Nexus.Api.GraphQL.Errors.MutationError("NOT_FOUND", "This app does not exist.", ["input", "appId"]);
