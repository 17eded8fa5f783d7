using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Nexus.Api.Platforms;
using Nexus.Api.Platforms.Facebook;
using Nexus.Api.Tests.Infrastructure.Email;
using Nexus.Api.Tests.Platforms.Instagram;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Nexus.Api.Tests.Platforms.Facebook;

/// <summary>
/// The Graph API, rupload.facebook.com and a media host faked with WireMock from shared/PLATFORMS.md on one server,
/// and Nexus's Facebook registration pointed at them: no host, no database.
/// </summary>
public sealed class FacebookFake : IDisposable
{
    public const string AppId = "1234567890123456";
    public const string AppSecret = "fb-app-secret-77aa";
    public const string GraphVersion = "v24.0";
    public const string PageId = "1755847768034402";
    public const string PageToken = "EAAGpage-token";
    public const string UserToken = "EAAGuser-token";

    /// <summary>The priority of the default answers: a mapping a test adds with a lower number wins.</summary>
    public const int Fallback = 100;

    private readonly ServiceProvider _services;

    public FacebookFake(TimeSpan? attemptTimeout = null, bool allowPrivateAddresses = true)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Nexus:Platforms:Facebook:ClientId"] = AppId,
            // The media this fake serves is on loopback.
            ["Nexus:Outbound:AllowPrivateAddresses"] = allowPrivateAddresses ? "true" : "false",
            ["Nexus:Platforms:Facebook:ClientSecret"] = AppSecret,
            ["Nexus:Platforms:Facebook:ApiVersion"] = GraphVersion,
            ["Nexus:Platforms:Facebook:GraphBaseUrl"] = Server.Url,
            ["Nexus:Platforms:Facebook:RuploadBaseUrl"] = Server.Url,
            ["Nexus:Platforms:Facebook:AttemptTimeout"] = (attemptTimeout ?? TimeSpan.FromSeconds(10)).ToString(),
            ["Nexus:Platforms:Facebook:UploadTimeout"] = "00:00:10",
        }).Build();

        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace));
        Logs.AddTo(services);
        services.AddSingleton<TimeProvider>(Clock);
        services.AddPlatform<FacebookDescriptor>(configuration);
        _services = services.BuildServiceProvider();
    }

    public WireMockServer Server { get; } = WireMockServer.Start();

    public CapturedLogs Logs { get; } = new();

    public TestClock Clock { get; } = new(new DateTimeOffset(2026, 11, 2, 10, 0, 0, TimeSpan.Zero));

    public IPlatformOAuthClient OAuth => _services.GetServices<IPlatformOAuthClient>().Single(c => c.Platform == PlatformId.Facebook);

    public IPlatformPublisher Publisher => _services.GetServices<IPlatformPublisher>().Single(c => c.Platform == PlatformId.Facebook);

    public IPlatformMetrics Metrics => _services.GetRequiredService<FacebookMetrics>();

    public IPlatformRules Rules => _services.GetServices<IPlatformRules>().Single(c => c.Platform == PlatformId.Facebook);

    /// <summary>The Page as <c>GET /me/accounts</c> returns it, with its Page token.</summary>
    public static PlatformAccount Page => new(PageId, "Metricsaurus", null, null, AccountKind.Page, PageToken);

    public Uri MediaUrl(string name) => new($"{Server.Url}/media/{name}");

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

    public static IResponseBuilder GraphError(int status, int code, int? subcode, string message, string type = "OAuthException") =>
        Json(new { error = new { message, type, code, error_subcode = subcode, fbtrace_id = "AbCdEf123" } }, status);

    /// <summary>
    /// A Page post as Meta documents it: <c>GET /{post-id}?fields=shares,comments.summary(true).limit(0),reactions.summary(true).limit(0)</c>
    /// (no <c>shares</c> object when nobody shared it) and <c>GET /{post-id}/insights</c>, one lifetime value per metric.
    /// </summary>
    public void PostWithInsights(string postId, long? shares, long comments, long reactions, params (string Metric, double Value)[] insights)
    {
        object post = shares is { } count
            ? new { shares = new { count }, comments = Summary(comments), reactions = Summary(reactions), id = postId }
            : new { comments = Summary(comments), reactions = Summary(reactions), id = postId };
        Get($"/{GraphVersion}/{postId}").RespondWith(Json(post));
        Get($"/{GraphVersion}/{postId}/insights").RespondWith(Json(new
        {
            data = insights.Select(i => new { name = i.Metric, period = "lifetime", values = new[] { new { value = i.Value } }, title = i.Metric, description = i.Metric, id = $"{postId}/insights/{i.Metric}/lifetime" }).ToArray(),
            paging = new { previous = "https://graph.facebook.com/prev", next = "https://graph.facebook.com/next" },
        }));
    }

    private static object Summary(long total) => new { data = Array.Empty<object>(), summary = new { total_count = total } };

    public static PublishRequest Publication(string text, IReadOnlyList<MediaItem> media, params (string Key, string Value)[] options) =>
        new("target-1", text, media, options.ToDictionary(o => o.Key, o => o.Value));

    public static MediaItem Photo(string name) => new(new Uri($"https://cdn.example.com/{name}"), MediaKind.Image, MimeType: "image/jpeg");

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
