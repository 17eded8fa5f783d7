using Alba;
using Nexus.Api.Features.Apps;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Infrastructure.Identity;
using Nexus.Api.Tests.Features.Apps;
using Nexus.Api.Tests.Features.Workspaces;

namespace Nexus.Api.Tests.GraphQL.Authorization;

/// <summary>
/// App tokens for tests, all through the real flows: the app is registered by a workspace admin with the
/// <c>registerApp</c> mutation, an app acting alone gets its token with client credentials, and a person's app token
/// comes from the authorization-code flow with PKCE and the consent screen.
/// </summary>
public static class AppTokens
{
    /// <summary><paramref name="admin"/> registers a confidential app for <paramref name="workspaceId"/> allowed <paramref name="scopes"/> (all app scopes when none).</summary>
    public static Task<RegisteredApp> RegisterConfidentialAppAsync(this IAlbaHost host, Person admin, string workspaceId, params string[] scopes) =>
        host.RegisterAppAsync(admin, workspaceId, confidential: true, scopes: scopes.Length == 0 ? [.. AppScope.All] : scopes);

    /// <summary>The app's id as its tokens and events carry it.</summary>
    public static Guid AppIdOf(RegisteredApp app)
    {
        Assert.True(GlobalId.TryParse(app.Id, AppType.TypeName, out var id), app.Id);
        return id;
    }

    /// <summary>A client-credentials token of <paramref name="app"/> holding exactly <paramref name="scopes"/> (all it is registered for when none).</summary>
    public static async Task<string> AppTokenAsync(this IAlbaHost host, RegisteredApp app, params string[] scopes)
    {
        var response = await host.ClientCredentialsAsync(app, scope: scopes.Length == 0 ? null : string.Join(' ', scopes));
        Assert.True(response.Status == 200, response.Body.ToString());
        return response.AccessToken;
    }

    /// <summary>An app <paramref name="admin"/> registers for <paramref name="workspaceId"/>, acting alone, as a <see cref="Person"/> for the scenario helpers (it has no email or user id).</summary>
    public static async Task<Person> AppAloneAsync(this IAlbaHost host, Person admin, string workspaceId, params string[] scopes)
    {
        var app = await host.RegisterConfidentialAppAsync(admin, workspaceId);
        return new Person("", await host.AppTokenAsync(app, scopes), "");
    }

    /// <summary><paramref name="person"/> allows <paramref name="app"/> <paramref name="scopes"/> in <paramref name="workspaceId"/>: the person holding that app token.</summary>
    public static async Task<Person> PersonsAppAsync(this IAlbaHost host, Person person, RegisteredApp app, string workspaceId, params string[] scopes)
    {
        var tokens = await host.ConsentedTokensAsync(person, app, workspaceId, string.Join(' ', scopes));
        return person with { Token = tokens.AccessToken };
    }
}
