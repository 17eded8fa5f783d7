using System.Net;
using System.Text.Json;
using Nexus.Api.Tests.Features.Workspaces;

namespace Nexus.Api.Tests.Features.Hooks;

/// <summary>With private addresses refused (production's default), at creation and again at every delivery.</summary>
public sealed class WebhookAddressTests(StrictHooksFixture api) : IClassFixture<StrictHooksFixture>
{
    [Theory]
    [InlineData("http://127.0.0.1:9/hook", "loopback")]
    [InlineData("http://10.1.2.3/hook", "private")]
    [InlineData("http://169.254.169.254/latest/meta-data", "link-local")]
    [InlineData("http://[::1]:9/hook", "loopback")]
    [InlineData("http://loopback.hooks.test/hook", "loopback")]
    [InlineData("ftp://example.com/hook", "http or https")]
    public async Task private_loopback_and_link_local_urls_are_refused_at_creation(string url, string words)
    {
        api.Resolver.Names["loopback.hooks.test"] = [IPAddress.Loopback];
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);

        var payload = await api.Host.MutateAsync(owner, "createWebhookEndpoint", "CreateWebhookEndpointInput",
            new { workspaceId = workspace, url, eventTypes = new[] { "post.published" } }, "endpoint { id } secret");

        var error = Assert.Single(payload.GetProperty("errors").EnumerateArray());
        Assert.Contains(error.GetProperty("code").GetString(), new[] { "URL_REFUSED", "VALIDATION" });
        Assert.Contains(words, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, payload.GetProperty("endpoint").ValueKind);
        Assert.Equal(JsonValueKind.Null, payload.GetProperty("secret").ValueKind);
    }

    [Fact]
    public async Task a_name_that_resolves_to_loopback_by_delivery_time_is_refused_then()
    {
        // Public when the endpoint is made; the DNS answer changes afterwards (rebinding).
        api.Resolver.Names["rebinding.hooks.test"] = [IPAddress.Parse("93.184.215.14")];
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var (endpoint, _) = await api.Host.CreateEndpointAsync(owner, workspace, $"http://rebinding.hooks.test:{api.Receiver.Port}/hook", "post.published");
        api.Resolver.Names["rebinding.hooks.test"] = [IPAddress.Loopback];

        var delivery = (await api.Host.PingAsync(owner, endpoint)).GetProperty("delivery");

        Assert.Equal("FAILED", delivery.GetProperty("state").GetString());
        Assert.Contains("not public", delivery.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Empty(api.Receiver.Received);
    }
}
