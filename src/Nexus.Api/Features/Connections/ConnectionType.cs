using GraphQL;
using GraphQL.DataLoader;
using GraphQL.Types;
using GraphQL.Types.Relay;
using Marten;
using Marten.Linq.MatchesSql;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Loading;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.GraphQL.Scalars;
using Nexus.Api.Infrastructure.Identity;
using Nexus.Api.Platforms;

namespace Nexus.Api.Features.Connections;

/// <summary><c>Connection</c>: a social account connected to a workspace. Never exposes tokens.</summary>
public sealed class ConnectionType : ObjectGraphType<Connection>
{
    public const string TypeName = "Connection";

    public ConnectionType(TypeExtensionRegistry extensions)
    {
        Name = TypeName;
        Description = "A social account connected to a workspace.";
        this.NodeId(c => c.Id);
        Field<NonNullGraphType<PlatformIdType>, PlatformId>("platform").Resolve(ctx => ctx.Source.Platform);
        Field(c => c.ExternalId).Description("The platform's id for the account.");
        Field(c => c.Name);
        Field(c => c.Handle, nullable: true);
        Field(c => c.AvatarUrl, nullable: true);
        Field<NonNullGraphType<AccountKindType>, AccountKind>("kind").Resolve(ctx => ctx.Source.Kind);
        Field<NonNullGraphType<ConnectionStatusType>, ConnectionStatus>("status").Resolve(ctx => ctx.Source.Status);
        Field(c => c.StatusReason, nullable: true).Description("Why the connection needs attention, in the platform's words.");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>, IReadOnlyList<string>>("scopes").Resolve(ctx => ctx.Source.Scopes);
        Field<DateTimeScalar, DateTimeOffset?>("tokenExpiresAt").Description("When the current access token expires; Nexus refreshes it before.").Resolve(ctx => ctx.Source.TokenExpiresAt);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("connectedAt").Resolve(ctx => ctx.Source.ConnectedAt);
        Field<Nexus.Api.Platforms.TikTok.TikTokCreatorInfoType, Nexus.Api.Platforms.TikTok.TikTokCreatorInfo?>("tiktokCreatorInfo")
            .Description("For an active TikTok connection: the creator's posting settings, read live from TikTok; null for other platforms.")
            .ResolveAsync(async ctx => await TikTokCreatorInfoAsync(ctx.Source, ctx));
        extensions.Extend(this);
    }

    private static async Task<Nexus.Api.Platforms.TikTok.TikTokCreatorInfo?> TikTokCreatorInfoAsync(Connection connection, IResolveFieldContext context)
    {
        var services = context.RequestServices!;
        if (connection is not { Platform: PlatformId.TikTok, Status: ConnectionStatus.Active } ||
            await services.GetRequiredService<IQuerySession>().LoadAsync<ConnectionSecrets>(connection.Id, context.CancellationToken) is not { } secrets)
        {
            return null;
        }

        try
        {
            var token = secrets.Open(services.GetRequiredService<Nexus.Api.Infrastructure.TokenVault.TokenVault>()).AccessTokenFor;
            return await services.GetRequiredService<Nexus.Api.Platforms.TikTok.TikTokPublisher>().GetCreatorInfoAsync(token, context.CancellationToken);
        }
        catch (PlatformException ex)
        {
            throw new Nexus.Api.GraphQL.Errors.PlatformError($"TikTok did not give the creator's settings: {ex.Message}");
        }
    }
}

public sealed class ConnectionStatusType : EnumerationGraphType<ConnectionStatus>
{
    public ConnectionStatusType() => Name = "ConnectionStatus";
}

public sealed class AccountKindType : EnumerationGraphType<AccountKind>
{
    public AccountKindType() => Name = "AccountKind";
}

/// <summary>A connection is visible through <c>node(id)</c> to members of its workspace only.</summary>
public sealed class ConnectionNodeResolver : INodeResolver
{
    public string TypeName => ConnectionType.TypeName;

    public string? Scope => AppScope.ConnectionsRead;

    public IDataLoaderResult Resolve(Guid id, IResolveFieldContext context) =>
        context.Load(ConnectionLoaders.ById, id).Then(connection => connection is null
            ? ((Connection?)null).AsLoaded()
            : WorkspaceLoaders.Visible(context, connection.WorkspaceId, _ => connection));
}

/// <summary>Connections by id, for a post's targets and their preflight checks.</summary>
public static class ConnectionLoaders
{
    public static readonly BatchLoader<Guid, Connection> ById = BatchLoader.ById<Connection>(c => c.Id);
}

/// <summary><c>Workspace.connections</c>.</summary>
public sealed class WorkspaceConnectionsField : ITypeExtension<WorkspaceType>
{
    public void Extend(WorkspaceType type) =>
        type.Field<NonNullGraphType<ConnectionType<ConnectionType, EdgeType<ConnectionType>>>, object>("connections")
            .Description("The social accounts connected here, oldest first (by id, which grows with the time they were first connected).")
            .Paged()
            .Argument<ConnectionStatusType>("status", "Only connections in this state.")
            .RequireWorkspaceRole(Role.Viewer, ctx => ((Workspace)ctx.Source!).Id)
            .Scope(AppScope.ConnectionsRead)
            .ResolveAsync(async ctx => await WorkspaceConnections.PageAsync(ctx.Source.Id, ctx.GetArgument<ConnectionStatus?>("status"),
                ctx.GetPageRequest(), ctx.RequestServices!.GetRequiredService<IQuerySession>(), ctx.CancellationToken));
}

