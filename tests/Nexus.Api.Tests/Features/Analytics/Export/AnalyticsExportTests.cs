using System.Net;
using System.Net.Http.Headers;
using Nexus.Api.Features.Analytics.Export;
using Nexus.Api.Tests.Features.Analytics.Reading;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Posts;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Analytics.Export;

[Collection(ApiCollection.Name)]
public sealed class AnalyticsExportTests(ApiFixture api)
{
    private static readonly DateTimeOffset From = new(2027, 6, 1, 0, 0, 0, TimeSpan.Zero);

    private async Task<(HttpStatusCode Status, HttpResponseMessage Response, string Body)> GetAsync(string? token, string query)
    {
        using var client = api.Host.Server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, AnalyticsExport.Path + query);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        var response = await client.SendAsync(request);
        return (response.StatusCode, response, await response.Content.ReadAsStringAsync());
    }

    private static string Query(string workspace, string from = "2027-06-01T00:00:00Z", string to = "2027-06-08T00:00:00Z", string? platforms = null) =>
        $"?workspaceId={Uri.EscapeDataString(workspace)}&from={Uri.EscapeDataString(from)}&to={Uri.EscapeDataString(to)}" +
        (platforms is null ? "" : "&platforms=" + platforms);

    [Fact]
    public async Task members_download_one_row_per_published_target_with_quoting_and_formulas_defused()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var viewer = await api.Host.PersonAsync("Viewer");
        var workspace = await api.Host.CreateWorkspaceAsync(owner, timeZone: "Europe/Berlin");
        await api.Host.AddMemberAsync(owner, workspace, viewer, "VIEWER");
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var formula = await api.Host.DraftAsync(owner, workspace, "=SUM(A1,\"x\")\nsecond line", connection);
        var plain = await api.Host.DraftAsync(owner, workspace, "plain words", connection);
        var (id, conn) = (AnalyticsSeed.Raw(workspace), AnalyticsSeed.Raw(connection));
        var first = await AnalyticsSeed.TargetAsync(api.ConnectionString, id, AnalyticsSeed.Raw(formula), conn, "Sandbox", From.AddHours(10),
            new(Impressions: 200, Likes: 10, Comments: 5, Shares: null, Saves: 5, AverageViewSeconds: 2.5));
        await AnalyticsSeed.TargetAsync(api.ConnectionString, id, AnalyticsSeed.Raw(plain), conn, "Instagram", From.AddDays(1), null);
        await AnalyticsSeed.TargetAsync(api.ConnectionString, id, AnalyticsSeed.Raw(plain), conn, "Instagram", From.AddDays(7), new(Likes: 1));

        var (status, response, body) = await GetAsync(viewer.Token, Query(workspace));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("nexus-analytics-2027-06-01-2027-06-08.csv", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));

        var lines = body.TrimStart('\uFEFF').Split("\r\n");
        Assert.Equal("post_id,target_id,platform,account,external_id,published_at,published_local,measured_at,impressions,reach,views,likes,comments,shares,saves,clicks," +
            "video_views,watch_time_seconds,average_view_seconds,engagements,engagement_rate,text", lines[0]);
        Assert.Equal("", lines[^1]);
        // The formula's text holds a comma, quotes and a line break: one quoted field (its
        // line feed inside), the quotes doubled, an apostrophe first.
        var row = lines[1];
        Assert.StartsWith(formula + "," + Nexus.Api.GraphQL.Relay.GlobalId.Encode("PostTarget", first) + ",SANDBOX,", row);
        Assert.Contains(",2027-06-01T10:00:00Z,2027-06-01 12:00,2027-06-01T11:00:00Z,200,,,10,5,,5,,,,2.5,20,0.1,\"'=SUM(A1,\"\"x\"\")\nsecond line\"", row);
        Assert.StartsWith(plain + ",", lines[2]);
        Assert.Contains(",INSTAGRAM,", lines[2]);
        Assert.EndsWith(",,,,,,,,,,,,,,plain words", lines[2]);
        Assert.Equal(4, lines.Length);

        var filtered = await GetAsync(owner.Token, Query(workspace, platforms: "instagram"));
        Assert.Equal(HttpStatusCode.OK, filtered.Status);
        Assert.Equal(3, filtered.Body.Split("\r\n").Length);
    }

    [Fact]
    public async Task outsiders_and_unknown_workspaces_get_404_anonymous_callers_401_and_bad_filters_400()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var outsider = await api.Host.PersonAsync("Outsider");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var unknown = Nexus.Api.GraphQL.Relay.GlobalId.Encode("Workspace", Guid.NewGuid());

        var asOutsider = await GetAsync(outsider.Token, Query(workspace));
        var toUnknown = await GetAsync(owner.Token, Query(unknown));
        Assert.Equal(HttpStatusCode.NotFound, asOutsider.Status);
        Assert.Equal(HttpStatusCode.NotFound, toUnknown.Status);
        Assert.Equal(asOutsider.Body, toUnknown.Body);

        var anonymous = await GetAsync(null, Query(workspace));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync("not-a-token", Query(workspace))).Status);

        Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync(owner.Token, Query(workspace, from: "2027-06-01T00:00:00"))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync(owner.Token, Query(workspace, to: "2028-08-01T00:00:00Z"))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync(owner.Token, Query(workspace, platforms: "MYSPACE"))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync(owner.Token, Query("nonsense"))).Status);
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("", "")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("=1+1", "'=1+1")]
    [InlineData("+33 1 23", "'+33 1 23")]
    [InlineData("-2", "'-2")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\t=1", "'\t=1")]
    [InlineData("\r=1", "\"'\r=1\"")]
    [InlineData("=A1,\"b\"", "\"'=A1,\"\"b\"\"\"")]
    public void fields_are_quoted_as_rfc_4180_says_and_formulas_are_defused(string value, string expected) =>
        Assert.Equal(expected, Csv.Field(value));
}
