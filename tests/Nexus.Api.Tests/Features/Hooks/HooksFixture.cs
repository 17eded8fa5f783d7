using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Infrastructure.Outbound;
using Nexus.Api.Tests.Features.Analytics.Sync;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Hooks;

/// <summary>
/// The API with a controlled clock, private addresses allowed (the receiver is on loopback), a 1 s attempt timeout, and
/// no background sweep: the tests sweep themselves, so nothing is sent behind their back.
/// </summary>
public sealed class HooksFixture : ApiFixture, IAsyncLifetime
{
    public ControlledClock Clock { get; } = new();

    public HookReceiver Receiver { get; private set; } = null!;

    protected override string Purpose => "hooks";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Nexus:Outbound:AllowPrivateAddresses"] = "true",
        ["Nexus:Hooks:Timeout"] = "00:00:01",
        ["Nexus:Hooks:SweepInterval"] = "1.00:00:00",
        ["Nexus:Platforms:Sandbox:AccessTokenLifetime"] = "400.00:00:00",
        ["Nexus:Analytics:SweepInterval"] = "1.00:00:00",
    };

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);

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

/// <summary>Names that resolve where a test says (a DNS answer that changes between two looks).</summary>
public sealed class FakeResolver : IOutboundResolver
{
    public ConcurrentDictionary<string, IPAddress[]> Names { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        Names.TryGetValue(host, out var addresses) ? Task.FromResult(addresses) : throw new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.HostNotFound);
}

/// <summary>Production's address policy (AllowPrivateAddresses off), with names resolved by <see cref="FakeResolver"/>.</summary>
public sealed class StrictHooksFixture : ApiFixture, IAsyncLifetime
{
    public FakeResolver Resolver { get; } = new();

    public HookReceiver Receiver { get; private set; } = null!;

    protected override string Purpose => "hooks_strict";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Nexus:Outbound:AllowPrivateAddresses"] = "false",
        ["Nexus:Hooks:SweepInterval"] = "1.00:00:00",
    };

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<IOutboundResolver>(Resolver);

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
