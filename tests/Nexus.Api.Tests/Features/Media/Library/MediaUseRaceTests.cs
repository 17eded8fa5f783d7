using System.Globalization;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Posts;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Media.Library;

/// <summary>
/// Scheduling a post and deleting the item it uses, at once, many times: the two write the item's stream, so one
/// commits and the other runs again on its state. Never a scheduled post with a deleted item; never INTERNAL.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class MediaUseRaceTests(ApiFixture api)
{
    private const int Pairs = 24;

    [Fact]
    public async Task a_schedule_and_a_delete_of_its_item_racing_end_with_exactly_one_of_them_done()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var pairs = new List<(string Post, string Item)>();
        for (var i = 0; i < Pairs; i++)
        {
            var item = await api.Host.AddMediaAsync(workspace, $"raced {i}.jpg");
            var post = await api.Host.DraftAsync(owner, workspace, $"raced post {i}", connection);
            await api.Host.UseMediaAsync(post, inTargets: i % 2 == 0, item);
            pairs.Add((post, item));
        }

        var at = DateTimeOffset.UtcNow.AddDays(5).ToString("O", CultureInfo.InvariantCulture);
        using var go = new SemaphoreSlim(0);
        var calls = pairs.Select(async pair =>
        {
            var schedule = Task.Run(async () =>
            {
                await go.WaitAsync();
                return await api.Host.AsAsync(owner, "mutation ($input: SchedulePostInput!) { schedulePost(input: $input) { errors { ... on Error { code message } } } }",
                    new { input = new { postId = pair.Post, at } });
            });
            var delete = Task.Run(async () =>
            {
                await go.WaitAsync();
                return await api.Host.AsAsync(owner, "mutation ($input: DeleteMediaInput!) { deleteMedia(input: $input) { errors { ... on Error { code message } } } }",
                    new { input = new { mediaId = pair.Item } });
            });
            return (pair, Schedule: await schedule, Delete: await delete);
        }).ToList();
        go.Release(Pairs * 2);
        var answers = await Task.WhenAll(calls);

        var scheduledWins = 0;
        foreach (var (pair, schedule, delete) in answers)
        {
            Assert.True(schedule.Status == 200 && schedule.Errors.Length == 0, schedule.Body.ToString());
            Assert.True(delete.Status == 200 && delete.Errors.Length == 0, delete.Body.ToString());
            var scheduleCodes = schedule.Data.GetProperty("schedulePost").GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("code").GetString()).ToList();
            var deleteCodes = delete.Data.GetProperty("deleteMedia").GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("code").GetString()).ToList();
            var status = (await api.Host.PostAsync(owner, pair.Post)).GetProperty("status").GetString();
            var deleted = (await api.Host.MediaItemAsync(pair.Item))!.Deleted;

            Assert.False(status == "SCHEDULED" && deleted, $"{pair.Post} is scheduled with a deleted item");
            if (scheduleCodes.Count == 0)
            {
                scheduledWins++;
                Assert.Equal(["MEDIA_IN_USE"], deleteCodes);
                Assert.Equal(("SCHEDULED", false), (status, deleted));
            }
            else
            {
                Assert.Equal(["MEDIA_DELETED"], scheduleCodes);
                Assert.Empty(deleteCodes);
                Assert.Equal(("DRAFT", true), (status, deleted));
            }
        }

        // Printed so a run shows the race went both ways.
        Console.WriteLine($"media use race: {scheduledWins} schedules won, {Pairs - scheduledWins} deletes won");
    }
}
