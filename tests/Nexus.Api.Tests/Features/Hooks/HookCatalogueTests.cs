using System.Text.Json.Nodes;
using Nexus.Api.Features.Hooks;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Hooks;

public sealed class HookCatalogueTests
{
    [Fact]
    public void schema_webhooks_md_is_the_catalogue_in_code()
    {
        var file = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "schema", "webhooks.md")).ReplaceLineEndings("\n");
        Assert.True(file == HookEventTypes.Markdown(),
            "schema/webhooks.md differs from HookEventTypes: regenerate it with `dotnet run --project src/Nexus.Api -- export-schema \"$PWD/schema\"`.");
    }

    [Fact]
    public void the_catalogue_holds_the_event_types_the_api_names()
    {
        string[] named = ["post.scheduled", "post.published", "post.partially_published", "post.failed", "target.published", "target.failed", "target.unconfirmed",
            "connection.needs_reauth", "connection.disconnected", "media.processed", "metrics.updated"];
        Assert.Equal(named.Order(), HookEventTypes.Names.Order());
        Assert.All(HookEventTypes.All, type => Assert.False(string.IsNullOrWhiteSpace(type.Description)));
    }

    [Fact]
    public void every_example_uses_the_envelope_and_global_ids_and_carries_no_secret()
    {
        foreach (var type in HookEventTypes.All)
        {
            var body = JsonNode.Parse(HookEventTypes.Envelope(type.Name, DateTimeOffset.UnixEpoch, (JsonObject)type.ExampleData.DeepClone()))!.AsObject();
            Assert.Equal(["type", "timestamp", "data"], body.Select(p => p.Key));
            Assert.Equal(type.Name, body["type"]!.GetValue<string>());
            Assert.True(Nexus.Api.GraphQL.Relay.GlobalId.TryParse(body["data"]!["workspaceId"]!.GetValue<string>(), "Workspace", out _), type.Name);
            Assert.DoesNotContain("secret", body.ToJsonString(), StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("token", body.ToJsonString(), StringComparison.OrdinalIgnoreCase);
        }
    }
}
