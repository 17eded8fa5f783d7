using System.Text.Json;
using System.Text.Json.Nodes;
using Alba;
using Marten;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Hooks.Delivering;
using Nexus.Api.Features.Hooks.Producing;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Tests.Features.Workspaces;
using StandardWebhooks;

namespace Nexus.Api.Tests.Features.Hooks;

public static class HookScenarios
{
    public const string DeliverySelection = "id eventType webhookId state attempts requestBody responseStatus responseBody durationMs error nextAttemptAt";

    public static async Task<(string Id, string Secret)> CreateEndpointAsync(this IAlbaHost host, Person admin, string workspace, string url, params string[] types)
    {
        var payload = await host.MutateAsync(admin, "createWebhookEndpoint", "CreateWebhookEndpointInput", new { workspaceId = workspace, url, eventTypes = types },
            "endpoint { id url eventTypes enabled } secret");
        Assert.True(payload.GetProperty("errors").GetArrayLength() == 0, payload.ToString());
        return (payload.GetProperty("endpoint").GetProperty("id").GetString()!, payload.GetProperty("secret").GetString()!);
    }

    public static async Task<JsonElement> PingAsync(this IAlbaHost host, Person admin, string endpointId) =>
        await host.MutateAsync(admin, "pingWebhookEndpoint", "PingWebhookEndpointInput", new { endpointId }, $"delivery {{ {DeliverySelection} }}");

    /// <summary>The endpoint's delivery log, newest first.</summary>
    public static async Task<JsonElement[]> DeliveriesAsync(this IAlbaHost host, Person admin, string workspace, string endpointId)
    {
        var response = await host.AsAsync(admin,
            $"query ($id: ID!) {{ workspace(id: $id) {{ webhookEndpoints(first: 20) {{ edges {{ node {{ id deliveries(first: 20) {{ edges {{ node {{ {DeliverySelection} }} }} }} }} }} }} }} }}",
            new { id = workspace });
        Assert.True(response.Errors.Length == 0, response.Body.ToString());
        var endpoint = response.Data.GetProperty("workspace").GetProperty("webhookEndpoints").GetProperty("edges").EnumerateArray()
            .Single(e => e.GetProperty("node").GetProperty("id").GetString() == endpointId).GetProperty("node");
        return [.. endpoint.GetProperty("deliveries").GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("node"))];
    }

    /// <summary>
    /// Queues deliveries of an event of the workspace the way the producers do (the projection, the metrics sync), for
    /// tests about delivery rather than about which domain event makes which message.
    /// </summary>
    public static async Task<Guid> QueueEventAsync(this IAlbaHost host, string workspace, string type, Guid? eventId = null)
    {
        Assert.True(GlobalId.TryParse(workspace, "Workspace", out var workspaceId));
        var id = eventId ?? Guid.CreateVersion7();
        await using var session = host.Services.GetRequiredService<IDocumentStore>().LightweightSession();
        HookOutbox.Queue(session, workspaceId, id, type, DateTimeOffset.UtcNow, new JsonObject { ["workspaceId"] = workspace }, host.Services.GetRequiredService<TimeProvider>().GetUtcNow());
        await session.SaveChangesAsync();
        return id;
    }

    /// <summary>Sweeps until a sweep claims nothing.</summary>
    public static async Task<int> SweepAllAsync(this IAlbaHost host)
    {
        var sender = host.Services.GetRequiredService<HookSender>();
        var claimed = 0;
        for (var sweeps = 0; sweeps < 100; sweeps++)
        {
            var sweep = await sender.SweepOnceAsync(CancellationToken.None);
            claimed += sweep.Claimed;
            if (sweep.Claimed == 0)
            {
                return claimed;
            }
        }

        throw new InvalidOperationException("The sweeps never ran out of due deliveries.");
    }

    /// <summary>Verifies a received request with the StandardWebhooks package's verifier (which throws when it does not hold).</summary>
    public static void Verify(string secret, ReceivedHook hook)
    {
        var headers = new HeaderDictionary();
        foreach (var name in new[] { "webhook-id", "webhook-timestamp", "webhook-signature" })
        {
            headers[name] = hook.Headers[name];
        }

        new StandardWebhook(secret).Verify(hook.Body, headers);
    }

    public static string[] Codes(JsonElement payload) => WorkspaceScenarios.ErrorCodesOf(payload);
}

/// <summary>What the authorization matrix acts on: endpoints on a public address that nothing is ever sent to.</summary>
public static class HookMatrix
{
    private const string Url = "https://93.184.215.14/hooks";

    /// <summary>An endpoint subscribed only to media.processed (which has no producer yet), so nothing is sent to it.</summary>
    public static async Task<string> EndpointAsync(IAlbaHost host, Person admin, string workspace) =>
        (await host.CreateEndpointAsync(admin, workspace, Url, "media.processed")).Id;

    /// <summary>A disabled endpoint: a ping or a redelivery answers ENDPOINT_DISABLED without a request.</summary>
    public static async Task<string> DisabledEndpointAsync(IAlbaHost host, Person admin, string workspace)
    {
        var endpoint = await EndpointAsync(host, admin, workspace);
        await host.MutateAsync(admin, "updateWebhookEndpoint", "UpdateWebhookEndpointInput", new { endpointId = endpoint, enabled = false }, "endpoint { id }");
        return endpoint;
    }

    /// <summary>A delivery of a disabled endpoint.</summary>
    public static async Task<string> DeliveryAsync(IAlbaHost host, Person admin, string workspace)
    {
        var endpoint = await EndpointAsync(host, admin, workspace);
        await host.QueueEventAsync(workspace, "media.processed");
        await host.MutateAsync(admin, "updateWebhookEndpoint", "UpdateWebhookEndpointInput", new { endpointId = endpoint, enabled = false }, "endpoint { id }");
        return (await host.DeliveriesAsync(admin, workspace, endpoint)).Single().GetProperty("id").GetString()!;
    }
}
