using System.Text.Json;
using Nexus.Api.Tests.Features.Analytics.Reading;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Analytics.BestTimes;

[Collection(ApiCollection.Name)]
public sealed class BestTimesTests(ApiFixture api)
{
    private const string BestTimesQuery = "query ($id: ID!) { workspace(id: $id) { bestTimes { weeks timeZone postsAnalysed enoughHistory postsNeeded engagementRate " +
        "cells { dayOfWeek hour samples engagementRate confidence } } } }";

    private const string Suggestion = "suggestion { timeZone applied postsAnalysed postsNeeded engagementRate slots { dayOfWeek time engagementRate samples confidence } }";

    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    /// <summary>The <paramref name="weeksAgo"/>-th past occurrence (1 = last week's or older) of a local weekday and hour in Berlin, at :15.</summary>
    private static DateTimeOffset LocalAt(DayOfWeek day, int hour, int weeksAgo)
    {
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, Berlin).DateTime);
        var date = today.AddDays(-7 - (((int)today.DayOfWeek - (int)day + 7) % 7) - (7 * (weeksAgo - 1)));
        return Nexus.Api.Features.Posts.WallClock.FromLocal(date.ToDateTime(new TimeOnly(hour, 15)), Berlin).Instant;
    }

    private async Task SeedCellAsync(Guid workspace, DayOfWeek day, int hour, int posts, long likes)
    {
        for (var i = 1; i <= posts; i++)
        {
            await AnalyticsSeed.TargetAsync(api.ConnectionString, workspace, Guid.NewGuid(), Guid.NewGuid(), "Instagram", LocalAt(day, hour, i), new(Impressions: 100, Likes: likes));
        }
    }

    private async Task<(Person Owner, string Workspace, Guid Id)> WorkspaceAsync()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner, timeZone: "Europe/Berlin");
        return (owner, workspace, AnalyticsSeed.Raw(workspace));
    }

    private async Task<JsonElement> SuggestAsync(Person person, string workspace, object input) =>
        await api.Host.MutateAsync(person, "suggestPostingSchedule", "SuggestPostingScheduleInput", input, Suggestion);

    [Fact]
    public async Task cells_hold_the_rate_of_the_workspaces_own_posts_by_local_weekday_and_hour_and_few_posts_show_no_rate()
    {
        var (owner, workspace, id) = await WorkspaceAsync();
        await SeedCellAsync(id, DayOfWeek.Tuesday, 9, 10, 10);
        await SeedCellAsync(id, DayOfWeek.Thursday, 18, 5, 20);
        await SeedCellAsync(id, DayOfWeek.Wednesday, 12, 3, 5);
        await SeedCellAsync(id, DayOfWeek.Sunday, 7, 2, 90);
        // Not evidence: not measured yet, no denominator, or older than the 12 weeks looked at.
        await AnalyticsSeed.TargetAsync(api.ConnectionString, id, Guid.NewGuid(), Guid.NewGuid(), "Instagram", LocalAt(DayOfWeek.Sunday, 7, 3), null);
        await AnalyticsSeed.TargetAsync(api.ConnectionString, id, Guid.NewGuid(), Guid.NewGuid(), "TikTok", LocalAt(DayOfWeek.Sunday, 7, 4), new(Views: 10, Likes: 100));
        await AnalyticsSeed.TargetAsync(api.ConnectionString, id, Guid.NewGuid(), Guid.NewGuid(), "Instagram", LocalAt(DayOfWeek.Sunday, 7, 14), new(Impressions: 100, Likes: 100));

        var report = (await api.Host.AsAsync(owner, BestTimesQuery, new { id = workspace })).Data.GetProperty("workspace").GetProperty("bestTimes");
        Assert.Equal(12, report.GetProperty("weeks").GetInt32());
        Assert.Equal("Europe/Berlin", report.GetProperty("timeZone").GetString());
        Assert.Equal(20, report.GetProperty("postsAnalysed").GetInt32());
        Assert.True(report.GetProperty("enoughHistory").GetBoolean());
        Assert.Equal(0, report.GetProperty("postsNeeded").GetInt32());
        Assert.Equal((100 + 100 + 15 + 180) / 2000.0, report.GetProperty("engagementRate").GetDouble(), 9);

        var cells = report.GetProperty("cells").EnumerateArray()
            .Select(c => (Day: c.GetProperty("dayOfWeek").GetString(), Hour: c.GetProperty("hour").GetInt32(), Samples: c.GetProperty("samples").GetInt32(),
                Rate: c.GetProperty("engagementRate").ValueKind == JsonValueKind.Null ? (double?)null : Math.Round(c.GetProperty("engagementRate").GetDouble(), 9),
                Confidence: c.GetProperty("confidence").GetString()))
            .ToList();
        Assert.Equal(
            [("TUESDAY", 9, 10, 0.1, "HIGH"), ("WEDNESDAY", 12, 3, 0.05, "LOW"), ("THURSDAY", 18, 5, 0.2, "LOW"), ("SUNDAY", 7, 2, (double?)null, "INSUFFICIENT")],
            cells);

        // Proposing changes nothing; the best cells come first, with their evidence; a cell without enough posts is never proposed.
        var proposal = (await SuggestAsync(owner, workspace, new { workspaceId = workspace, slots = 2 })).GetProperty("suggestion");
        Assert.False(proposal.GetProperty("applied").GetBoolean());
        Assert.Equal([("THURSDAY", "18:00", 5), ("TUESDAY", "09:00", 10)],
            proposal.GetProperty("slots").EnumerateArray().Select(s => (s.GetProperty("dayOfWeek").GetString(), s.GetProperty("time").GetString(), s.GetProperty("samples").GetInt32())));
        Assert.Equal(0.2, proposal.GetProperty("slots")[0].GetProperty("engagementRate").GetDouble(), 9);
        var schedule = await api.Host.AsAsync(owner, "query ($id: ID!) { workspace(id: $id) { postingSchedule { timeZone slots { dayOfWeek time } } } }", new { id = workspace });
        Assert.Equal(JsonValueKind.Null, schedule.Data.GetProperty("workspace").GetProperty("postingSchedule").ValueKind);

        var applied = (await SuggestAsync(owner, workspace, new { workspaceId = workspace, slots = 10, apply = true })).GetProperty("suggestion");
        Assert.True(applied.GetProperty("applied").GetBoolean());
        Assert.Equal(3, applied.GetProperty("slots").GetArrayLength());
        schedule = await api.Host.AsAsync(owner, "query ($id: ID!) { workspace(id: $id) { postingSchedule { timeZone slots { dayOfWeek time } } } }", new { id = workspace });
        var set = schedule.Data.GetProperty("workspace").GetProperty("postingSchedule");
        Assert.Equal("Europe/Berlin", set.GetProperty("timeZone").GetString());
        Assert.Equal([("TUESDAY", "09:00"), ("WEDNESDAY", "12:00"), ("THURSDAY", "18:00")],
            set.GetProperty("slots").EnumerateArray().Select(s => (s.GetProperty("dayOfWeek").GetString(), s.GetProperty("time").GetString())));
    }

    [Fact]
    public async Task without_enough_history_nothing_is_invented_and_applying_says_how_many_more_posts_are_needed()
    {
        var (owner, workspace, id) = await WorkspaceAsync();
        await SeedCellAsync(id, DayOfWeek.Monday, 10, 2, 10);

        var report = (await api.Host.AsAsync(owner, BestTimesQuery, new { id = workspace })).Data.GetProperty("workspace").GetProperty("bestTimes");
        Assert.False(report.GetProperty("enoughHistory").GetBoolean());
        Assert.Equal(18, report.GetProperty("postsNeeded").GetInt32());
        Assert.Equal("INSUFFICIENT", Assert.Single(report.GetProperty("cells").EnumerateArray()).GetProperty("confidence").GetString());

        var proposal = (await SuggestAsync(owner, workspace, new { workspaceId = workspace })).GetProperty("suggestion");
        Assert.Empty(proposal.GetProperty("slots").EnumerateArray());
        Assert.Equal(18, proposal.GetProperty("postsNeeded").GetInt32());

        var refused = await api.Host.MutateAsync(owner, "suggestPostingSchedule", "SuggestPostingScheduleInput", new { workspaceId = workspace, apply = true }, Suggestion);
        Assert.Equal(["NOT_ENOUGH_HISTORY"], WorkspaceScenarios.ErrorCodesOf(refused));
        Assert.Contains("18 more", refused.GetProperty("errors")[0].GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.Null, refused.GetProperty("suggestion").ValueKind);
    }

    [Fact]
    public async Task lookback_and_slot_counts_out_of_bounds_are_refused()
    {
        var (owner, workspace, _) = await WorkspaceAsync();
        var response = await api.Host.AsAsync(owner, "query ($id: ID!) { workspace(id: $id) { bestTimes(weeks: 53) { weeks } } }", new { id = workspace });
        Assert.Equal(["BAD_REQUEST"], response.ErrorCodes);
        var refused = await api.Host.MutateAsync(owner, "suggestPostingSchedule", "SuggestPostingScheduleInput", new { workspaceId = workspace, slots = 0 }, Suggestion);
        Assert.Equal(["VALIDATION"], WorkspaceScenarios.ErrorCodesOf(refused));
    }
}
