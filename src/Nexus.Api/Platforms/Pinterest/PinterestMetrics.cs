using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Nexus.Api.Platforms.Pinterest;

/// <summary>
/// Pinterest's metrics (scopes <c>pins:read</c>, <c>user_accounts:read</c>), one Pin a request:
/// <c>GET /v5/pins/{pin_id}/analytics?start_date&amp;end_date&amp;metric_types=IMPRESSION,SAVE,PIN_CLICK,OUTBOUND_CLICK,VIDEO_MRC_VIEW,VIDEO_AVG_WATCH_TIME</c>
/// from the Pin's publication day (at most 90 days back, Pinterest's limit) to today, read from
/// <c>all.summary_metrics</c>. Mapping: <c>IMPRESSION</c> → Impressions, <c>SAVE</c> → Saves, <c>PIN_CLICK</c> +
/// <c>OUTBOUND_CLICK</c> → Clicks, <c>VIDEO_MRC_VIEW</c> → VideoViews, <c>VIDEO_AVG_WATCH_TIME</c> (milliseconds) →
/// AverageViewSeconds. No reach, likes, comments, shares or total watch time. A Pin that answers 404 is deleted and
/// left out. Audience: <c>GET /v5/user_account</c> (<c>follower_count</c>, <c>following_count</c>, <c>pin_count</c>).
/// </summary>
public sealed class PinterestMetrics(HttpClient http, IOptions<PinterestOptions> options, TimeProvider clock) : IPlatformMetrics
{
    /// <summary>How far back Pinterest's Pin analytics reach.</summary>
    public const int MaxDays = 90;

    private const string MetricTypes = "IMPRESSION,SAVE,PIN_CLICK,OUTBOUND_CLICK,VIDEO_MRC_VIEW,VIDEO_AVG_WATCH_TIME";

    public PlatformId Platform => PlatformId.Pinterest;

    public int BatchSize => 1;

    public async Task<IReadOnlyDictionary<string, PostMetricsReading>> ReadPostsAsync(PlatformAccount account, string accessToken,
        IReadOnlyList<PublishedPostRef> posts, CancellationToken cancellationToken)
    {
        var readings = new Dictionary<string, PostMetricsReading>(StringComparer.Ordinal);
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var earliest = today.AddDays(-(MaxDays - 1));
        foreach (var post in posts)
        {
            var published = DateOnly.FromDateTime(post.PublishedAt.UtcDateTime);
            var start = published < earliest ? earliest : published > today ? today : published;
            var uri = options.Value.Api($"/v5/pins/{Uri.EscapeDataString(post.ExternalId)}/analytics?start_date={Day(start)}&end_date={Day(today)}&metric_types={MetricTypes}");
            var gone = false;
            JsonNode answer;
            try
            {
                answer = await PinterestApi.SendAsync(http, PinterestApi.Json(HttpMethod.Get, uri, accessToken), clock, "read Pin analytics", mayHavePublished: false,
                    cancellationToken, (response, body) =>
                    {
                        gone = response.StatusCode == HttpStatusCode.NotFound;
                        return PinterestErrors.FromResponse(response, body, clock.GetUtcNow());
                    });
            }
            catch (PlatformException) when (gone)
            {
                continue;
            }

            var summary = answer["all"]?["summary_metrics"];
            readings[post.ExternalId] = new PostMetricsReading(
                Impressions: MetricFigures.Count(summary?["IMPRESSION"]),
                Saves: MetricFigures.Count(summary?["SAVE"]),
                Clicks: MetricFigures.Sum(MetricFigures.Count(summary?["PIN_CLICK"]), MetricFigures.Count(summary?["OUTBOUND_CLICK"])),
                VideoViews: MetricFigures.Count(summary?["VIDEO_MRC_VIEW"]),
                AverageViewSeconds: MetricFigures.Real(summary?["VIDEO_AVG_WATCH_TIME"]) / 1000d);
        }

        return readings;
    }

    public async Task<AudienceReading> ReadAudienceAsync(PlatformAccount account, string accessToken, CancellationToken cancellationToken)
    {
        var user = await PinterestApi.SendAsync(http, PinterestApi.Json(HttpMethod.Get, options.Value.Api("/v5/user_account"), accessToken), clock,
            "read user account", mayHavePublished: false, cancellationToken);
        return new AudienceReading(MetricFigures.Count(user["follower_count"]), MetricFigures.Count(user["following_count"]), MetricFigures.Count(user["pin_count"]));
    }

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
