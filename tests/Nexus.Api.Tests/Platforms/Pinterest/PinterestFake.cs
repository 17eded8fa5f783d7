using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Platforms;
using Nexus.Api.Platforms.Pinterest;
using Nexus.Api.Tests.Infrastructure.Email;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Nexus.Api.Tests.Platforms.Pinterest;

/// <summary>
/// A WireMock stand-in for Pinterest API v5 and its media storage (PLATFORMS.md §7) and the Pinterest registration
/// wired to it: no host, no database, a fixed clock, every log line captured.
/// </summary>
public sealed class PinterestFake : IDisposable
{
    public const string AccessToken = "pina_secret-access-token";
    public static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

    public PinterestFake(Dictionary<string, string?>? settings = null)
    {
        Server = WireMockServer.Start();
        var values = new Dictionary<string, string?>
        {
            ["Nexus:Platforms:Pinterest:ClientId"] = "1234567",
            // The media this fake serves is on loopback.
            ["Nexus:Outbound:AllowPrivateAddresses"] = "true",
            ["Nexus:Platforms:Pinterest:ClientSecret"] = "client-secret-1",
            ["Nexus:Platforms:Pinterest:AuthorizeUrl"] = Server.Url + "/oauth/",
            ["Nexus:Platforms:Pinterest:ApiBaseUrl"] = Server.Url,
            ["Nexus:Platforms:Pinterest:SandboxApiBaseUrl"] = Server.Url + "/sandbox",
            ["Nexus:Platforms:Pinterest:MediaPollInterval"] = "00:00:00.010",
            ["Nexus:Platforms:Pinterest:MaxMediaPolls"] = "3",
        };
        foreach (var (key, value) in settings ?? [])
        {
            values[key] = value;
        }

        var services = new ServiceCollection();
        services.AddLogging();
        Logs.AddTo(services);
        services.AddSingleton<TimeProvider>(new FixedClock(Now));
        services.AddPlatform<PinterestDescriptor>(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        Services = services.BuildServiceProvider();
    }

    public WireMockServer Server { get; }

    public ServiceProvider Services { get; }

    public CapturedLogs Logs { get; } = new();

    public IPlatformOAuthClient OAuth => Services.GetServices<IPlatformOAuthClient>().Single(c => c.Platform == PlatformId.Pinterest);

    public IPlatformPublisher Publisher => Services.GetServices<IPlatformPublisher>().Single(p => p.Platform == PlatformId.Pinterest);

    public IPlatformMetrics Metrics => Services.GetRequiredService<PinterestMetrics>();

    public IReadOnlyList<IRequestMessage> Requests(string path, string? method = null) =>
        [.. Server.LogEntries.Select(e => e.RequestMessage!).Where(r => r.Path == path && (method is null || r.Method == method))];

    public IReadOnlyList<IRequestMessage> All => [.. Server.LogEntries.Select(e => e.RequestMessage!)];

    public void Json(string path, int status, JsonNode body, string method = "POST") =>
        Server.Given(Request.Create().WithPath(path).UsingMethod(method))
            .RespondWith(Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/json").WithBody(body.ToJsonString()));

    /// <summary>GET /v5/media/{id} answers <paramref name="statuses"/> in turn, the last one for ever after.</summary>
    public void MediaStatuses(string mediaId, params string[] statuses)
    {
        for (var i = 0; i < statuses.Length; i++)
        {
            var given = Server.Given(Request.Create().WithPath($"/v5/media/{mediaId}").UsingGet()).InScenario("media");
            given = i == 0 ? given : given.WhenStateIs($"s{i}");
            (i < statuses.Length - 1 ? given.WillSetStateTo($"s{i + 1}") : given).RespondWith(Response.Create().WithStatusCode(200)
                .WithHeader("Content-Type", "application/json")
                .WithBody(new JsonObject { ["media_id"] = mediaId, ["media_type"] = "video", ["status"] = statuses[i] }.ToJsonString()));
        }
    }

    /// <summary>
    /// <c>GET /v5/pins/{id}/analytics</c> as Pinterest documents it: per app type (<c>all</c>) the daily metrics, and the
    /// summary over the range that Nexus reads.
    /// </summary>
    public void PinAnalytics(string pinId, JsonObject summary) =>
        Json($"/v5/pins/{pinId}/analytics", 200, new JsonObject
        {
            ["all"] = new JsonObject
            {
                ["daily_metrics"] = new JsonArray(new JsonObject { ["data_status"] = "READY", ["date"] = "2026-03-09", ["metrics"] = summary.DeepClone() }),
                ["summary_metrics"] = summary,
            },
        }, "GET");

    public static JsonObject Error(int code, string message) => new() { ["code"] = code, ["message"] = message };

    public static JsonNode Body(IRequestMessage request) => JsonNode.Parse(request.Body!)!;

    public static string? Header(IRequestMessage request, string name) =>
        request.Headers?.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault();

    public static Dictionary<string, string> Form(IRequestMessage request) =>
        request.Body!.Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => Uri.UnescapeDataString(p[0]), p => Uri.UnescapeDataString(p[1].Replace('+', ' ')));

    public void Dispose()
    {
        Services.Dispose();
        Server.Stop();
        Server.Dispose();
    }
}

/// <summary>A clock stopped at one instant; its timers are real, so polling delays still pass.</summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