public static class WorkspaceConnections
{
    /// <summary>
    /// Oldest first, by id: ids are version 7 (time-ordered) and never change, where the name and connection time
    /// change on reconnecting. The next page starts strictly after the cursor's id, so accounts connected or
    /// disconnected in between shift nothing.
    /// </summary>
    public static async Task<global::GraphQL.Types.Relay.DataObjects.Connection<Connection>> PageAsync(Guid workspaceId, ConnectionStatus? status, PageRequest page, IQuerySession session, CancellationToken ct)
    {
        var query = session.Query<Connection>().Where(c => c.WorkspaceId == workspaceId);
        if (status is { } wanted)
        {
            query = query.Where(c => c.Status == wanted);
        }

        var total = page.CountTotal ? await query.CountAsync(ct) : (int?)null;
        if (page.After("connections", 1) is [var idPart])
        {
            var id = PageRequest.GuidPart(idPart);
            query = query.Where(c => c.MatchesSql("d.id > ?", id));
        }

        var rows = await query.OrderBy(c => c.Id).Take(page.First + 1).ToListAsync(ct);
        return Paging.ToConnection(rows, page, c => Paging.Key("connections", c.Id.ToString("N")), total);
    }

    /// <summary>
    /// The workspace a connection belongs to, for access checks. An unknown connection has none (the empty id), so the
    /// check answers exactly as for another workspace's connection: FORBIDDEN, never a hint that the id exists.
    /// </summary>
    public static async ValueTask<Guid> WorkspaceOfAsync(IResolveFieldContext context, string? connectionId) =>
        !GlobalId.TryParse(connectionId, ConnectionType.TypeName, out var id)
            ? throw new Nexus.Api.GraphQL.Errors.BadRequestError("The connection id is not valid.")
            : (await context.RequestServices!.GetRequiredService<IQuerySession>().LoadAsync<Connection>(id, context.CancellationToken))?.WorkspaceId ?? Guid.Empty;
}

/// <summary><c>AccountChoice</c>: the accounts one consent covered, waiting for the user to pick.</summary>
public sealed class AccountChoiceType : ObjectGraphType<AccountChoice>
{
    public const string TypeName = "AccountChoice";

    public AccountChoiceType()
    {
        Name = TypeName;
        Description = "The accounts one consent covered (pages, business accounts, organizations): pick which to connect.";
        this.NodeId(c => c.Id);
        Field<NonNullGraphType<PlatformIdType>, PlatformId>("platform").Resolve(ctx => ctx.Source.Platform);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<ChoosableAccountType>>>, IReadOnlyList<ChoosableAccount>>("accounts").Resolve(ctx => ctx.Source.Accounts);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("expiresAt").Resolve(ctx => ctx.Source.ExpiresAt);
    }
}

public sealed class ChoosableAccountType : ObjectGraphType<ChoosableAccount>
{
    public ChoosableAccountType()
    {
        Name = "ChoosableAccount";
        Field(a => a.ExternalId);
        Field(a => a.Name);
        Field(a => a.Handle, nullable: true);
        Field(a => a.AvatarUrl, nullable: true);
        Field<NonNullGraphType<AccountKindType>, AccountKind>("kind").Resolve(ctx => ctx.Source.Kind);
    }
}

/// <summary>A pending choice is visible (by <c>accountChoice(id)</c> or <c>node(id)</c>) only to the admin who gave the consent.</summary>
public sealed class AccountChoiceNodeResolver : INodeResolver
{
    public string TypeName => AccountChoiceType.TypeName;

    private static readonly BatchLoader<Guid, AccountChoice> Choices = BatchLoader.ById<AccountChoice>(c => c.Id);

    public IDataLoaderResult Resolve(Guid id, IResolveFieldContext context) => Load(id, context);

    public static IDataLoaderResult<AccountChoice?> Load(Guid id, IResolveFieldContext context)
    {
        var caller = context.UserId();
        var clock = context.RequestServices!.GetRequiredService<TimeProvider>();
        return context.Load(Choices, id).Then(choice => choice is not null && choice.UserId == caller && choice.ExpiresAt > clock.GetUtcNow() ? choice : null);
    }
}

/// <summary><c>accountChoice(id)</c>: the accounts a consent covered, for the admin who gave it.</summary>
[global::Nexus.Api.GraphQL.QueryType]
public sealed class AccountChoiceQuery : global::Nexus.Api.GraphQL.IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.Field<AccountChoiceType, IDataLoaderResult<AccountChoice?>>("accountChoice")
            .Description("The accounts a consent covered, waiting to be picked (the `choice` of the connection callback). Only for the admin who consented; null once expired.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .FirstPartyOnly()
            .Resolve(ctx => GlobalId.TryParse(ctx.GetArgument<string>("id"), AccountChoiceType.TypeName, out var id)
                ? AccountChoiceNodeResolver.Load(id, ctx)
                : throw new Nexus.Api.GraphQL.Errors.BadRequestError("The choice id is not valid."));
}
