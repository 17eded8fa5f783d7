using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Nexus.Api.Platforms;
using Nexus.Api.Platforms.Instagram;
using Nexus.Api.Tests.Infrastructure.Email;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Nexus.Api.Tests.Platforms.Instagram;

/// <summary>
/// Instagram's APIs faked with WireMock from shared/PLATFORMS.md (api.instagram.com and graph.instagram.com on one
/// server), and Nexus's Instagram registration pointed at them: no host, no database.
/// </summary>
public sealed class InstagramFake : IDisposable
{
    public const string AppId = "990602627938098";
    public const string AppSecret = "ig-app-secret-5b1f";
    public const string GraphVersion = "v24.0";
    public const string IgUserId = "17841400000000001";

    private readonly ServiceProvider _services;

    public InstagramFake(TimeSpan? attemptTimeout = null, int maxStatusChecks = 3)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Nexus:Platforms:Instagram:ClientId"] = AppId,
            ["Nexus:Platforms:Instagram:ClientSecret"] = AppSecret,
            ["Nexus:Platforms:Instagram:ApiVersion"] = GraphVersion,
            ["Nexus:Platforms:Instagram:TokenBaseUrl"] = Server.Url,
            ["Nexus:Platforms:Instagram:GraphBaseUrl"] = Server.Url,
            ["Nexus:Platforms:Instagram:StatusPollInterval"] = "00:00:00.010",
            ["Nexus:Platforms:Instagram:MaxStatusChecks"] = maxStatusChecks.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Nexus:Platforms:Instagram:AttemptTimeout"] = (attemptTimeout ?? TimeSpan.FromSeconds(10)).ToString(),
        }).Build();

        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace));
        Logs.AddTo(services);
        services.AddSingleton<TimeProvider>(Clock);
        services.AddPlatform<InstagramDescriptor>(configuration);
        _services = services.BuildServiceProvider();
    }

    public WireMockServer Server { get; } = WireMockServer.Start();

    public CapturedLogs Logs { get; } = new();

    public TestClock Clock { get; } = new(new DateTimeOffset(2026, 11, 2, 10, 0, 0, TimeSpan.Zero));

    public IPlatformOAuthClient OAuth => _services.GetServices<IPlatformOAuthClient>().Single(c => c.Platform == PlatformId.Instagram);

    public IPlatformPublisher Publisher => _services.GetServices<IPlatformPublisher>().Single(c => c.Platform == PlatformId.Instagram);

    public IPlatformMetrics Metrics => _services.GetRequiredService<InstagramMetrics>();

    public IPlatformRules Rules => _services.GetServices<IPlatformRules>().Single(c => c.Platform == PlatformId.Instagram);

    public static PlatformAccount Account => new(IgUserId, "Nexus Demo", "nexus.demo", null, AccountKind.BusinessAccount);

    /// <summary>Every request the fake received, in order.</summary>
    public IReadOnlyList<IRequestMessage> Requests => [.. Server.LogEntries.Select(e => e.RequestMessage).OfType<IRequestMessage>().OrderBy(r => r.DateTime)];

    public IReadOnlyList<IRequestMessage> Calls(string method, string path) =>
        [.. Requests.Where(r => r.Method.Equals(method, StringComparison.OrdinalIgnoreCase) && r.Path == path)];

    public static Dictionary<string, string> Form(IRequestMessage request) =>
        QueryHelpers.ParseQuery(request.Body ?? "").ToDictionary(p => p.Key, p => p.Value.ToString());

    // From the raw query: WireMock's parsed Query splits values at commas.
    public static string? Query(IRequestMessage request, string name) =>
        QueryHelpers.ParseQuery(request.RawQuery ?? "").TryGetValue(name, out var values) ? values.ToString() : null;

    public static string? Header(IRequestMessage request, string name) =>
        request.Headers?.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).SelectMany(h => h.Value).FirstOrDefault();

    public IRespondWithAProvider Get(string path) => Server.Given(Request.Create().WithPath(path).UsingGet());

    public IRespondWithAProvider Post(string path) => Server.Given(Request.Create().WithPath(path).UsingPost());

    public static IResponseBuilder Json(object body, int status = 200) => Response.Create().WithStatusCode(status).WithBodyAsJson(body);

    /// <summary>A Graph error body as Meta sends it.</summary>
    public static IResponseBuilder GraphError(int status, int code, int? subcode, string message, string type = "OAuthException") =>
        Json(new { error = new { message, type, code, error_subcode = subcode, fbtrace_id = "AbCdEf123" } }, status);

    /// <summary>The priority of <see cref="HappyPublishing"/>'s answers: a mapping a test adds with a lower number wins.</summary>
    public const int Fallback = 100;

    /// <summary>The happy path of a publication: quota left, containers, FINISHED, published id, permalink, comment.</summary>
    public void HappyPublishing(string mediaId = "17900000000000009", long quotaUsage = 3)
    {
        Get($"/{GraphVersion}/{IgUserId}/content_publishing_limit")
            .AtPriority(Fallback).RespondWith(Json(new { data = new[] { new { quota_usage = quotaUsage, config = new { quota_total = 100, quota_duration = 86400 } } } }));
        Post($"/{GraphVersion}/{IgUserId}/media").AtPriority(Fallback).RespondWith(Json(new { id = "c-1" }));
        Get($"/{GraphVersion}/c-1").AtPriority(Fallback).RespondWith(Json(new { status_code = "FINISHED", status = "Finished: Media has been uploaded and it is ready to be published.", id = "c-1" }));
        Post($"/{GraphVersion}/{IgUserId}/media_publish").AtPriority(Fallback).RespondWith(Json(new { id = mediaId }));
        Get($"/{GraphVersion}/{mediaId}").AtPriority(Fallback).RespondWith(Json(new { permalink = "https://www.instagram.com/p/DAbc123/", id = mediaId }));
        Post($"/{GraphVersion}/{mediaId}/comments").AtPriority(Fallback).RespondWith(Json(new { id = "17800000000000077" }));
    }

    /// <summary>
    /// A media object and its insights as Meta documents them: <c>GET /{ig-media-id}?fields=media_product_type,like_count,comments_count</c>
    /// and <c>GET /{ig-media-id}/insights</c>, one entry per metric with a lifetime value.
    /// </summary>
    public void MediaWithInsights(string mediaId, string productType, long likeCount, long commentsCount, params (string Metric, double Value)[] insights)
    {
        Get($"/{GraphVersion}/{mediaId}").RespondWith(Json(new { media_product_type = productType, like_count = likeCount, comments_count = commentsCount, id = mediaId }));
        Get($"/{GraphVersion}/{mediaId}/insights").RespondWith(Json(InsightsBody(mediaId, insights)));
    }

    public static object InsightsBody(string objectId, params (string Metric, double Value)[] insights) => new
    {
        data = insights.Select(i => new
        {
            name = i.Metric,
            period = "lifetime",
            values = new[] { new { value = i.Value } },
            title = i.Metric,
            description = $"The {i.Metric} of the object.",
            id = $"{objectId}/insights/{i.Metric}/lifetime",
        }).ToArray(),
    };

    public static PublishRequest Publication(string text, IReadOnlyList<MediaItem> media, params (string Key, string Value)[] options) =>
        new("target-1", text, media, options.ToDictionary(o => o.Key, o => o.Value));

    public static MediaItem Image(string name = "photo.jpg", string? alt = null) =>
        new(new Uri($"https://cdn.example.com/{name}"), MediaKind.Image, MimeType: "image/jpeg", AltText: alt);

    public static MediaItem Video(string name = "clip.mp4") =>
        new(new Uri($"https://cdn.example.com/{name}"), MediaKind.Video, MimeType: "video/mp4", Duration: TimeSpan.FromSeconds(20));

    /// <summary>
    /// Pays WireMock's first-request cost (it can take a second or two) before a test that depends on a short
    /// attempt timeout, then forgets the request.
    /// </summary>
    public async Task WarmUpAsync()
    {
        using var client = new HttpClient();
        using var _ = await client.GetAsync(new Uri($"{Server.Url}/warm-up"));
        Server.ResetLogEntries();
    }

    /// <summary>
    /// Waits until <paramref name="path"/> got an answer and then as long again as a retry would take: WireMock logs a
    /// request only once it has answered it, which for a delayed answer is after the client gave up.
    /// </summary>
    public async Task<int> CountAfterDelayedAnswersAsync(string method, string path, TimeSpan answerDelay)
    {
        for (var i = 0; i < 200 && Calls(method, path).Count == 0; i++)
        {
            await Task.Delay(50);
        }

        await Task.Delay(answerDelay);
        return Calls(method, path).Count;
    }

    public void Dispose()
    {
        _services.Dispose();
        Server.Stop();
        Server.Dispose();
    }
}
