using System.Globalization;
using System.Text.Json;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Analytics.Reading;

[Collection(ApiCollection.Name)]
public sealed class ConnectionAudienceTests(ApiFixture api)
{
    private static DateTimeOffset At(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);

    [Fact]
    public async Task followers_are_the_last_reading_of_each_local_bucket_with_the_change_since_the_one_before()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner, timeZone: "Europe/Berlin");
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var (id, conn) = (AnalyticsSeed.Raw(workspace), AnalyticsSeed.Raw(connection));
        await AnalyticsSeed.AudienceAsync(api.ConnectionString, id, conn, At("2027-03-26T12:00:00Z"), 100, 7, 1);
        await AnalyticsSeed.AudienceAsync(api.ConnectionString, id, conn, At("2027-03-27T08:00:00+01:00"), 110, 7, 1);
        await AnalyticsSeed.AudienceAsync(api.ConnectionString, id, conn, At("2027-03-27T20:00:00+01:00"), 120, 8, 2);
        // Both on local 28 March, the day of 23 hours; 00:30 on the 29th is the next local day.
        await AnalyticsSeed.AudienceAsync(api.ConnectionString, id, conn, At("2027-03-28T23:30:00+02:00"), 125, null, 2);
        await AnalyticsSeed.AudienceAsync(api.ConnectionString, id, conn, At("2027-03-29T00:30:00+02:00"), 130, null, 3);
        // Another connection's readings never show.
        await AnalyticsSeed.AudienceAsync(api.ConnectionString, id, Guid.NewGuid(), At("2027-03-28T12:00:00Z"), 99_999);

        async Task<List<JsonElement>> AudienceAsync(string interval)
        {
            var response = await api.Host.AsAsync(owner,
                "query ($id: ID!, $interval: AnalyticsInterval) { node(id: $id) { ... on Connection { audience(from: \"2027-03-27T00:00:00+01:00\", to: \"2027-03-30T00:00:00+02:00\", interval: $interval) " +
                "{ date measuredAt followers following posts followersChange } } } }", new { id = connection, interval });
            Assert.True(response.Errors.Length == 0, response.Body.ToString());
            return [.. response.Data.GetProperty("node").GetProperty("audience").EnumerateArray()];
        }

        var days = await AudienceAsync("DAY");
        Assert.Equal(["2027-03-27", "2027-03-28", "2027-03-29"], days.Select(d => d.GetProperty("date").GetString()));
        Assert.Equal([120L, 125L, 130L], days.Select(d => d.GetProperty("followers").GetInt64()));
        Assert.Equal([20L, 5L, 5L], days.Select(d => d.GetProperty("followersChange").GetInt64()));
        Assert.Equal(8, days[0].GetProperty("following").GetInt64());
        Assert.Equal(JsonValueKind.Null, days[1].GetProperty("following").ValueKind);
        Assert.Equal(At("2027-03-28T21:30:00Z"), days[1].GetProperty("measuredAt").GetDateTimeOffset());

        var weeks = await AudienceAsync("WEEK");
        Assert.Equal(["2027-03-22", "2027-03-29"], weeks.Select(d => d.GetProperty("date").GetString()));
        Assert.Equal([25L, 5L], weeks.Select(d => d.GetProperty("followersChange").GetInt64()));

        var outsider = await api.Host.PersonAsync("Outsider");
        var hidden = await api.Host.AsAsync(outsider, "query ($id: ID!) { node(id: $id) { ... on Connection { audience(from: \"2027-03-27T00:00:00Z\", to: \"2027-03-28T00:00:00Z\") { followers } } } }",
            new { id = connection });
        Assert.Equal(JsonValueKind.Null, hidden.Data.GetProperty("node").ValueKind);
    }
}
