using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Platforms;
using Nexus.Api.Platforms.TikTok;
using Nexus.Api.Tests.Infrastructure.Email;
using WireMock;
using WireMock.Logging;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Nexus.Api.Tests.Platforms.TikTok;

/// <summary>
/// A WireMock stand-in for TikTok's Open API (PLATFORMS.md §5) and the TikTok registration wired to it: no host, no
/// database, a fixed clock, every log line captured.
/// </summary>
public sealed class TikTokFake : IDisposable
{
    public const string AccessToken = "act.secret-access-token";
    public static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

    public TikTokFake(Dictionary<string, string?>? settings = null)
    {
        Server = WireMockServer.Start();
        var values = new Dictionary<string, string?>
        {
            ["Nexus:Platforms:TikTok:ClientId"] = "client-key-1",
            // The media this fake serves is on loopback.
            ["Nexus:Outbound:AllowPrivateAddresses"] = "true",
            ["Nexus:Platforms:TikTok:ClientSecret"] = "client-secret-1",
            ["Nexus:Platforms:TikTok:AuthorizeUrl"] = Server.Url + "/v2/auth/authorize/",
            ["Nexus:Platforms:TikTok:ApiBaseUrl"] = Server.Url,
            ["Nexus:Platforms:TikTok:StatusPollInterval"] = "00:00:00.010",
            ["Nexus:Platforms:TikTok:MaxStatusPolls"] = "4",
            ["Nexus:Platforms:TikTok:ChunkSize"] = (5 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in settings ?? [])
        {
            values[key] = value;
        }

        var services = new ServiceCollection();
        services.AddLogging();
        Logs.AddTo(services);
        services.AddSingleton<TimeProvider>(new FixedClock(Now));
        services.AddPlatform<TikTokDescriptor>(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        Services = services.BuildServiceProvider();
    }

    public WireMockServer Server { get; }

    public ServiceProvider Services { get; }

    public CapturedLogs Logs { get; } = new();

    public IPlatformOAuthClient OAuth => Services.GetServices<IPlatformOAuthClient>().Single(c => c.Platform == PlatformId.TikTok);

    public IPlatformPublisher Publisher => Services.GetServices<IPlatformPublisher>().Single(p => p.Platform == PlatformId.TikTok);

    public IPlatformMetrics Metrics => Services.GetRequiredService<TikTokMetrics>();

    public IPlatformRules Rules => Services.GetServices<IPlatformRules>().Single(r => r.Platform == PlatformId.TikTok);

    public IReadOnlyList<IRequestMessage> Requests(string path) =>
        [.. Server.LogEntries.Select(e => e.RequestMessage!).Where(r => r.Path == path)];

    public IReadOnlyList<ILogEntry> All => [.. Server.LogEntries];

    public void Json(string path, int status, object body, string method = "POST") =>
        Server.Given(Request.Create().WithPath(path).UsingMethod(method))
            .RespondWith(Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/json").WithBody(JsonBody(body)));

    public void CreatorInfo(string[]? privacy = null, bool duetDisabled = false, int maxSeconds = 600) =>
        Json("/v2/post/publish/creator_info/query/", 200, new JsonObject
        {
            ["data"] = new JsonObject
            {
                ["creator_username"] = "creator",
                ["privacy_level_options"] = new JsonArray([.. (privacy ?? ["PUBLIC_TO_EVERYONE", "SELF_ONLY"]).Select(p => (JsonNode)p)]),
                ["comment_disabled"] = false,
                ["duet_disabled"] = duetDisabled,
                ["stitch_disabled"] = false,
                ["max_video_post_duration_sec"] = maxSeconds,
            },
            ["error"] = Ok(),
        });

    /// <summary>status/fetch answers <paramref name="statuses"/> in turn, the last one for ever after.</summary>
    public void Statuses(params JsonObject[] statuses)
    {
        for (var i = 0; i < statuses.Length; i++)
        {
            var request = Request.Create().WithPath("/v2/post/publish/status/fetch/").UsingPost();
            var response = Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json")
                .WithBody(JsonBody(new JsonObject { ["data"] = statuses[i], ["error"] = Ok() }));
            var given = Server.Given(request).InScenario("status");
            given = i == 0 ? given : given.WhenStateIs($"s{i}");
            (i < statuses.Length - 1 ? given.WillSetStateTo($"s{i + 1}") : given).RespondWith(response);
        }
    }

    /// <summary>
    /// <c>POST /v2/video/query/</c> as TikTok documents it: the requested videos it knows under <c>data.videos</c> with the
    /// fields asked for, a cursor, and <c>error.code</c> "ok".
    /// </summary>
    public void Videos(params (string Id, long Views, long Likes, long Comments, long Shares)[] videos) =>
        Json("/v2/video/query/", 200, new JsonObject
        {
            ["data"] = new JsonObject
            {
                ["videos"] = new JsonArray([.. videos.Select(v => (JsonNode)new JsonObject
                {
                    ["id"] = v.Id,
                    ["view_count"] = v.Views,
                    ["like_count"] = v.Likes,
                    ["comment_count"] = v.Comments,
                    ["share_count"] = v.Shares,
                })]),
                ["cursor"] = 0,
                ["has_more"] = false,
            },
            ["error"] = Ok(),
        });

    public static JsonObject Ok() => new() { ["code"] = "ok", ["message"] = "", ["log_id"] = "log-1" };

    public static JsonObject Error(string code, string message) => new() { ["code"] = code, ["message"] = message, ["log_id"] = "log-2" };

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

    private static string JsonBody(object body) => body is JsonNode node ? node.ToJsonString() : System.Text.Json.JsonSerializer.Serialize(body);
}

/// <summary>A clock stopped at one instant; its timers are real, so polling delays still pass.</summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
