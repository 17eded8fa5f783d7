using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Platforms;

namespace Nexus.Api.Tests.Platforms;

/// <summary>
/// Every real platform reads metrics through a client declared by its descriptor and living in its own folder, so a
/// platform's mapping onto <see cref="PostMetricsReading"/> is in one place. The sandbox is left to its own tests: its
/// metrics are simulated, not mapped from a platform's answer.
/// </summary>
public sealed class PlatformMetricsClientsTests
{
    [Fact]
    public void every_real_platform_declares_a_metrics_client_in_its_own_folder()
    {
        var missing = PlatformDescriptors.All.Where(d => d.Platform != PlatformId.Sandbox && d.Metrics is null).Select(d => d.Platform).ToList();
        Assert.True(missing.Count == 0, $"No metrics client declared for: {string.Join(", ", missing)}");
        Assert.All(PlatformDescriptors.All.Where(d => d.Platform != PlatformId.Sandbox), d =>
        {
            Assert.True(typeof(IPlatformMetrics).IsAssignableFrom(d.Metrics));
            Assert.Equal($"Nexus.Api.Platforms.{d.Platform}", d.Metrics!.Namespace);
        });
    }

    [Fact]
    public void each_declared_metrics_client_resolves_through_platform_clients_for_its_platform()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddNexusPlatforms(new ConfigurationBuilder().Build());
        using var provider = services.BuildServiceProvider();
        using var scope = provider.CreateScope();
        var clients = scope.ServiceProvider.GetRequiredService<PlatformClients>();
        foreach (var descriptor in PlatformDescriptors.All.Where(d => d.Metrics is not null))
        {
            var metrics = clients.Metrics(descriptor.Platform);
            Assert.IsType(descriptor.Metrics!, metrics);
            Assert.Equal(descriptor.Platform, metrics!.Platform);
            Assert.InRange(metrics.BatchSize, 1, 100);
        }
    }
}
