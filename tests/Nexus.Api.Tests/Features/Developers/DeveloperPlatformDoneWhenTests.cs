using System.Net;
using System.Text.Json;
using Nexus.Api.Tests.Features.Apps;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Events;
using Nexus.Api.Tests.Features.Hooks;
using Nexus.Api.Tests.Features.Posts;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Developers;

/// <summary>
/// The API as a developer meets it: private addresses allowed (the developer's receiver listens on loopback) and the
/// webhook sweeper running on its own, on the real clock, as in production.
/// </summary>
public sealed class DeveloperPlatformFixture : ApiFixture, IAsyncLifetime
{
    public HookReceiver Receiver { get; private set; } = null!;

    protected override string Purpose => "developers";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Nexus:Outbound:AllowPrivateAddresses"] = "true",
    };

    public new async Task InitializeAsync()
    {
        Receiver = await HookReceiver.StartAsync();
        await base.InitializeAsync();
    }

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Receiver.DisposeAsync();
    }
}

/// <summary>
/// Issue 14's "done when", only through the public surface: a developer registers an app, a person consents, the app
/// schedules a post with its token, the developer's endpoint receives the signed <c>post.published</c>, and an analyst
/// pulls every event of the workspace by export and then follows new ones live without a gap.
/// </summary>
public sealed class DeveloperPlatformDoneWhenTests(DeveloperPlatformFixture fixture) : IClassFixture<DeveloperPlatformFixture>
{
    private const string Appended = """
        subscription ($id: ID!, $after: String) {
          eventsAppended(workspaceId: $id, after: $after) { cursor node { id sequence streamId type version timestamp data } }
        }
        """;

    [Fact]
    public async Task an_app_a_person_allowed_schedules_a_post_its_endpoint_hears_it_published_and_an_analyst_follows_every_event()
    {
        var host = fixture.Host;

        // A developer registers an app in their own workspace.
        var developer = await host.PersonAsync("Developer");
        var developerWorkspace = await host.CreateWorkspaceAsync(developer, "Developer tools");
        var app = await host.RegisterAppAsync(developer, developerWorkspace, confidential: true,
            scopes: ["posts:read", "posts:write", "webhooks:manage", "events:read", "offline_access"]);

        // A person who never met the developer allows it in their workspace, on the consent page.
        var person = await host.PersonAsync("Customer");
        var workspace = await host.CreateWorkspaceAsync(person, "Customer brand");
        var connection = await host.ConnectSandboxAsync(person, workspace);
        var tokens = await host.ConsentedTokensAsync(person, app, workspace, "posts:read posts:write webhooks:manage events:read offline_access");
        var asApp = person with { Token = tokens.AccessToken };

        // With that token the app sets up its endpoint and schedules a post.
        var url = fixture.Receiver.NewUrl(out var path);
        var (_, secret) = await host.CreateEndpointAsync(asApp, workspace, url, "post.published");
        var postId = await host.DraftAsync(asApp, workspace, "scheduled by an app", connection);
        var scheduled = await host.ScheduleAsync(asApp, postId, DateTimeOffset.UtcNow.AddSeconds(3));
        Assert.True(scheduled.GetProperty("errors").GetArrayLength() == 0, scheduled.ToString());
        await host.WaitForStatusAsync(asApp, postId, TimeSpan.FromSeconds(60), "PUBLISHED");

        // The developer's endpoint receives the signed post.published, once.
        await Eventually.TrueAsync(() => fixture.Receiver.At(path).Count > 0, "post.published never reached the developer's endpoint", TimeSpan.FromSeconds(60));
        var received = Assert.Single(fixture.Receiver.At(path));
        HookScenarios.Verify(secret, received);
        var message = JsonDocument.Parse(received.Body).RootElement;
        Assert.Equal("post.published", message.GetProperty("type").GetString());
        Assert.Contains(postId, message.GetProperty("data").GetRawText(), StringComparison.Ordinal);

        // The app was refused what the person did not grant it, and any other workspace.
        Assert.Equal(["FORBIDDEN"], (await host.AsAsync(asApp, "query ($id: ID!) { workspace(id: $id) { connections { edges { cursor } } } }", new { id = workspace })).ErrorCodes);
        Assert.Equal(["FORBIDDEN"], (await host.AsAsync(asApp, "query ($id: ID!) { workspace(id: $id) { posts { edges { cursor } } } }", new { id = developerWorkspace })).ErrorCodes);

        // An analyst (the app, with events:read) exports every event of the workspace: the post's whole life is there.
        var exported = await host.IndexedAsync(asApp, workspace, events => events.Any(e => e.Type == "target_published"));
        Assert.Equal(exported.Select(e => e.Sequence).Order(), exported.Select(e => e.Sequence));
        Assert.Contains(exported, e => e.Type == "workspace_created");
        Assert.Contains(exported, e => e.Type == "account_connected");
        Assert.Contains(exported, e => e.Type == "post_scheduled");
        Assert.DoesNotContain(exported, e => e.Type == "user_registered");

        // ...then follows new ones live from the export's last cursor while the workspace keeps working.
        await using var live = await GraphQLWebSocketClient.ConnectedAsync(host, asApp.Token);
        await live.SubscribeAsync("live", Appended, new { id = workspace, after = exported[^1].Cursor });
        var more = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => host.DraftAsync(person, workspace, $"after the export {i}", connection)));
        var followed = new List<ExportedEvent>();
        while (followed.Count(e => e.Type == "post_drafted") < more.Length)
        {
            followed.Add(EventScenarios.Edge((await live.NextAsync("live", TimeSpan.FromSeconds(30))).GetProperty("data").GetProperty("eventsAppended")));
        }

        // Export + live = everything, in order, nothing missed, nothing twice.
        var everything = (await host.ExportAsync(asApp.Token, EventScenarios.ExportQuery(workspace))).Events;
        Assert.Equal(
            everything.Take(exported.Count + followed.Count).Select(e => (e.Cursor, e.Sequence, e.Type)),
            exported.Concat(followed).Select(e => (e.Cursor, e.Sequence, e.Type)));
        Assert.Equal(HttpStatusCode.OK, (await host.ExportAsync(asApp.Token, EventScenarios.ExportQuery(workspace, after: followed[^1].Cursor))).Status);
    }
}
