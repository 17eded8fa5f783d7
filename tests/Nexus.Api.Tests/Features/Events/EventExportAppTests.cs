using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Infrastructure.Identity;
using Nexus.Api.Tests.Infrastructure;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Nexus.Api.Tests.Features.Events;

/// <summary>The export through an app's own token (client credentials): its scope and its workspace binding.</summary>
[Collection(ApiCollection.Name)]
public sealed class EventExportAppTests(ApiFixture api)
{
    private async Task<string> AppTokenAsync(string workspace, string scope)
    {
        var clientId = $"events-app-{Guid.NewGuid():N}";
        const string Secret = "a-long-enough-test-secret-for-the-app";
        GlobalId.TryParse(workspace, "Workspace", out var workspaceId);
        await using (var scopeProvider = api.Host.Services.CreateAsyncScope())
        {
            var applications = scopeProvider.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            var descriptor = new OpenIddictApplicationDescriptor
            {
                ClientId = clientId,
                ClientSecret = Secret,
                ClientType = ClientTypes.Confidential,
                Permissions = { Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials, Permissions.Prefixes.Scope + scope },
            };
            descriptor.Properties[AppClaims.WorkspaceProperty] = JsonSerializer.SerializeToElement(workspaceId.ToString("N"));
            descriptor.Properties[AppClaims.AppProperty] = JsonSerializer.SerializeToElement(Guid.NewGuid().ToString("N"));
            await applications.CreateAsync(descriptor);
        }

        using var client = api.Host.Server.CreateClient();
        var response = await client.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = Secret, ["scope"] = scope,
        }));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    [Fact]
    public async Task an_app_reads_its_own_workspace_with_events_read_and_nothing_else()
    {
        var a = await api.Host.EventfulWorkspaceAsync("AppOwned");
        var b = await api.Host.EventfulWorkspaceAsync("NotTheApps");
        var expected = await api.Host.IndexedAsync(a.Owner, a.Workspace, e => e.Any(x => x.Type == "post_drafted"));

        var reader = await AppTokenAsync(a.Workspace, AppScope.EventsRead);
        var own = await api.Host.ExportAsync(reader, EventScenarios.ExportQuery(a.Workspace));
        Assert.Equal(HttpStatusCode.OK, own.Status);
        Assert.Equal(expected.Select(e => e.Cursor), own.Events.Select(e => e.Cursor));

        var other = await api.Host.ExportAsync(reader, EventScenarios.ExportQuery(b.Workspace));
        Assert.Equal(HttpStatusCode.Forbidden, other.Status);

        var postsOnly = await AppTokenAsync(a.Workspace, AppScope.PostsRead);
        var refused = await api.Host.ExportAsync(postsOnly, EventScenarios.ExportQuery(a.Workspace));
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Contains("insufficient_scope", refused.Body, StringComparison.Ordinal);
    }
}
