using System.Security.Claims;
using System.Text.Json;
using Alba;
using GraphQL;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Apps;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Infrastructure.Identity;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Nexus.Api.Tests.GraphQL.Authorization;

/// <summary>An OAuth app registered for one workspace, as the apps slice stores it: an OpenIddict application with the workspace and app ids as properties.</summary>
public sealed record TestApp(string ClientId, string Secret, Guid AppId, Guid WorkspaceId);

/// <summary>
/// App tokens for tests, without the registration slice: the OpenIddict application is created through
/// <see cref="IOpenIddictApplicationManager"/> and the token asked of <c>/connect/token</c> with client credentials, so
/// it is the real token the server issues to a workspace's app acting alone.
/// </summary>
public static class AppTokens
{
    /// <summary>Registers a confidential app for <paramref name="workspaceId"/> (a global id) allowed <paramref name="scopes"/> (all app scopes when none).</summary>
    public static async Task<TestApp> RegisterAppAsync(this IAlbaHost host, string workspaceId, params string[] scopes)
    {
        Assert.True(GlobalId.TryParse(workspaceId, "Workspace", out var workspace), workspaceId);
        var app = new TestApp("app-" + Guid.NewGuid().ToString("N"), "app secret " + Guid.NewGuid().ToString("N"), Guid.CreateVersion7(), workspace);
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = app.ClientId,
            ClientSecret = app.Secret,
            ClientType = ClientTypes.Confidential,
            DisplayName = "Test app",
        };
        descriptor.Permissions.UnionWith([Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials]);
        descriptor.Permissions.UnionWith((scopes.Length == 0 ? AppScope.All : scopes).Select(s => Permissions.Prefixes.Scope + s));
        descriptor.Properties[AppClaims.WorkspaceProperty] = JsonSerializer.SerializeToElement(workspace.ToString("N"));
        descriptor.Properties[AppClaims.AppProperty] = JsonSerializer.SerializeToElement(app.AppId.ToString("N"));
        await using var scope = host.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>().CreateAsync(descriptor);
        return app;
    }

    /// <summary>A client-credentials token of <paramref name="app"/> holding exactly <paramref name="scopes"/>.</summary>
    public static async Task<string> AppTokenAsync(this IAlbaHost host, TestApp app, params string[] scopes)
    {
        var response = await host.TokenAsync(new()
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = app.ClientId,
            ["client_secret"] = app.Secret,
            ["scope"] = string.Join(' ', scopes),
        });
        Assert.True(response.Status == 200, response.Body.ToString());
        return response.AccessToken;
    }

    /// <summary>An app acting alone in <paramref name="workspaceId"/>, as a <see cref="Person"/> for the scenario helpers (it has no email or user id).</summary>
    public static async Task<Person> AppAloneAsync(this IAlbaHost host, string workspaceId, params string[] scopes)
    {
        var app = await host.RegisterAppAsync(workspaceId);
        return new Person("", await host.AppTokenAsync(app, scopes), "");
    }

    /// <summary>
    /// Runs a document through the real schema and executer as a person's app token would present itself (the
    /// person's <c>sub</c>, the app's binding and scopes): what an authorization-code token of the apps slice carries,
    /// without its consent screen.
    /// </summary>
    public static async Task<ExecutionResult> AsPersonsAppAsync(this IAlbaHost host, Person person, string workspaceId, string[] scopes, string query, object? variables = null)
    {
        Assert.True(GlobalId.TryParse(workspaceId, "Workspace", out var workspace), workspaceId);
        Assert.True(GlobalId.TryParse(person.UserId, "User", out var userId), person.UserId);
        var principal = AppPrincipal.Create(userId.ToString(), "persons-app", Guid.CreateVersion7(), workspace, scopes, scopes);
        await using var scope = host.Services.CreateAsyncScope();
        var serializer = scope.ServiceProvider.GetRequiredService<IGraphQLTextSerializer>();
        return await scope.ServiceProvider.GetRequiredService<IDocumentExecuter<NexusSchema>>().ExecuteAsync(new ExecutionOptions
        {
            Query = query,
            Variables = variables is null ? null : serializer.Deserialize<Inputs>(JsonSerializer.Serialize(variables)),
            RequestServices = scope.ServiceProvider,
            User = new ClaimsPrincipal(principal.Identities.Select(i => new ClaimsIdentity(i.Claims, "Bearer", i.NameClaimType, i.RoleClaimType))),
            UserContext = new Dictionary<string, object?>(),
        });
    }

    /// <summary>The answer of <see cref="AsPersonsAppAsync"/> as JSON, as a client reads it.</summary>
    public static JsonElement Json(this IAlbaHost host, ExecutionResult result) =>
        JsonDocument.Parse(host.Services.GetRequiredService<IGraphQLTextSerializer>().Serialize(result)).RootElement.Clone();
}
