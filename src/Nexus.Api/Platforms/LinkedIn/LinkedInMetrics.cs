using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Nexus.Api.Platforms.LinkedIn;

/// <summary>
/// LinkedIn's metrics through the versioned REST API (<c>LinkedIn-Version</c>, Rest.li 2.0), by account kind:
/// <list type="bullet">
/// <item>organizations (scope <c>r_organization_social</c>): <c>GET /rest/organizationalEntityShareStatistics?q=organizationalEntity&amp;organizationalEntity={org URN}&amp;shares=List(…)&amp;ugcPosts=List(…)</c>,
/// every post of the batch in one request; each element's <c>totalShareStatistics</c>: <c>impressionCount</c> →
/// Impressions, <c>uniqueImpressionsCount</c> → Reach, <c>clickCount</c> → Clicks, <c>likeCount</c> → Likes,
/// <c>commentCount</c> → Comments, <c>shareCount</c> → Shares;</item>
/// <item>members (scope <c>r_member_postAnalytics</c>): <c>GET /rest/memberCreatorPostAnalytics?q=entity&amp;entity=(share:…)|(ugc:…)&amp;queryType=…&amp;aggregation=TOTAL</c>,
/// one request per figure (<c>IMPRESSION</c> → Impressions, <c>MEMBERS_REACHED</c> → Reach, <c>REACTION</c> → Likes,
/// <c>COMMENT</c> → Comments, <c>RESHARE</c> → Shares); members get no clicks.</item>
/// </list>
/// No saves, views or watch time. Audience: organizations <c>GET /rest/networkSizes/{org URN}?edgeType=COMPANY_FOLLOWED_BY_MEMBER</c>
/// (<c>firstDegreeSize</c>); members <c>GET /rest/memberFollowersCount?q=me</c> (<c>memberFollowersCount</c>, scope
/// <c>r_member_profileAnalytics</c>).
/// </summary>
public sealed class LinkedInMetrics(HttpClient http, IOptions<LinkedInOptions> options, TimeProvider clock) : IPlatformMetrics
{
    /// <summary>The member figures, one request each, and where each goes.</summary>
    private static readonly string[] MemberQueryTypes = ["IMPRESSION", "MEMBERS_REACHED", "REACTION", "COMMENT", "RESHARE"];

    public PlatformId Platform => PlatformId.LinkedIn;

    /// <summary>An organization's posts are read 20 to a request (a URL LinkedIn accepts); a member's one by one, five requests each.</summary>
    public int BatchSize => 20;

    private LinkedInOptions Options => options.Value;

    public async Task<IReadOnlyDictionary<string, PostMetricsReading>> ReadPostsAsync(PlatformAccount account, string accessToken,
        IReadOnlyList<PublishedPostRef> posts, CancellationToken cancellationToken)
    {
        var readings = new Dictionary<string, PostMetricsReading>(StringComparer.Ordinal);
        if (posts.Count == 0)
        {
            return readings;
        }

        if (account.Kind == AccountKind.Organization)
        {
            foreach (var chunk in posts.Chunk(BatchSize))
            {
                await ReadOrganizationPostsAsync(LinkedInPublisher.AuthorUrn(account), chunk, accessToken, readings, cancellationToken);
            }
        }
        else
        {
            foreach (var post in posts)
            {
                if (await ReadMemberPostAsync(post.ExternalId, accessToken, cancellationToken) is { } reading)
                {
                    readings[post.ExternalId] = reading;
                }
            }
        }

        return readings;
    }

    public async Task<AudienceReading> ReadAudienceAsync(PlatformAccount account, string accessToken, CancellationToken cancellationToken)
    {
        if (account.Kind == AccountKind.Organization)
        {
            using var size = await GetAsync($"/rest/networkSizes/{Urn(LinkedInPublisher.AuthorUrn(account))}?edgeType=COMPANY_FOLLOWED_BY_MEMBER", accessToken, "read followers", cancellationToken);
            return new AudienceReading(MetricFigures.Count(size.RootElement, "firstDegreeSize"));
        }

        using var count = await GetAsync("/rest/memberFollowersCount?q=me", accessToken, "read followers", cancellationToken);
        return new AudienceReading(Elements(count.RootElement).Select(e => MetricFigures.Count(e, "memberFollowersCount")).FirstOrDefault(c => c.HasValue));
    }

