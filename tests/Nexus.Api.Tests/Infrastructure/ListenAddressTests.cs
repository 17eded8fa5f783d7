using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Nexus.Api.Infrastructure;
using Nexus.Api.Platforms.Sandbox;

namespace Nexus.Api.Tests.Infrastructure;

public sealed class ListenAddressTests
{
    [Theory]
    [InlineData("http://localhost:6123", null, "http://localhost:6123")]
    [InlineData("http://0.0.0.0:7000;https://0.0.0.0:7001", null, "http://localhost:7000")]
    [InlineData("http://*:7002", null, "http://localhost:7002")]
    [InlineData("http://+:7003", null, "http://localhost:7003")]
    [InlineData("http://[::]:7004", null, "http://localhost:7004")]
    [InlineData("http://127.0.0.1:7005", null, "http://127.0.0.1:7005")]
    [InlineData(null, "8080", "http://localhost:8080")]
    [InlineData(null, null, "http://localhost:5000")]
    public void the_listen_address_comes_from_urls_then_http_ports_then_kestrels_default(string? urls, string? ports, string expected)
    {
        var configuration = Configuration(("urls", urls), ("http_ports", ports));

        Assert.Equal(expected, ListenAddress.Of(configuration));
    }

    [Fact]
    public void the_public_url_and_the_sandbox_default_to_the_listen_address_unless_set()
    {
        var onAnotherPort = Options(Configuration(("urls", "http://localhost:6123")));
        var configured = Options(Configuration(("urls", "http://localhost:6123"), ("Nexus:PublicUrl", "https://nexus.example.com"),
            ("Nexus:Platforms:Sandbox:BaseUrl", "https://sandbox.example.com")));

        Assert.Equal("http://localhost:6123", onAnotherPort.Urls.PublicUrl);
        Assert.Equal(new Uri("http://localhost:6123"), onAnotherPort.Sandbox.BaseUrl);
        Assert.Equal("https://nexus.example.com", configured.Urls.PublicUrl);
        Assert.Equal(new Uri("https://sandbox.example.com"), configured.Sandbox.BaseUrl);
    }

    private static IConfiguration Configuration(params (string Key, string? Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Where(s => s.Value is not null).Select(s => KeyValuePair.Create(s.Key, s.Value))).Build();

    private static (NexusUrls Urls, SandboxOptions Sandbox) Options(IConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.Configure<NexusUrls>(configuration.GetSection("Nexus"));
        services.AddOptions<SandboxOptions>().Bind(configuration.GetSection("Nexus:Platforms:Sandbox"));
        services.AddListenAddressDefaults(configuration);
        using var provider = services.BuildServiceProvider();
        return (provider.GetRequiredService<IOptions<NexusUrls>>().Value, provider.GetRequiredService<IOptions<SandboxOptions>>().Value);
    }
}
