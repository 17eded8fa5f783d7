using System.Net;
using Nexus.Api.Infrastructure.Identity;
using Nexus.Api.Tests.GraphQL.Authorization;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Events;

/// <summary>The export through an app's own token (client credentials): its scope and its workspace binding.</summary>
[Collection(ApiCollection.Name)]
public sealed class EventExportAppTests(ApiFixture api)
{
    [Fact]
    public async Task an_app_reads_its_own_workspace_with_events_read_and_nothing_else()
    {
        var a = await api.Host.EventfulWorkspaceAsync("AppOwned");
        var b = await api.Host.EventfulWorkspaceAsync("NotTheApps");
        // Registered first: its app_registered is one of the workspace's events the app then reads.
        var app = await api.Host.RegisterConfidentialAppAsync(a.Owner, a.Workspace, AppScope.EventsRead, AppScope.PostsRead);
        var expected = await api.Host.IndexedAsync(a.Owner, a.Workspace, e => e.Any(x => x.Type == "post_drafted") && e.Any(x => x.Type == "app_registered"));

        var reader = await api.Host.AppTokenAsync(app, AppScope.EventsRead);
        var own = await api.Host.ExportAsync(reader, EventScenarios.ExportQuery(a.Workspace));
        Assert.Equal(HttpStatusCode.OK, own.Status);
        Assert.Equal(expected.Select(e => e.Cursor), own.Events.Select(e => e.Cursor));

        var other = await api.Host.ExportAsync(reader, EventScenarios.ExportQuery(b.Workspace));
        Assert.Equal(HttpStatusCode.Forbidden, other.Status);

        var postsOnly = await api.Host.AppTokenAsync(app, AppScope.PostsRead);
        var refused = await api.Host.ExportAsync(postsOnly, EventScenarios.ExportQuery(a.Workspace));
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Contains("insufficient_scope", refused.Body, StringComparison.Ordinal);
    }
}
