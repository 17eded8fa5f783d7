using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Platforms;
using Nexus.Api.Platforms.X;
using WireMock.Logging;
using WireMock.Server;

namespace Nexus.Api.Tests.Platforms.X;

/// <summary>A fake X (WireMock) and the X registration wired to it, with a clock fixed at <see cref="Now"/>.</summary>
internal sealed class XHarness : IDisposable
{
    public const string ClientId = "x-client-id";
    public const string ClientSecret = "x-client-secret";
    public const string AccessToken = "x-access-token-SECRET";

    public static readonly DateTimeOffset Now = new(2026, 11, 3, 10, 0, 0, TimeSpan.Zero);

    private readonly ServiceProvider _services;

    public XHarness(IDictionary<string, string?>? settings = null)
    {
        Server = WireMockServer.Start();
        var values = new Dictionary<string, string?>
        {
            ["Nexus:Platforms:X:ClientId"] = ClientId,
            ["Nexus:Platforms:X:ClientSecret"] = ClientSecret,
            ["Nexus:Platforms:X:AuthorizeUrl"] = $"{Server.Url}/i/oauth2/authorize",
            ["Nexus:Platforms:X:ApiBaseUrl"] = Server.Url,
            ["Nexus:Platforms:X:MediaSegmentBytes"] = "10",
            ["Nexus:Platforms:X:MaxStatusPolls"] = "3",
            ["Nexus:Platforms:X:StatusPollInterval"] = "00:00:00.010",
            ["Nexus:Platforms:X:MaxStatusPollInterval"] = "00:00:00.020",
            ["Nexus:Platforms:X:AttemptTimeout"] = "00:00:05",
            // The media this fake serves is on loopback.
            ["Nexus:Outbound:AllowPrivateAddresses"] = "true",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(Clock);
        services.AddPlatform<XDescriptor>(configuration);
        _services = services.BuildServiceProvider();
    }

    public WireMockServer Server { get; }

    public RecordingClock Clock { get; } = new(Now);

    public IPlatformOAuthClient OAuth => _services.GetServices<IPlatformOAuthClient>().Single(c => c.Platform == PlatformId.X);

    public IPlatformPublisher Publisher => _services.GetServices<IPlatformPublisher>().Single(p => p.Platform == PlatformId.X);

    public IPlatformMetrics Metrics => _services.GetRequiredService<XMetrics>();

    public IPlatformRules Rules => _services.GetServices<IPlatformRules>().Single(r => r.Platform == PlatformId.X);

    public Uri MediaUrl(string name) => new($"{Server.Url}/media/{name}");

    /// <summary>Requests the fake received, oldest first, optionally only those to <paramref name="path"/>.</summary>
    public IReadOnlyList<ILogEntry> Requests(string? path = null, string? method = null) =>
        [.. Server.LogEntries
            .Where(e => (path is null || e.RequestMessage!.Path == path) && (method is null || e.RequestMessage!.Method == method))
            .OrderBy(e => e.RequestMessage!.DateTime)];

    public void Dispose()
    {
        _services.Dispose();
        Server.Stop();
        Server.Dispose();
    }
}

/// <summary>A clock fixed at one instant whose timers are real, recording every delay asked of it.</summary>
internal sealed class RecordingClock(DateTimeOffset now) : TimeProvider
{
    public ConcurrentQueue<TimeSpan> Timers { get; } = new();

    public override DateTimeOffset GetUtcNow() => now;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        Timers.Enqueue(dueTime);
        return base.CreateTimer(callback, state, dueTime, period);
    }
}

internal static class RequestAssertions
{
    public static string Header(this ILogEntry entry, string name) =>
        entry.RequestMessage!.Headers is { } headers && headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)) is { Value: { } values }
            ? string.Join(", ", values)
            : throw new Xunit.Sdk.XunitException($"No {name} header on {entry.RequestMessage!.Method} {entry.RequestMessage!.Path}");

    public static bool HasHeader(this ILogEntry entry, string name) =>
        entry.RequestMessage!.Headers?.Keys.Any(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase)) == true;

    public static string BodyText(this ILogEntry entry) =>
        entry.RequestMessage!.Body ?? (entry.RequestMessage!.BodyAsBytes is { } bytes ? Encoding.UTF8.GetString(bytes) : "");

    public static JsonElement Json(this ILogEntry entry) => JsonDocument.Parse(entry.BodyText()).RootElement.Clone();

    public static Dictionary<string, string> Form(this ILogEntry entry) =>
        entry.BodyText().Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(p => Uri.UnescapeDataString(p[0].Replace('+', ' ')), p => Uri.UnescapeDataString(p[1].Replace('+', ' ')));

    /// <summary>The parts of a multipart/form-data body by name (text bodies only, which the fakes use).</summary>
    public static Dictionary<string, string> Multipart(this ILogEntry entry)
    {
        var contentType = entry.Header("Content-Type");
        var boundary = contentType.Split(';').Select(p => p.Trim()).Single(p => p.StartsWith("boundary=", StringComparison.Ordinal))["boundary=".Length..].Trim('"');
        var parts = new Dictionary<string, string>();
        foreach (var part in entry.BodyText().Split("--" + boundary).Skip(1))
        {
            if (part.StartsWith("--", StringComparison.Ordinal))
            {
                break;
            }

            var split = part.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            var headers = part[..split];
            var name = headers.Split("name=")[1].Split(';', '\r')[0].Trim('"');
            parts[name] = part[(split + 4)..^2];
        }

        return parts;
    }
}
