using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Nexus.Api.Infrastructure.Identity;

namespace Nexus.Api.Tests.Infrastructure.Identity;

/// <summary>
/// Nodes reached at different addresses (several ports, hosts behind a load balancer) share one token issuer,
/// Nexus:PublicUrl, rather than each using the address a request came to.
/// </summary>
public sealed class IssuerAcrossNodesTests(TwoNodesFixture api) : IClassFixture<TwoNodesFixture>
{
    [Fact]
    public async Task a_token_issued_by_one_node_is_accepted_by_another_reached_at_another_address()
    {
        var (_, _, tokens) = await api.Host.SignedUpUserAsync();

        using var client = api.Other.Server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = JsonContent.Create(new { query = "{ me { id } }" }) };
        request.Headers.Host = "localhost:5081";
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}

/// <summary>Nodes starting together (a deploy, a restart after a crash) all register the same OAuth clients.</summary>
public sealed class BootstrapAcrossNodesTests(TwoNodesFixture api) : IClassFixture<TwoNodesFixture>
{
    [Fact]
    public async Task nodes_starting_together_all_complete_the_identity_bootstrap()
    {
        var bootstraps = new[] { api.Host, api.Other, api.Host, api.Other }.Select(host => new IdentityBootstrap(host.Services,
            host.Services.GetRequiredService<IOptions<AuthOptions>>(), NullLogger<IdentityBootstrap>.Instance));

        await Task.WhenAll(bootstraps.Select(b => b.StartAsync(CancellationToken.None)));
    }
}
