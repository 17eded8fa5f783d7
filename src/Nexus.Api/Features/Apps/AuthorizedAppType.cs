using System.Globalization;
using GraphQL.Types;
using GraphQL.Types.Relay;
using Marten;
using Nexus.Api.Features.Accounts;
using Nexus.Api.Features.Apps.Consenting;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.GraphQL.Scalars;
using OpenIddict.Abstractions;

namespace Nexus.Api.Features.Apps;

/// <summary>A grant a person gave an app: which app, for which workspace, which scopes, since when.</summary>
public sealed record AuthorizedApp(string GrantId, Guid AppId, string AppName, Guid WorkspaceId, IReadOnlyList<string> Scopes, DateTimeOffset GrantedAt);

public sealed class AuthorizedAppType : ObjectGraphType<AuthorizedApp>
{
    public AuthorizedAppType()
    {
        Name = "AuthorizedApp";
        Description = "An app the person allowed to act for them in one workspace (revoke with `revokeAppAuthorization`).";
        Field<NonNullGraphType<IdGraphType>, string>("appId").Description("The app's global id.").Resolve(ctx => GlobalId.Encode(AppType.TypeName, ctx.Source.AppId));
        Field(a => a.AppName).Description("The app's name.");
        Field<NonNullGraphType<IdGraphType>, string>("workspaceId").Description("The workspace the app reaches.")
            .Resolve(ctx => GlobalId.Encode(WorkspaceType.TypeName, ctx.Source.WorkspaceId));
        Field<WorkspaceType, Workspace>("workspace").Description("The workspace the app reaches; null once the person is no longer a member.")
            .ResolveAsync(async ctx => await ctx.RequestServices!.GetRequiredService<IQuerySession>().LoadAsync<Workspace>(ctx.Source.WorkspaceId, ctx.CancellationToken)
                is { } workspace && workspace.RoleOf(ctx.UserId()) is not null ? workspace : null);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>, IReadOnlyList<string>>("scopes")
            .Description("The scopes granted.").Resolve(ctx => ctx.Source.Scopes);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("grantedAt").Resolve(ctx => ctx.Source.GrantedAt);
    }
}

/// <summary><c>User.authorizedApps</c>.</summary>
public sealed class UserAuthorizedAppsField : ITypeExtension<UserType>
{
    public void Extend(UserType type) =>
        type.Field<NonNullGraphType<ConnectionType<AuthorizedAppType, EdgeType<AuthorizedAppType>>>, object>("authorizedApps")
            .Description("The apps this person allowed to act for them, oldest grant first. Only for the person themselves.")
            .Paged()
            .FirstPartyOnly()
            .ResolveAsync(async ctx => ctx.UserId() == ctx.Source.Id
                ? await AuthorizedApps.PageAsync(ctx.Source.Id, ctx.GetPageRequest(), ctx.RequestServices!, ctx.CancellationToken)
                : throw new ForbiddenError("Only the person can see the apps they allowed."));
}

public static class AuthorizedApps
{
    /// <summary>The person's remembered grants of apps that still exist.</summary>
    public static async Task<IReadOnlyList<AuthorizedApp>> ForAsync(Guid userId, IServiceProvider services, CancellationToken ct)
    {
        var authorizations = services.GetRequiredService<IOpenIddictAuthorizationManager>();
        var applications = services.GetRequiredService<IOpenIddictApplicationManager>();
        var grants = await AppConsent.GrantsAsync(authorizations, userId, applicationId: null, ct);
        var owners = new Dictionary<string, Guid>(StringComparer.Ordinal);
        foreach (var grant in grants)
        {
            if (await authorizations.GetApplicationIdAsync(grant.Authorization, ct) is { } applicationId && !owners.ContainsKey(applicationId) &&
                await applications.FindByIdAsync(applicationId, ct) is { } application && await AppClients.AppOfAsync(applications, application, ct) is { } owner)
            {
                owners[applicationId] = owner.AppId;
            }
        }

        var apps = await services.GetRequiredService<IQuerySession>().LoadManyAsync<App>(ct, owners.Values.Distinct());
        var byId = apps.Where(a => !a.Deleted).ToDictionary(a => a.Id);
        var listed = new List<AuthorizedApp>();
        foreach (var grant in grants)
        {
            if (await authorizations.GetApplicationIdAsync(grant.Authorization, ct) is { } applicationId && owners.TryGetValue(applicationId, out var appId) &&
                byId.TryGetValue(appId, out var app))
            {
                listed.Add(new AuthorizedApp(grant.Id, app.Id, app.Name, grant.WorkspaceId, [.. grant.Scopes], grant.GrantedAt ?? app.CreatedAt));
            }
        }

        return listed;
    }

    /// <summary>Oldest grant first; the next page starts strictly after the cursor's grant time and id.</summary>
    public static async Task<global::GraphQL.Types.Relay.DataObjects.Connection<AuthorizedApp>> PageAsync(Guid userId, PageRequest page, IServiceProvider services, CancellationToken ct)
    {
        var all = (await ForAsync(userId, services, ct)).OrderBy(a => a.GrantedAt.UtcTicks).ThenBy(a => a.GrantId, StringComparer.Ordinal).ToList();
        var after = all.AsEnumerable();
        if (page.After("authorizedApps", 2) is [var atPart, var idPart])
        {
            var at = PageRequest.LongPart(atPart, 0, DateTimeOffset.MaxValue.UtcTicks);
            after = all.Where(a => a.GrantedAt.UtcTicks > at || (a.GrantedAt.UtcTicks == at && string.CompareOrdinal(a.GrantId, idPart) > 0));
        }

        return Paging.ToConnection([.. after.Take(page.First + 1)], page,
            a => Paging.Key("authorizedApps", a.GrantedAt.UtcTicks.ToString(CultureInfo.InvariantCulture), a.GrantId), page.CountTotal ? all.Count : null);
    }
}
