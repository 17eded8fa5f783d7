using Alba;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Nexus.Api.Tests.Infrastructure;

/// <summary>
/// The API in-process over its real HTTP pipeline (Alba / TestServer) on a database of its own.
/// Subclasses change settings for tests that need another configuration.
/// </summary>
public class ApiFixture : IAsyncLifetime
{
    // Every policy, read from the options so that a new one cannot be missed.
    private static readonly string[] RateLimitPolicies =
        [.. typeof(Nexus.Api.Infrastructure.RateLimitOptions).GetProperties().Where(p => p.PropertyType == typeof(Nexus.Api.Infrastructure.RateLimitPolicy)).Select(p => p.Name)];
    private static readonly string[] SandboxClients =
        [nameof(Nexus.Api.Platforms.Sandbox.SandboxOAuthClient), nameof(Nexus.Api.Platforms.Sandbox.SandboxPublisher), nameof(Nexus.Api.Platforms.Sandbox.SandboxWebhooks),
            nameof(Nexus.Api.Platforms.Sandbox.SandboxMetrics)];

    public IAlbaHost Host { get; private set; } = null!;

    public string ConnectionString { get; private set; } = null!;

    /// <summary>Where this fixture's local media store keeps files (Nexus:Media:LocalRoot).</summary>
    public string MediaRoot { get; } = Path.Combine(Path.GetTempPath(), "nexus-test-media", Guid.NewGuid().ToString("N"));

    protected virtual string Purpose => "api";

    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>();

    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    public async Task InitializeAsync()
    {
        ConnectionString = await TestDatabase.CreateDatabaseAsync(Purpose);
        Host = await StartHostAsync();
    }

    /// <summary>Stops the host and starts another on the same database, like a deploy or a crash would.</summary>
    public async Task<IAlbaHost> RestartAsync()
    {
        await Host.DisposeAsync();
        Host = await StartHostAsync();
        return Host;
    }

    /// <summary>A second node on the same database, with the same settings (the caller disposes it).</summary>
    public Task<IAlbaHost> StartAnotherHostAsync() => StartHostAsync();

    /// <summary>Stops this fixture's node for good and makes <paramref name="successor"/> (another node) the fixture's host.</summary>
    public async Task HandOverAsync(IAlbaHost successor)
    {
        await Host.DisposeAsync();
        Host = successor;
    }

    private Task<IAlbaHost> StartHostAsync() =>
        AlbaHost.For<Program>(web =>
        {
            web.UseEnvironment("Testing");
            web.UseSetting("NEXUS_DB", ConnectionString);
            // Every test calls from one address and signs up far more often than a person would.
            foreach (var policy in RateLimitPolicies)
            {
                web.UseSetting($"Nexus:RateLimits:{policy}:PermitLimit", "100000");
            }

            // The sandbox platform is served by this very host; its clients reach it in-process.
            web.UseSetting("Nexus:PublicUrl", "http://localhost");
            web.UseSetting("Nexus:Platforms:Sandbox:BaseUrl", "http://localhost");
            // Each fixture's library files in a directory of its own, removed with its database.
            web.UseSetting("Nexus:Media:LocalRoot", MediaRoot);
            // Tests make more members, connections and posts than the free plan allows; those about plans subscribe
            // their workspace to the plan they test (WorkspaceSubscriptionChanged), so a workspace without one is unlimited here.
            web.UseSetting("Nexus:Billing:FreePlan", "enterprise");
            foreach (var (key, value) in Settings)
            {
                web.UseSetting(key, value);
            }

            web.ConfigureServices(services =>
            {
                // Wolverine's transports stay as in production. There is no message broker to stub: the only transport
                // beyond the local queues is the per-node control queue in PostgreSQL (dbcontrol://<node>), through which
                // the leader tells another node to start or stop an agent. DisableAllExternalWolverineTransports stubbed
                // that too (a sender that drops everything, no listener), so on two test hosts every agent the leader
                // moved to the joining node was stopped on the first and never started anywhere.
                foreach (var client in SandboxClients)
                {
                    services.AddHttpClient(client).ConfigurePrimaryHttpMessageHandler(sp => new StartedServerHandler(sp));
                }

                ConfigureServices(services);
            });
        });

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await TestDatabase.DropDatabaseAsync(ConnectionString);
        if (Directory.Exists(MediaRoot))
        {
            Directory.Delete(MediaRoot, recursive: true);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiFixture>
{
    public const string Name = "api";
}

/// <summary>
/// Sends a platform client's requests to the in-process test server once it has started. A restarted host's
/// Wolverine starts before its server and may at once handle a message recovered from the inbox: the test server's
/// own handler cannot be made before the server starts (it throws), and the client factory keeps that failure for the
/// handler's whole lifetime, so every later call of that client failed too (RestartTests, under load).
/// </summary>
internal sealed class StartedServerHandler(IServiceProvider services) : HttpMessageHandler
{
    private HttpMessageInvoker? _server;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (_server is null)
        {
            var started = services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted;
            if (!started.IsCancellationRequested)
            {
                var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                await using (started.Register(() => up.TrySetResult()))
                {
                    await up.Task.WaitAsync(cancellationToken);
                }
            }

            Interlocked.CompareExchange(ref _server, new HttpMessageInvoker(((TestServer)services.GetRequiredService<IServer>()).CreateHandler()), null);
        }

        return await _server.SendAsync(request, cancellationToken);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _server?.Dispose();
        }

        base.Dispose(disposing);
    }
}
