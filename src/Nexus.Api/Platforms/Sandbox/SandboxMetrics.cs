using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.Options;

namespace Nexus.Api.Platforms.Sandbox;

/// <summary>
/// Reads the sandbox's metrics: posts in batches of <see cref="BatchSize"/> with one <c>POST /sandbox/api/insights/query</c>
/// (a query in a body, as TikTok's video query is), the audience with <c>GET /sandbox/api/accounts/{id}</c>.
/// </summary>
public sealed class SandboxMetrics(HttpClient http, IOptions<SandboxOptions> options, TimeProvider clock) : IPlatformMetrics
{
    public const int MaxBatch = 50;

    public PlatformId Platform => PlatformId.Sandbox;

    public int BatchSize => MaxBatch;

    public async Task<IReadOnlyDictionary<string, PostMetricsReading>> ReadPostsAsync(PlatformAccount account, string accessToken, IReadOnlyList<PublishedPostRef> posts,
        CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(options.Value.BaseUrl, "/sandbox/api/insights/query"))
        {
            Content = JsonContent.Create(new { ids = posts.Select(p => p.ExternalId) }),
        };
        var body = await SendAsync(request, accessToken, "Reading post metrics", cancellationToken);
        return body.GetProperty("data").EnumerateArray().ToDictionary(
            post => post.GetProperty("id").GetString()!,
            post => post.GetProperty("metrics").Deserialize<SandboxPostFigures>(SandboxFigures.Json)!.ToReading());
    }

    public async Task<AudienceReading> ReadAudienceAsync(PlatformAccount account, string accessToken, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(options.Value.BaseUrl, "/sandbox/api/accounts/" + Uri.EscapeDataString(account.ExternalId)));
        var body = await SendAsync(request, accessToken, "Reading the audience", cancellationToken);
        return new AudienceReading(Figure(body, "followers"), Figure(body, "following"), Figure(body, "posts"));
    }

    private static long? Figure(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : null;

    private async Task<JsonElement> SendAsync(HttpRequestMessage request, string accessToken, string step, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new("Bearer", accessToken);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (Exception ex) when (PlatformErrors.IsTransport(ex, cancellationToken))
        {
            // A read changes nothing at the platform: an unanswered one is simply transient.
            throw PlatformErrors.FromTransport(PlatformId.Sandbox, ex, step, mayHavePublished: false, "");
        }

        using (response)
        {
            await SandboxErrors.ThrowIfFailedAsync(response, clock, cancellationToken);
            return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        }
    }
}

/// <summary>One post's figures as the sandbox's API writes them (snake_case; null where the sandbox gives none).</summary>
public sealed record SandboxPostFigures(
    long? Impressions, long? Reach, long? Views, long? Likes, long? Comments, long? Shares, long? Saves, long? Clicks,
    long? VideoViews, double? WatchTimeSeconds, double? AverageViewSeconds)
{
    public PostMetricsReading ToReading() =>
        new(Impressions, Reach, Views, Likes, Comments, Shares, Saves, Clicks, VideoViews, WatchTimeSeconds, AverageViewSeconds);
}

