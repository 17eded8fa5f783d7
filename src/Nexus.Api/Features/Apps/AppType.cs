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

namespace Nexus.Api.Features.Apps;

/// <summary><c>App</c>: an OAuth app a workspace registered. Never its secret.</summary>
public sealed class AppType : ObjectGraphType<App>
{
    public const string TypeName = "App";

    public AppType()
    {
        Name = TypeName;
        Description = "An OAuth app registered by a workspace. Its client secret is shown once, when registered or rotated, and never here.";
        this.NodeId(a => a.Id);
        Field(a => a.Name).Description("Shown to people on the consent page.");
        Field(a => a.ClientId).Description("The OAuth `client_id`.");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>, IReadOnlyList<string>>("redirectUris")
            .Description("Where authorization codes may be sent, matched exactly.").Resolve(ctx => ctx.Source.RedirectUris);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>, IReadOnlyList<string>>("scopes")
            .Description("The scopes the app may ask for.").Resolve(ctx => ctx.Source.Scopes);
        Field(a => a.Confidential).Description("Whether the app holds a client secret (and may use client credentials).");
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("createdAt").Resolve(ctx => ctx.Source.CreatedAt);
    }
}

/// <summary>The payload shape of app mutations.</summary>
public static class AppPayloads
{
    /// <summary><c>app: App</c>, read back from its inline projection; null on failure.</summary>
    public static Payload<TResult> App<TResult>(Func<TResult, Guid> appId) => Payload<TResult>.Of<AppType>("app",
        "The app after the change; null when `errors` is not empty.", async (context, result) =>
            await context.RequestServices!.GetRequiredService<IQuerySession>().LoadAsync<App>(appId(result), context.CancellationToken) is { Deleted: false } app ? app : null);
}

/// <summary>An app is visible through <c>node(id)</c> to its workspace's admins only, and never to an app's token.</summary>
public sealed class AppNodeResolver : INodeResolver
{
    public static readonly BatchLoader<Guid, App> ById = BatchLoader.ById<App>(a => a.Id);

    public string TypeName => AppType.TypeName;

    public IDataLoaderResult Resolve(Guid id, IResolveFieldContext context) =>
        context.User.IsApp()
            ? ((App?)null).AsLoaded()
            : context.Load(ById, id).Then(app => app is null or { Deleted: true }
                ? ((App?)null).AsLoaded()
                : WorkspaceLoaders.Visible(context, app.WorkspaceId, workspace => workspace.RoleOf(context.UserId()) >= Role.Admin ? app : null));
}

/// <summary><c>Workspace.apps</c>.</summary>
public sealed class WorkspaceAppsField : ITypeExtension<WorkspaceType>
{
    public void Extend(WorkspaceType type) =>
        type.Field<NonNullGraphType<ConnectionType<AppType, EdgeType<AppType>>>, object>("apps")
            .Description("The OAuth apps registered here, oldest first. Admins only.")
            .Paged()
            .RequireWorkspaceRole(Role.Admin, ctx => ((Workspace)ctx.Source!).Id)
            .FirstPartyOnly()
            .ResolveAsync(async ctx => await WorkspaceApps.PageAsync(ctx.Source.Id, ctx.GetPageRequest(), ctx.RequestServices!.GetRequiredService<IQuerySession>(), ctx.CancellationToken));
}

public static class WorkspaceApps
{
    /// <summary>Oldest first, by id (version 7, so in registration order); the next page starts strictly after the cursor's id.</summary>
    public static async Task<global::GraphQL.Types.Relay.DataObjects.Connection<App>> PageAsync(Guid workspaceId, PageRequest page, IQuerySession session, CancellationToken ct)
    {
        var query = session.Query<App>().Where(a => a.WorkspaceId == workspaceId && !a.Deleted);
        var total = page.CountTotal ? await query.CountAsync(ct) : (int?)null;
        if (page.After("apps", 1) is [var idPart])
        {
            query = query.Where(a => a.MatchesSql("d.id > ?", PageRequest.GuidPart(idPart)));
        }

        var rows = await query.OrderBy(a => a.Id).Take(page.First + 1).ToListAsync(ct);
        return Paging.ToConnection(rows, page, a => Paging.Key("apps", a.Id.ToString("N")), total);
    }

    /// <summary>
    /// The workspace an app belongs to (a deleted one's too: its admins may delete it again), for access checks. An
    /// unknown app has none (the empty id), so the check answers as for another workspace's app: FORBIDDEN, never a hint
    /// that the id exists.
    /// </summary>
    public static async ValueTask<Guid> WorkspaceOfAsync(IResolveFieldContext context, string? appId) =>
        !GlobalId.TryParse(appId, AppType.TypeName, out var id)
            ? throw new Nexus.Api.GraphQL.Errors.BadRequestError("The app id is not valid.")
            : (await context.RequestServices!.GetRequiredService<IQuerySession>().LoadAsync<App>(id, context.CancellationToken))?.WorkspaceId ?? Guid.Empty;
}
