using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Infrastructure.Outbound;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Nexus.Api.Tests.Infrastructure.Outbound;

/// <summary>
/// The outbound guard against a local WireMock and a scripted socket. Every refusal here happens before a connection
/// is attempted, so the non-loopback addresses named below are never contacted.
/// </summary>
public sealed class OutboundHttpTests : IDisposable
{
    private readonly WireMockServer _server = WireMockServer.Start();

    public void Dispose()
    {
        _server.Stop();
        _server.Dispose();
    }

    private string Loopback(string path) => $"http://127.0.0.1:{_server.Ports[0]}{path}";

    [Fact]
    public async Task a_loopback_address_is_refused_before_anything_is_sent()
    {
        Serve("/secret", "internal");
        var http = Guard();

        var refused = await Assert.ThrowsAsync<OutboundException>(() => http.GetAsync(new Uri(Loopback("/secret")), null, CancellationToken.None));

        Assert.Equal(OutboundFailure.ForbiddenAddress, refused.Failure);
        Assert.Contains("loopback", refused.Message, StringComparison.Ordinal);
        Assert.Empty(_server.LogEntries);
    }

    [Fact]
    public async Task localhost_by_name_is_refused()
    {
        Serve("/secret", "internal");

        var refused = await Assert.ThrowsAsync<OutboundException>(() => Guard().GetAsync(new Uri($"http://localhost:{_server.Ports[0]}/secret"), null, CancellationToken.None));

        Assert.Equal(OutboundFailure.ForbiddenAddress, refused.Failure);
        Assert.Empty(_server.LogEntries);
    }

    [Fact]
    public async Task a_public_looking_name_that_resolves_to_loopback_is_refused()
    {
        Serve("/secret", "internal");
        var resolver = new FixedResolver(IPAddress.Loopback);

        var refused = await Assert.ThrowsAsync<OutboundException>(() =>
            Guard(resolver: resolver).GetAsync(new Uri($"http://media.example.com:{_server.Ports[0]}/secret"), null, CancellationToken.None));

        Assert.Equal(OutboundFailure.ForbiddenAddress, refused.Failure);
        Assert.Equal(["media.example.com"], resolver.Asked);
        Assert.Empty(_server.LogEntries);
    }

