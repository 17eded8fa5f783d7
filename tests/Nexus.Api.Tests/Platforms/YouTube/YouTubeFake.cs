using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Platforms;
using Nexus.Api.Platforms.YouTube;
using Nexus.Api.Tests.Infrastructure.Email;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Nexus.Api.Tests.Platforms.YouTube;

/// <summary>
/// A WireMock stand-in for Google OAuth and the YouTube Data API (PLATFORMS.md §6) and the YouTube registration wired
/// to it: no host, no database, a fixed clock, every log line captured.
/// </summary>
public sealed class YouTubeFake : IDisposable
{
    public const string AccessToken = "ya29.secret-access-token";
    public const string UploadPath = "/upload/youtube/v3/videos";

    // 12:00 UTC on 10 March 2026 is 05:00 PDT (daylight saving time began on 8 March).
    public static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

    public YouTubeFake(Dictionary<string, string?>? settings = null)
    {
        Server = WireMockServer.Start();
        var values = new Dictionary<string, string?>
        {
            ["Nexus:Platforms:YouTube:ClientId"] = "client-1.apps.googleusercontent.com",
            // The media this fake serves is on loopback.
            ["Nexus:Outbound:AllowPrivateAddresses"] = "true",
            ["Nexus:Platforms:YouTube:ClientSecret"] = "client-secret-1",
            ["Nexus:Platforms:YouTube:AuthorizeUrl"] = Server.Url + "/o/oauth2/v2/auth",
            ["Nexus:Platforms:YouTube:TokenBaseUrl"] = Server.Url,
            ["Nexus:Platforms:YouTube:RevokeUrl"] = Server.Url + "/revoke",
            ["Nexus:Platforms:YouTube:ApiBaseUrl"] = Server.Url,
            ["Nexus:Platforms:YouTube:AnalyticsBaseUrl"] = Server.Url,
            ["Nexus:Platforms:YouTube:UploadChunkSize"] = "262144",
            ["Nexus:Platforms:YouTube:ResumeDelay"] = "00:00:00.010",
            ["Nexus:Platforms:YouTube:MaxResumeAttempts"] = "2",
        };
        foreach (var (key, value) in settings ?? [])
        {
            values[key] = value;
        }

        var services = new ServiceCollection();
        services.AddLogging();
        Logs.AddTo(services);
        services.AddSingleton<TimeProvider>(new FixedClock(Now));
        services.AddPlatform<YouTubeDescriptor>(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        services.AddHttpClient<YouTubeMediaTransfer, YouTubeMediaTransfer>().AddHttpMessageHandler(() => new RangeHeader());
        Services = services.BuildServiceProvider();
    }

    public WireMockServer Server { get; }

    public ServiceProvider Services { get; }

    public CapturedLogs Logs { get; } = new();

    public Uri Session => new(Server.Url + UploadPath + "?uploadType=resumable&upload_id=session-secret-1");

    public IPlatformOAuthClient OAuth => Services.GetServices<IPlatformOAuthClient>().Single(c => c.Platform == PlatformId.YouTube);

    public IPlatformPublisher Publisher => Services.GetServices<IPlatformPublisher>().Single(p => p.Platform == PlatformId.YouTube);

    public IPlatformMetrics Metrics => Services.GetRequiredService<YouTubeMetrics>();

    public IReadOnlyList<IRequestMessage> Requests(string path, string? method = null) =>
        [.. Server.LogEntries.Select(e => e.RequestMessage!).Where(r => r.Path == path && (method is null || r.Method == method))];

    public IReadOnlyList<IRequestMessage> All => [.. Server.LogEntries.Select(e => e.RequestMessage!)];

    public void Json(string path, int status, JsonNode body, string method = "POST") =>
        Server.Given(Request.Create().WithPath(path).UsingMethod(method))
            .RespondWith(Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/json").WithBody(body.ToJsonString()));

    /// <summary>Serves <paramref name="bytes"/> as the post's video and returns its URL.</summary>
    public Uri Video(byte[] bytes)
    {
        Server.Given(Request.Create().WithPath("/media/video.mp4").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "video/mp4").WithBody(bytes));
        return new Uri(Server.Url + "/media/video.mp4");
    }

    /// <summary>The session-opening POST answers 200 with the session URI in Location.</summary>
    public void OpensSession() =>
        Server.Given(Request.Create().WithPath(UploadPath).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Location", Session.ToString()));

    /// <summary>A 308 "Resume Incomplete" saying bytes 0 to <paramref name="lastByte"/> arrived.</summary>
    public static IResponseBuilder Incomplete(long lastByte) => Response.Create().WithStatusCode(308).WithHeader("X-Range", $"bytes=0-{lastByte}");

    /// <summary><c>videos.list?part=statistics</c> as Google documents it: counts as strings, absent when hidden or off.</summary>
    public void VideoStatistics(params (string Id, JsonObject Statistics)[] videos) =>
        Json("/youtube/v3/videos", 200, new JsonObject
        {
            ["kind"] = "youtube#videoListResponse",
            ["etag"] = "etag-list",
            ["items"] = new JsonArray([.. videos.Select(v => (JsonNode)new JsonObject { ["kind"] = "youtube#video", ["etag"] = $"etag-{v.Id}", ["id"] = v.Id, ["statistics"] = v.Statistics })]),
            ["pageInfo"] = new JsonObject { ["totalResults"] = videos.Length, ["resultsPerPage"] = videos.Length },
        }, "GET");

    /// <summary>The Analytics API's result table for <c>dimensions=video</c>: column headers, then one row per video.</summary>
    public void WatchTime(params (string Id, long Minutes, long AverageSeconds)[] rows) =>
        Json("/v2/reports", 200, new JsonObject
        {
            ["kind"] = "youtubeAnalytics#resultTable",
            ["columnHeaders"] = new JsonArray(
                new JsonObject { ["name"] = "video", ["columnType"] = "DIMENSION", ["dataType"] = "STRING" },
                new JsonObject { ["name"] = "estimatedMinutesWatched", ["columnType"] = "METRIC", ["dataType"] = "INTEGER" },
                new JsonObject { ["name"] = "averageViewDuration", ["columnType"] = "METRIC", ["dataType"] = "INTEGER" }),
            ["rows"] = new JsonArray([.. rows.Select(r => (JsonNode)new JsonArray(r.Id, r.Minutes, r.AverageSeconds))]),
        }, "GET");

    public static JsonObject VideoResource(string id, string privacy = "public") =>
        new() { ["kind"] = "youtube#video", ["id"] = id, ["status"] = new JsonObject { ["uploadStatus"] = "uploaded", ["privacyStatus"] = privacy } };

    public static JsonObject ApiError(int code, string reason, string message) => new()
    {
        ["error"] = new JsonObject
        {
            ["code"] = code,
            ["message"] = message,
            ["errors"] = new JsonArray(new JsonObject { ["message"] = message, ["domain"] = "youtube.quota", ["reason"] = reason }),
        },
    };

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

/// <summary>
/// WireMock refuses to send a <c>Range</c> response header (it is on its list of restricted headers), yet Google's 308
/// answers carry one; the fake sends <c>X-Range</c> and this handler, in front of the transfer client, renames it.
/// </summary>
internal sealed class RangeHeader : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (response.Headers.TryGetValues("X-Range", out var values))
        {
            response.Headers.TryAddWithoutValidation("Range", values);
        }

        return response;
    }
}

/// <summary>A clock stopped at one instant; its timers are real, so resume delays still pass.</summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
