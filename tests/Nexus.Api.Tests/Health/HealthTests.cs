using System.Text.Json;
using Alba;
using JasperFx.Resources;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Infrastructure;
using Nexus.Api.Tests.Infrastructure;
using Npgsql;
using Wolverine;
using Wolverine.Runtime;

namespace Nexus.Api.Tests.Health;

[Collection(ApiCollection.Name)]
public sealed class HealthTests(ApiFixture api)
{
    [Fact]
    public async Task healthz_is_200_while_the_process_lives()
    {
        var response = await api.Host.SendAsync(HttpMethod.Get, "/healthz", accept: null);

        Assert.Equal(200, response.Status);
    }

    [Fact]
    public async Task readyz_is_200_when_postgresql_answers_and_the_scheduler_runs()
    {
        var response = await api.Host.SendAsync(HttpMethod.Get, "/readyz", accept: null);

        Assert.Equal(200, response.Status);
        Assert.Equal("ready", response.Body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task readyz_is_503_naming_startup_while_start_up_work_is_pending()
    {
        var startup = api.Host.Services.GetRequiredService<StartupWork>();
        HttpResponse pending;
        using (startup.Begin("test work"))
        {
            pending = await ReadyzAsync();
        }

        var done = await ReadyzAsync();

        Assert.Equal(503, pending.Status);
        Assert.Equal(["startup"], pending.Down);
        Assert.Equal(200, done.Status);
    }

    private sealed record HttpResponse(int Status, string[] Down);

    private async Task<HttpResponse> ReadyzAsync()
    {
        var response = await api.Host.SendAsync(HttpMethod.Get, "/readyz", accept: null);
        return new HttpResponse(response.Status,
            response.Body.TryGetProperty("down", out var down) ? [.. down.EnumerateArray().Select(e => e.GetString()!)] : []);
    }

    [Fact]
    public async Task readyz_is_503_naming_postgresql_when_it_does_not_answer()
    {
        // Port 9 on loopback: nothing listens, so the connection is refused at once.
        await using var unreachable = NpgsqlDataSource.Create("Host=127.0.0.1;Port=9;Username=nexus;Timeout=2");
        var http = new DefaultHttpContext { RequestServices = api.Host.Services };
        http.Response.Body = new MemoryStream();

        var result = await Nexus.Api.Infrastructure.Health.ReadyAsync(unreachable,
            api.Host.Services.GetRequiredService<IWolverineRuntime>(), api.Host.Services.GetRequiredService<SchedulerStatus>(),
            api.Host.Services.GetRequiredService<StartupWork>(), CancellationToken.None);
        await result.ExecuteAsync(http);

        Assert.Equal(503, http.Response.StatusCode);
        http.Response.Body.Position = 0;
        var body = await JsonDocument.ParseAsync(http.Response.Body);
        Assert.Equal(["postgresql"], body.RootElement.GetProperty("down").EnumerateArray().Select(e => e.GetString()));
    }
}

/// <summary>A node whose durability agent is off: it can take requests but would never publish a scheduled post.</summary>
public sealed class NoSchedulerFixture : ApiFixture
{
    protected override string Purpose => "nosched";

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.ConfigureWolverine(options => options.Durability.DurabilityAgentEnabled = false);
        // Without the agent nothing builds Wolverine's tables, which the rest of the API still needs.
        services.AddResourceSetupOnStartup();
    }
}

public sealed class ReadinessWithoutSchedulerTests(NoSchedulerFixture api) : IClassFixture<NoSchedulerFixture>
{
    [Fact]
    public async Task readyz_is_503_naming_the_scheduler_when_it_is_not_running()
    {
        var response = await api.Host.SendAsync(HttpMethod.Get, "/readyz", accept: null);

        Assert.Equal(503, response.Status);
        Assert.Equal(["scheduler"], response.Body.GetProperty("down").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(JsonValueKind.String, response.Body.GetProperty("status").ValueKind);
    }
}

/// <summary>Wolverine in Balanced mode, as when several nodes share the database.</summary>
public sealed class BalancedFixture : ApiFixture
{
    protected override string Purpose => "balanced";

    protected override void ConfigureServices(IServiceCollection services) =>
        services.ConfigureWolverine(options => options.Durability.Mode = DurabilityMode.Balanced);
}

public sealed class ReadinessOnTwoNodesTests(BalancedFixture api) : IClassFixture<BalancedFixture>
{
    [Fact]
    public async Task readyz_is_200_on_each_node_though_the_durability_agent_runs_on_one_at_most()
    {
        await using var second = await api.StartAnotherHostAsync();
        IAlbaHost[] nodes = [api.Host, second];

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        int[] statuses;
        while ((statuses = await Task.WhenAll(nodes.Select(ReadyzStatusAsync))).Any(s => s != 200) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.Equal([200, 200], statuses);
        Assert.True(nodes.Count(n => n.Services.GetRequiredService<IWolverineRuntime>().Agents.AllRunningAgentUris().Any(u => u.Scheme == "wolverinedb")) <= 1,
            "the durability agent of the one database runs on one node at most");
    }

    private static async Task<int> ReadyzStatusAsync(IAlbaHost host)
    {
        using var response = await host.Server.CreateClient().GetAsync("/readyz");
        return (int)response.StatusCode;
    }
}

[Collection(ApiCollection.Name)]
public sealed class HomePageTests(ApiFixture api)
{
    [Fact]
    public async Task the_root_tells_a_browser_what_this_server_is_and_links_graphiql_and_the_schema()
    {
        var response = await api.Host.Server.CreateClient().SendAsync(new HttpRequestMessage(HttpMethod.Get, "/") { Headers = { { "Accept", "text/html" } } });
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Nexus API", html, StringComparison.Ordinal);
        Assert.Contains("href=\"/graphql\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"/schema.graphql\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task the_root_answers_json_to_programs_and_the_schema_link_serves_the_sdl()
    {
        var root = await api.Host.SendAsync(HttpMethod.Get, "/", accept: null);
        var sdl = await api.Host.Server.CreateClient().GetStringAsync("/schema.graphql");

        Assert.Equal(200, root.Status);
        Assert.Equal("/graphql", root.Body.GetProperty("links").GetProperty("graphql").GetString());
        Assert.Contains("type Query", sdl, StringComparison.Ordinal);
    }
}
