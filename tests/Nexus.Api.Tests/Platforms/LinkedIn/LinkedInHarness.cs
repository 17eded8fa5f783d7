using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Platforms;
using Nexus.Api.Platforms.LinkedIn;
using WireMock.Logging;
using WireMock.Server;

namespace Nexus.Api.Tests.Platforms.LinkedIn;

/// <summary>A fake LinkedIn (WireMock) and the LinkedIn registration wired to it, with a clock fixed at <see cref="Now"/>.</summary>
internal sealed class LinkedInHarness : IDisposable
{
    public const string ClientId = "li-client-id";
    public const string ClientSecret = "li-client-secret";
    public const string AccessToken = "li-access-token-SECRET";
    public const string Version = "202510";

    public static readonly DateTimeOffset Now = new(2026, 11, 3, 15, 30, 0, TimeSpan.Zero);

    private readonly ServiceProvider _services;

    public LinkedInHarness(IDictionary<string, string?>? settings = null)
    {
        Server = WireMockServer.Start();
        var values = new Dictionary<string, string?>
        {
            ["Nexus:Platforms:LinkedIn:ClientId"] = ClientId,
            ["Nexus:Platforms:LinkedIn:ClientSecret"] = ClientSecret,
            ["Nexus:Platforms:LinkedIn:AuthorizeUrl"] = $"{Server.Url}/oauth/v2/authorization",
            ["Nexus:Platforms:LinkedIn:OAuthBaseUrl"] = Server.Url,
            ["Nexus:Platforms:LinkedIn:ApiBaseUrl"] = Server.Url,
            ["Nexus:Platforms:LinkedIn:ApiVersion"] = Version,
            ["Nexus:Platforms:LinkedIn:AttemptTimeout"] = "00:00:05",
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
        services.AddSingleton<TimeProvider>(new FixedClock(Now));
        services.AddPlatform<LinkedInDescriptor>(configuration);
        _services = services.BuildServiceProvider();
    }

    public WireMockServer Server { get; }

    public IPlatformOAuthClient OAuth => _services.GetServices<IPlatformOAuthClient>().Single(c => c.Platform == PlatformId.LinkedIn);

    public IPlatformPublisher Publisher => _services.GetServices<IPlatformPublisher>().Single(p => p.Platform == PlatformId.LinkedIn);

    public IPlatformMetrics Metrics => _services.GetRequiredService<LinkedInMetrics>();

    public IPlatformRules Rules => _services.GetServices<IPlatformRules>().Single(r => r.Platform == PlatformId.LinkedIn);

    public Uri MediaUrl(string name) => new($"{Server.Url}/media/{name}");

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

/// <summary>A clock fixed at one instant; its timers are real.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}

internal static class LinkedInRequests
{
    public static string Header(this ILogEntry entry, string name) =>
        entry.RequestMessage!.Headers is { } headers && headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)) is { Value: { } values }
            ? string.Join(", ", values)
            : throw new Xunit.Sdk.XunitException($"No {name} header on {entry.RequestMessage.Method} {entry.RequestMessage.Path}");

    public static bool HasHeader(this ILogEntry entry, string name) =>
        entry.RequestMessage!.Headers?.Keys.Any(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase)) == true;

    public static string BodyText(this ILogEntry entry) =>
        entry.RequestMessage!.Body ?? (entry.RequestMessage.BodyAsBytes is { } bytes ? Encoding.UTF8.GetString(bytes) : "");

    public static JsonElement Json(this ILogEntry entry) => JsonDocument.Parse(entry.BodyText()).RootElement.Clone();

    public static Dictionary<string, string> Form(this ILogEntry entry) =>
        entry.BodyText().Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(p => Uri.UnescapeDataString(p[0].Replace('+', ' ')), p => Uri.UnescapeDataString(p[1].Replace('+', ' ')));

    /// <summary>Asserts the headers every call to LinkedIn's versioned REST API must carry.</summary>
    public static void AssertRestHeaders(this ILogEntry entry)
    {
        Assert.Equal($"Bearer {LinkedInHarness.AccessToken}", entry.Header("Authorization"));
        Assert.Equal(LinkedInHarness.Version, entry.Header("LinkedIn-Version"));
        Assert.Equal("2.0.0", entry.Header("X-Restli-Protocol-Version"));
    }
}
