using System.Text.Json;
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
    public async Task readyz_is_503_naming_postgresql_when_it_does_not_answer()
    {
        // Port 9 on loopback: nothing listens, so the connection is refused at once.
        await using var unreachable = NpgsqlDataSource.Create("Host=127.0.0.1;Port=9;Username=nexus;Timeout=2");
        var http = new DefaultHttpContext { RequestServices = api.Host.Services };
        http.Response.Body = new MemoryStream();

        var result = await Nexus.Api.Infrastructure.Health.ReadyAsync(unreachable,
            api.Host.Services.GetRequiredService<IWolverineRuntime>(), api.Host.Services.GetRequiredService<SchedulerStatus>(), CancellationToken.None);
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