/// <summary>
/// The sandbox's made-up but plausible figures, deterministic so tests can predict them: each post's and each
/// account's id is hashed into a few fixed numbers (its "quality" and size), and the figures are a function of those
/// and of the time elapsed at the sandbox's clock (the app's <see cref="TimeProvider"/>, which tests control).
/// </summary>
/// <remarks>
/// A post's figures grow along <c>1 − e^(−t / 18 h)</c>: about 5 % of their final value after an hour, three
/// quarters after a day, all but flat after a week, like real posts. They never shrink, and impressions ≥ reach ≥
/// likes + comments + shares + saves. As real platforms do, some figures are null rather than 0: views, video views,
/// watch time and average view duration exist only for video posts (a media URL ending in .mp4, .mov, .m4v or .webm),
/// clicks only for posts whose text has a link. An account gains a steady number of followers a day from its base
/// (its grant's creation time is read from the version 7 id in its account id); following is null for pages (pages
/// follow no one); posts is the number the sandbox holds for it.
/// </remarks>
public static class SandboxFigures
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private static readonly string[] VideoExtensions = [".mp4", ".mov", ".m4v", ".webm"];

    private static readonly TimeSpan GrowthTime = TimeSpan.FromHours(18);

    public static SandboxPostFigures Post(SandboxPost post, DateTimeOffset now)
    {
        var (quality, size, spread) = Seeds(post.Id);
        var q = 0.2 + (0.8 * quality);
        var elapsed = Math.Max(0, (now - post.CreatedAt).TotalHours);
        var growth = 1 - Math.Exp(-elapsed / GrowthTime.TotalHours);
        var impressions = (long)Math.Floor((300 + (size * 20_000 * q)) * growth);
        var reach = (long)Math.Floor(impressions * (0.5 + (0.35 * spread)));
        var engaged = reach * (0.01 + (0.08 * q));
        long Share(double part) => (long)Math.Floor(engaged * part);
        var hasLink = post.Text.Contains("http://", StringComparison.OrdinalIgnoreCase) || post.Text.Contains("https://", StringComparison.OrdinalIgnoreCase);
        var isVideo = post.Media.Any(IsVideo);
        long? views = isVideo ? (long)Math.Floor(impressions * 0.8) : null;
        double? averageView = isVideo ? Math.Round(3 + (25 * q), 1) : null;
        return new SandboxPostFigures(
            impressions, reach, views, Share(0.7), Share(0.12), Share(0.1), Share(0.08),
            hasLink ? (long)Math.Floor(reach * 0.02 * q) : null,
            views is { } v ? (long)Math.Floor(v * 0.55) : null,
            views is { } played && averageView is { } average ? Math.Round(played * average, 1) : null,
            averageView);
    }

    public static (long Followers, long? Following) Account(string accountId, DateTimeOffset now)
    {
        var (size, gain, following) = Seeds(accountId);
        var days = CreatedAt(accountId) is { } created ? Math.Max(0, (now - created).TotalDays) : 0;
        var followers = 50 + (long)Math.Floor(size * 5_000) + (long)Math.Floor((1 + (gain * 40)) * days);
        return (followers, accountId.StartsWith("sbx-page-", StringComparison.Ordinal) ? null : (long)Math.Floor(following * 500));
    }

    private static bool IsVideo(string url) =>
        VideoExtensions.Contains(Path.GetExtension(Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.AbsolutePath : url), StringComparer.OrdinalIgnoreCase);

    /// <summary>Three numbers in [0, 1) fixed by the id.</summary>
    private static (double, double, double) Seeds(string id)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(id));
        static double Unit(ReadOnlySpan<byte> bytes) => (BinaryPrimitives.ReadUInt64BigEndian(bytes) >> 11) / (double)(1UL << 53);
        return (Unit(hash.AsSpan(0, 8)), Unit(hash.AsSpan(8, 8)), Unit(hash.AsSpan(16, 8)));
    }

    /// <summary>The sandbox's account ids carry their grant's id, a version 7 GUID, whose first 48 bits are its Unix time in milliseconds.</summary>
    private static DateTimeOffset? CreatedAt(string accountId)
    {
        var hex = accountId.Split('-') is [_, _, var id, ..] ? id : "";
        return hex.Length == 32 && long.TryParse(hex[..12], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var milliseconds)
            ? DateTimeOffset.FromUnixTimeMilliseconds(milliseconds)
            : null;
    }
}

/// <summary>The sandbox's metrics API, authenticated like the rest of it: only the grant's own posts and accounts are answered.</summary>
internal static class SandboxMetricsApi
{
    private const string RateLimitMarker = "[sandbox:metrics-rate-limit]";
    private const string UnavailableMarker = "[sandbox:metrics-unavailable]";

    public static void Map(RouteGroupBuilder sandbox)
    {
        sandbox.MapPost("/api/insights/query", (Delegate)QueryAsync);
        sandbox.MapGet("/api/accounts/{id}", (Delegate)AccountAsync);
    }

    private sealed record Query(List<string>? Ids);

    private static async Task<IResult> QueryAsync(HttpContext http, IQuerySession session, TimeProvider clock, IOptions<SandboxOptions> options, Query query)
    {
        if (await SandboxServer.AuthenticateAsync(http, session, clock) is not { } grant)
        {
            return SandboxServer.Unauthorized();
        }

        if (query.Ids is not { Count: > 0 and <= SandboxMetrics.MaxBatch } ids)
        {
            return Results.Json(new { error = "invalid_request", message = $"Give 1 to {SandboxMetrics.MaxBatch} ids." }, statusCode: 400);
        }

        var posts = await session.LoadManyAsync<SandboxPost>(http.RequestAborted, ids.Distinct());
        var owned = posts.Where(p => p.AccountId.Contains(grant.Id.ToString("N"), StringComparison.Ordinal)).ToList();
        // Markers in a post's text make its metrics fail, as a publish marker makes its publication fail.
        if (owned.Any(p => p.Text.Contains(RateLimitMarker, StringComparison.Ordinal)))
        {
            http.Response.Headers.RetryAfter = ((int)options.Value.RateLimitReset.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            return Results.Json(new { error = "rate_limited", message = "Too many insight queries; wait for the reset." }, statusCode: 429);
        }

        if (owned.Any(p => p.Text.Contains(UnavailableMarker, StringComparison.Ordinal)))
        {
            return Results.Json(new { error = "internal_error", message = "Insights are unavailable right now; try again." }, statusCode: 503);
        }

        var now = clock.GetUtcNow();
        return Results.Json(new { data = owned.Select(p => new { id = p.Id, metrics = SandboxFigures.Post(p, now) }) }, SandboxFigures.Json);
    }

    private static async Task<IResult> AccountAsync(HttpContext http, IQuerySession session, TimeProvider clock, string id)
    {
        if (await SandboxServer.AuthenticateAsync(http, session, clock) is not { } grant)
        {
            return SandboxServer.Unauthorized();
        }

        if (!id.Contains(grant.Id.ToString("N"), StringComparison.Ordinal))
        {
            return Results.Json(new { error = "not_found", message = "No such account for this token." }, statusCode: 404);
        }

        var (followers, following) = SandboxFigures.Account(id, clock.GetUtcNow());
        var posts = await session.Query<SandboxPost>().CountAsync(p => p.AccountId == id, http.RequestAborted);
        return Results.Json(new { id, followers, following, posts });
    }
}