    [Fact]
    public async Task a_name_with_any_forbidden_address_is_refused_even_beside_a_public_one()
    {
        var resolver = new FixedResolver(IPAddress.Parse("93.184.215.14"), IPAddress.Parse("10.1.2.3"));

        var refused = await Assert.ThrowsAsync<OutboundException>(() => Guard(resolver: resolver).GetAsync(new Uri("http://mixed.example.com/a.jpg"), null, CancellationToken.None));

        Assert.Equal(OutboundFailure.ForbiddenAddress, refused.Failure);
        Assert.Contains("private-network", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/iam/security-credentials/")]
    [InlineData("http://[fd00:ec2::254]/latest/meta-data/")]
    [InlineData("http://10.0.0.1/")]
    [InlineData("http://172.16.5.4/")]
    [InlineData("http://192.168.1.1/")]
    [InlineData("http://100.64.0.1/")]
    [InlineData("http://[fe80::1]/")]
    [InlineData("http://[::1]/")]
    [InlineData("http://[::ffff:127.0.0.1]/")]
    [InlineData("http://[::ffff:169.254.169.254]/")]
    [InlineData("http://[64:ff9b::a00:1]/")]
    [InlineData("http://0.0.0.0/")]
    [InlineData("http://2130706433/")]
    [InlineData("http://224.0.0.1/")]
    [InlineData("http://192.0.2.10/")]
    public async Task non_public_addresses_are_refused_without_a_connection(string url)
    {
        var refused = await Assert.ThrowsAsync<OutboundException>(() => Guard().GetAsync(new Uri(url), null, CancellationToken.None));

        Assert.Equal(OutboundFailure.ForbiddenAddress, refused.Failure);
    }

    [Theory]
    [InlineData("8.8.8.8", AddressScope.Public)]
    [InlineData("93.184.215.14", AddressScope.Public)]
    [InlineData("2606:4700:4700::1111", AddressScope.Public)]
    [InlineData("127.0.0.1", AddressScope.Loopback)]
    [InlineData("127.255.255.254", AddressScope.Loopback)]
    [InlineData("::1", AddressScope.Loopback)]
    [InlineData("10.255.0.1", AddressScope.Private)]
    [InlineData("172.31.255.255", AddressScope.Private)]
    [InlineData("172.32.0.1", AddressScope.Public)]
    [InlineData("192.168.0.1", AddressScope.Private)]
    [InlineData("169.254.169.254", AddressScope.LinkLocal)]
    [InlineData("fe80::1", AddressScope.LinkLocal)]
    [InlineData("100.64.0.1", AddressScope.SharedAddressSpace)]
    [InlineData("100.128.0.1", AddressScope.Public)]
    [InlineData("fc00::1", AddressScope.UniqueLocal)]
    [InlineData("fd12:3456::1", AddressScope.UniqueLocal)]
    [InlineData("::ffff:10.0.0.1", AddressScope.Private)]
    [InlineData("::ffff:8.8.8.8", AddressScope.Public)]
    [InlineData("64:ff9b::7f00:1", AddressScope.Loopback)]
    [InlineData("64:ff9b::808:808", AddressScope.Public)]
    [InlineData("2002:c0a8:0101::1", AddressScope.Private)]
    [InlineData("::127.0.0.1", AddressScope.Reserved)]
    [InlineData("2001:db8::1", AddressScope.Documentation)]
    [InlineData("2001::1", AddressScope.Reserved)]
    [InlineData("198.18.0.1", AddressScope.Benchmarking)]
    [InlineData("203.0.113.7", AddressScope.Documentation)]
    [InlineData("0.0.0.0", AddressScope.Unspecified)]
    [InlineData("0.1.2.3", AddressScope.Unspecified)]
    [InlineData("::", AddressScope.Unspecified)]
    [InlineData("224.0.0.251", AddressScope.Multicast)]
    [InlineData("ff02::1", AddressScope.Multicast)]
    [InlineData("255.255.255.255", AddressScope.Broadcast)]
    [InlineData("240.0.0.1", AddressScope.Reserved)]
    public void addresses_are_classified_by_the_special_purpose_registries(string address, AddressScope scope) =>
        Assert.Equal(scope, OutboundAddresses.Classify(IPAddress.Parse(address)));

    [Fact]
    public async Task with_private_addresses_allowed_loopback_is_fetched_but_multicast_still_refused()
    {
        Serve("/a.jpg", "JPEG");
        var http = Guard(new() { ["Nexus:Outbound:AllowPrivateAddresses"] = "true" });

        using var response = await http.GetAsync(new Uri(Loopback("/a.jpg")), null, CancellationToken.None);
        Assert.Equal("JPEG", await response.Content.ReadAsStringAsync());

        var refused = await Assert.ThrowsAsync<OutboundException>(() => http.GetAsync(new Uri("http://224.0.0.1/"), null, CancellationToken.None));
        Assert.Equal(OutboundFailure.ForbiddenAddress, refused.Failure);
    }

    [Fact]
    public async Task a_redirect_to_a_refused_address_is_refused_on_that_hop()
    {
        using var inside = WireMockServer.Start();
        inside.Given(Request.Create().WithPath("/secret").UsingGet()).RespondWith(Response.Create().WithBody("internal"));
        _server.Given(Request.Create().WithPath("/start").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(302).WithHeader("Location", $"http://127.0.0.1:{inside.Ports[0]}/secret"));
        // Public addresses cannot be used here: the policy stands in, allowing only the first server's port.
        var policy = new OnePortPolicy(_server.Ports[0]);

        var refused = await Assert.ThrowsAsync<OutboundException>(() => Guard(policy: policy).GetAsync(new Uri(Loopback("/start")), null, CancellationToken.None));

        Assert.Equal(OutboundFailure.ForbiddenAddress, refused.Failure);
        Assert.Single(_server.LogEntries);
        Assert.Empty(inside.LogEntries);
        Assert.Contains(new IPEndPoint(IPAddress.Loopback, inside.Ports[0]), policy.Asked);
    }

    [Fact]
    public async Task redirects_are_followed_up_to_the_limit_and_no_further()
    {
        for (var hop = 1; hop <= 3; hop++)
        {
            _server.Given(Request.Create().WithPath($"/r{hop}").UsingGet()).RespondWith(Response.Create().WithStatusCode(302).WithHeader("Location", $"/r{hop + 1}"));
        }

        Serve("/r4", "end");
        var http = Guard(new() { ["Nexus:Outbound:AllowPrivateAddresses"] = "true", ["Nexus:Outbound:MaxRedirects"] = "2" });

        using (var two = await http.GetAsync(new Uri(Loopback("/r2")), null, CancellationToken.None))
        {
            Assert.Equal("end", await two.Content.ReadAsStringAsync());
        }

        var refused = await Assert.ThrowsAsync<OutboundException>(() => http.GetAsync(new Uri(Loopback("/r1")), null, CancellationToken.None));
        Assert.Equal(OutboundFailure.TooManyRedirects, refused.Failure);
        Assert.Empty(_server.LogEntries.Where(e => e.RequestMessage!.Path == "/r4").Skip(1));
    }

    [Theory]
    [InlineData("file:///etc/passwd")]
    [InlineData("gopher://127.0.0.1:6379/_INFO")]
    public async Task redirects_to_other_schemes_are_refused(string location)
    {
        _server.Given(Request.Create().WithPath("/start").UsingGet()).RespondWith(Response.Create().WithStatusCode(302).WithHeader("Location", location));
        var http = Guard(new() { ["Nexus:Outbound:AllowPrivateAddresses"] = "true" });

        var refused = await Assert.ThrowsAsync<OutboundException>(() => http.GetAsync(new Uri(Loopback("/start")), null, CancellationToken.None));

        Assert.Equal(OutboundFailure.ForbiddenScheme, refused.Failure);
    }

    [Fact]
    public async Task a_body_without_a_length_stops_at_the_cap_while_it_streams()
    {
        // 20 chunks of 1000 bytes, no Content-Length.
        await using var origin = await ScriptedOrigin.StartAsync(async stream =>
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nTransfer-Encoding: chunked\r\n\r\n"));
            for (var chunk = 0; chunk < 20; chunk++)
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"3e8\r\n{new string('x', 1000)}\r\n"));
            }

            await stream.WriteAsync(Encoding.ASCII.GetBytes("0\r\n\r\n"));
        });
        var http = Guard(new() { ["Nexus:Outbound:AllowPrivateAddresses"] = "true", ["Nexus:Outbound:MaxResponseBytes"] = "100000" });

        using var response = await http.GetAsync(origin.Url, new OutboundLimits(MaxBytes: 2500), CancellationToken.None);
        Assert.Null(response.Content.Headers.ContentLength);
        await using var body = await response.Content.ReadAsStreamAsync();
        var refused = await Assert.ThrowsAsync<OutboundException>(() => body.CopyToAsync(Stream.Null));

        Assert.Equal(OutboundFailure.TooLarge, refused.Failure);
        Assert.Contains("2500 bytes", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_declared_length_over_the_cap_is_refused_before_the_body_is_read()
    {
        await using var origin = await ScriptedOrigin.StartAsync(async stream =>
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n{new string('x', 5000)}")));
        var http = Guard(new() { ["Nexus:Outbound:AllowPrivateAddresses"] = "true", ["Nexus:Outbound:MaxResponseBytes"] = "1000" });

        var refused = await Assert.ThrowsAsync<OutboundException>(() => http.GetAsync(origin.Url, null, CancellationToken.None));

        Assert.Equal(OutboundFailure.TooLarge, refused.Failure);
    }

    [Fact]
    public async Task a_body_that_stalls_is_stopped_by_the_overall_timeout()
    {
        var release = new TaskCompletionSource();
        await using var origin = await ScriptedOrigin.StartAsync(async stream =>
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"));
            await release.Task.WaitAsync(TimeSpan.FromSeconds(30));
        });
        var http = Guard(new() { ["Nexus:Outbound:AllowPrivateAddresses"] = "true", ["Nexus:Outbound:Timeout"] = "00:00:00.500" });

        using var response = await http.GetAsync(origin.Url, null, CancellationToken.None);
        await using var body = await response.Content.ReadAsStreamAsync();
        var started = DateTimeOffset.UtcNow;
        var refused = await Assert.ThrowsAsync<OutboundException>(() => body.CopyToAsync(Stream.Null));
        release.SetResult();

        Assert.Equal(OutboundFailure.TimedOut, refused.Failure);
        Assert.False(refused.IsPermanent);
        Assert.True(DateTimeOffset.UtcNow - started < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task headers_that_never_come_are_stopped_by_the_overall_timeout()
    {
        var release = new TaskCompletionSource();
        await using var origin = await ScriptedOrigin.StartAsync(stream => release.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        var http = Guard(new() { ["Nexus:Outbound:AllowPrivateAddresses"] = "true" });

        var refused = await Assert.ThrowsAsync<OutboundException>(() => http.GetAsync(origin.Url, new OutboundLimits(Timeout: TimeSpan.FromMilliseconds(500)), CancellationToken.None));
        release.SetResult();

        Assert.Equal(OutboundFailure.TimedOut, refused.Failure);
    }

    private void Serve(string path, string body) =>
        _server.Given(Request.Create().WithPath(path).UsingGet()).RespondWith(Response.Create().WithHeader("Content-Type", "image/jpeg").WithBody(body));

    private static OutboundHttp Guard(Dictionary<string, string?>? settings = null, IOutboundAddressPolicy? policy = null, IOutboundResolver? resolver = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        if (policy is not null)
        {
            services.AddSingleton(policy);
        }

        if (resolver is not null)
        {
            services.AddSingleton(resolver);
        }

        services.AddOutboundHttp(new ConfigurationBuilder().AddInMemoryCollection(settings ?? []).Build());
        return services.BuildServiceProvider().GetRequiredService<OutboundHttp>();
    }

    /// <summary>Allows 127.0.0.1 on one port only, recording every endpoint it is asked about.</summary>
    private sealed class OnePortPolicy(int port) : IOutboundAddressPolicy
    {
        public List<IPEndPoint> Asked { get; } = [];

        public bool Allows(IPEndPoint endpoint)
        {
            lock (Asked)
            {
                Asked.Add(endpoint);
            }

            return endpoint.Address.Equals(IPAddress.Loopback) && endpoint.Port == port;
        }
    }

    /// <summary>Resolves every name to the same addresses.</summary>
    private sealed class FixedResolver(params IPAddress[] addresses) : IOutboundResolver
    {
        public List<string> Asked { get; } = [];

        public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
        {
            Asked.Add(host);
            return Task.FromResult(addresses);
        }
    }

    /// <summary>A loopback HTTP origin that answers its first request with a script (chunked bodies, stalls).</summary>
    private sealed class ScriptedOrigin : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly Task _serving;

        private ScriptedOrigin(TcpListener listener, Func<NetworkStream, Task> script)
        {
            _listener = listener;
            _serving = ServeAsync(script);
        }

        public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/media");

        public static Task<ScriptedOrigin> StartAsync(Func<NetworkStream, Task> script)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return Task.FromResult(new ScriptedOrigin(listener, script));
        }

        private async Task ServeAsync(Func<NetworkStream, Task> script)
        {
            using var client = await _listener.AcceptTcpClientAsync();
            await using var stream = client.GetStream();
            var buffer = new byte[4096];
            var request = new StringBuilder();
            while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer);
                if (read == 0)
                {
                    return;
                }

                request.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            await script(stream);
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            try
            {
                await _serving.WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or TimeoutException or OperationCanceledException)
            {
                // The client gave up first (the point of the timeout tests).
            }
        }
    }
}