    private async Task ReadOrganizationPostsAsync(string organization, IReadOnlyList<PublishedPostRef> posts, string accessToken,
        Dictionary<string, PostMetricsReading> readings, CancellationToken cancellationToken)
    {
        var shares = posts.Where(p => !IsUgcPost(p.ExternalId)).Select(p => Urn(p.ExternalId)).ToList();
        var ugcPosts = posts.Where(p => IsUgcPost(p.ExternalId)).Select(p => Urn(p.ExternalId)).ToList();
        var query = $"/rest/organizationalEntityShareStatistics?q=organizationalEntity&organizationalEntity={Urn(organization)}"
                    + (shares.Count > 0 ? $"&shares=List({string.Join(',', shares)})" : "")
                    + (ugcPosts.Count > 0 ? $"&ugcPosts=List({string.Join(',', ugcPosts)})" : "");
        using var document = await GetAsync(query, accessToken, "read post statistics", cancellationToken);
        var wanted = posts.Select(p => p.ExternalId).ToHashSet(StringComparer.Ordinal);
        foreach (var element in Elements(document.RootElement))
        {
            var post = PlatformErrors.Text(element, "share") ?? PlatformErrors.Text(element, "ugcPost");
            if (post is null || !wanted.Contains(post))
            {
                continue;
            }

            var total = PlatformErrors.Child(element, "totalShareStatistics");
            readings[post] = new PostMetricsReading(
                Impressions: MetricFigures.Count(total, "impressionCount"),
                Reach: MetricFigures.Count(total, "uniqueImpressionsCount"),
                Likes: MetricFigures.Count(total, "likeCount"),
                Comments: MetricFigures.Count(total, "commentCount"),
                Shares: MetricFigures.Count(total, "shareCount"),
                Clicks: MetricFigures.Count(total, "clickCount"));
        }
    }

    private async Task<PostMetricsReading?> ReadMemberPostAsync(string postUrn, string accessToken, CancellationToken cancellationToken)
    {
        var entity = IsUgcPost(postUrn) ? $"(ugc:{Urn(postUrn)})" : $"(share:{Urn(postUrn)})";
        var figures = new Dictionary<string, long?>(StringComparer.Ordinal);
        foreach (var queryType in MemberQueryTypes)
        {
            try
            {
                using var document = await GetAsync($"/rest/memberCreatorPostAnalytics?q=entity&entity={entity}&queryType={queryType}&aggregation=TOTAL",
                    accessToken, $"read post {queryType}", cancellationToken);
                figures[queryType] = Elements(document.RootElement).Select(e => MetricFigures.Count(e, "count")).FirstOrDefault(c => c.HasValue);
            }
            catch (PlatformException e) when (IsNotFound(e))
            {
                // The member deleted the post.
                return null;
            }
        }

        return new PostMetricsReading(
            Impressions: figures["IMPRESSION"],
            Reach: figures["MEMBERS_REACHED"],
            Likes: figures["REACTION"],
            Comments: figures["COMMENT"],
            Shares: figures["RESHARE"]);
    }

    // LinkedIn answers {"status":404,"code":"NOT_FOUND"}; without a body the message carries the status.
    private static bool IsNotFound(PlatformException e) =>
        e.Kind == PlatformFailureKind.Rejected && (e.PlatformCode == "NOT_FOUND" || (e.PlatformCode is null && e.Message.StartsWith("LinkedIn answered 404", StringComparison.Ordinal)));

    private static bool IsUgcPost(string urn) => urn.StartsWith("urn:li:ugcPost:", StringComparison.Ordinal);

    // Rest.li 2.0: a URN inside a query or path is percent-encoded (its colons too); List(…) and (key:value) stay literal.
    private static string Urn(string urn) => Uri.EscapeDataString(urn);

    private static JsonElement[] Elements(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("elements", out var elements) && elements.ValueKind == JsonValueKind.Array
            ? [.. elements.EnumerateArray()]
            : [];

    private async Task<JsonDocument> GetAsync(string pathAndQuery, string accessToken, string step, CancellationToken cancellationToken)
    {
        using var request = LinkedInHttp.Rest(HttpMethod.Get, Options.Api(pathAndQuery), accessToken, Options.ApiVersion);
        return await LinkedInHttp.SendForJsonAsync(http, request, clock, step, outcomeUnknown: false, cancellationToken);
    }
}
