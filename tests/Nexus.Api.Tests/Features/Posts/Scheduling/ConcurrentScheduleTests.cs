using System.Globalization;
using System.Text.Json;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Posts.Scheduling;

/// <summary>
/// Many clients moving one post at once: each write to its stream races all the others. A lost race is run again on
/// the winner's state; one that keeps losing answers VERSION_CONFLICT. None ends in a top-level INTERNAL error.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ConcurrentScheduleTests(ApiFixture api)
{
    private const int Clients = 48;

    [Fact]
    public async Task concurrent_schedules_of_one_post_each_succeed_or_answer_a_typed_conflict_and_leave_a_consistent_post()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var post = await api.Host.DraftAsync(owner, workspace, "raced", connection);
        var before = (await api.Host.PostAsync(owner, post)).GetProperty("version").GetInt32();
        var start = DateTimeOffset.UtcNow.AddDays(2);
        var times = Enumerable.Range(0, Clients).Select(i => start.AddMinutes(i)).ToArray();

        using var go = new SemaphoreSlim(0);
        var calls = times.Select(async at =>
        {
            await go.WaitAsync();
            var response = await api.Host.AsAsync(owner,
                "mutation ($input: SchedulePostInput!) { schedulePost(input: $input) { post { id } errors { __typename ... on Error { code message } } } }",
                new { input = new { postId = post, at = at.ToString("O", CultureInfo.InvariantCulture) } });
            return (At: at, Response: response);
        }).ToList();
        go.Release(Clients);
        var answers = await Task.WhenAll(calls);

        foreach (var (_, response) in answers)
        {
            Assert.True(response.Status == 200 && response.Errors.Length == 0, response.Body.ToString());
            var codes = response.Data.GetProperty("schedulePost").GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("code").GetString()).ToList();
            Assert.True(codes.Count == 0 || codes.SequenceEqual(["VERSION_CONFLICT"]), response.Body.ToString());
        }

        var scheduled = answers.Where(a => a.Response.Data.GetProperty("schedulePost").GetProperty("errors").GetArrayLength() == 0).Select(a => a.At).ToList();
        Assert.NotEmpty(scheduled);
        var after = await api.Host.PostAsync(owner, post);
        Assert.Equal("SCHEDULED", after.GetProperty("status").GetString());
        // Each schedule that succeeded appended exactly one event; none that failed left one behind.
        Assert.Equal(before + scheduled.Count, after.GetProperty("version").GetInt32());
        var at = after.GetProperty("scheduledAt").GetDateTimeOffset();
        Assert.Contains(scheduled, s => Math.Abs((s - at).TotalMilliseconds) < 1);
        Assert.Equal(JsonValueKind.Array, after.GetProperty("targets").ValueKind);
    }
}
