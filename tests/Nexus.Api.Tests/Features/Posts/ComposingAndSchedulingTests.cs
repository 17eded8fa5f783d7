using System.Text.Json;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Posts;

[Collection(ApiCollection.Name)]
public sealed class ComposingAndSchedulingTests(ApiFixture api)
{
    private async Task<(Person Owner, string Workspace, string Connection)> WorkspaceWithSandboxAsync(string timeZone = "Europe/Berlin")
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner, timeZone: timeZone);
        return (owner, workspace, await api.Host.ConnectSandboxAsync(owner, workspace));
    }

    private static JsonElement Post(JsonElement payload) => payload.GetProperty("post");

    [Fact]
    public async Task a_draft_shows_platform_rule_warnings_and_scheduling_it_is_refused_with_the_targets_path()
    {
        var (owner, workspace, connection) = await WorkspaceWithSandboxAsync();
        var draft = await api.Host.DraftPayloadAsync(owner, workspace, new string('x', 5001), new { connectionId = connection });
        Assert.Equal(0, draft.GetProperty("errors").GetArrayLength());
        var warning = Assert.Single(Post(draft).GetProperty("warnings").EnumerateArray());
        Assert.Equal("PLATFORM_RULE", warning.GetProperty("code").GetString());
        Assert.Equal(["input", "targets", "0", "text"], warning.GetProperty("path").EnumerateArray().Select(p => p.GetString()));

        var scheduled = await api.Host.ScheduleAsync(owner, Post(draft).GetProperty("id").GetString()!, DateTimeOffset.UtcNow.AddHours(1));
        Assert.Equal(["PLATFORM_RULE"], WorkspaceScenarios.ErrorCodesOf(scheduled));
        Assert.Equal(["input", "targets", "0", "text"], scheduled.GetProperty("errors")[0].GetProperty("path").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal("DRAFT", Post(scheduled).GetProperty("status").GetString());
    }

    [Fact]
    public async Task a_post_with_neither_text_nor_media_is_a_warning_on_the_draft_and_refused_when_scheduled_or_published()
    {
        var (owner, workspace, connection) = await WorkspaceWithSandboxAsync();
        var draft = await api.Host.DraftPayloadAsync(owner, workspace, " ", new { connectionId = connection });
        Assert.Equal(0, draft.GetProperty("errors").GetArrayLength());
        Assert.Equal(["EMPTY_POST"], Post(draft).GetProperty("warnings").EnumerateArray().Select(w => w.GetProperty("code").GetString()));

        var id = Post(draft).GetProperty("id").GetString()!;
        var scheduled = await api.Host.ScheduleAsync(owner, id, DateTimeOffset.UtcNow.AddHours(1));
        Assert.Equal(["EMPTY_POST"], WorkspaceScenarios.ErrorCodesOf(scheduled));
        Assert.Equal(["input", "targets", "0", "text"], scheduled.GetProperty("errors")[0].GetProperty("path").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(["EMPTY_POST"], WorkspaceScenarios.ErrorCodesOf(await api.Host.PostMutationAsync(owner, "publishPostNow", new { postId = id })));
        Assert.Equal("DRAFT", (await api.Host.PostAsync(owner, id)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task drafting_refuses_bad_input_with_typed_errors_and_paths()
    {
        var (owner, workspace, connection) = await WorkspaceWithSandboxAsync();
        var none = await api.Host.DraftPayloadAsync(owner, workspace, "no targets");
        Assert.Equal(["VALIDATION"], WorkspaceScenarios.ErrorCodesOf(none));

        var twice = await api.Host.DraftPayloadAsync(owner, workspace, "twice", new { connectionId = connection }, new { connectionId = connection });
        Assert.Equal(["VALIDATION"], WorkspaceScenarios.ErrorCodesOf(twice));

        var badMedia = await api.Host.MutateAsync(owner, "draftPost", "DraftPostInput",
            new { workspaceId = workspace, text = "media", media = new[] { new { url = "file:///etc/passwd", kind = "IMAGE" } }, targets = new[] { new { connectionId = connection } } },
            "post { id }");
        Assert.Equal(["input", "media", "0", "url"], badMedia.GetProperty("errors")[0].GetProperty("path").EnumerateArray().Select(p => p.GetString()));

        var otherWorkspace = await api.Host.CreateWorkspaceAsync(owner);
        var foreign = await api.Host.DraftPayloadAsync(owner, otherWorkspace, "not mine", new { connectionId = connection });
        Assert.Equal(["NOT_FOUND"], WorkspaceScenarios.ErrorCodesOf(foreign));

        var wrongOptions = await api.Host.DraftPayloadAsync(owner, workspace, "options", new { connectionId = connection, options = new { youtube = new { title = "t" } } });
        Assert.Equal(["PLATFORM_RULE"], WorkspaceScenarios.ErrorCodesOf(wrongOptions));
    }

    [Fact]
    public async Task a_time_in_the_past_is_refused_and_nothing_changes()
    {
        var (owner, workspace, connection) = await WorkspaceWithSandboxAsync();
        var post = await api.Host.DraftAsync(owner, workspace, "late", connection);
        var refused = await api.Host.ScheduleAsync(owner, post, DateTimeOffset.UtcNow.AddMinutes(-1));
        Assert.Equal(["IN_THE_PAST"], WorkspaceScenarios.ErrorCodesOf(refused));
        Assert.Equal("DRAFT", Post(refused).GetProperty("status").GetString());
    }

    [Fact]
    public async Task a_wall_time_in_the_spring_forward_gap_moves_past_it_and_one_in_the_overlap_takes_its_first_occurrence()
    {
        var (owner, workspace, connection) = await WorkspaceWithSandboxAsync();
        var gap = await api.Host.DraftAsync(owner, workspace, "gap", connection);
        // Berlin, 2027-03-28: clocks jump from 02:00 to 03:00. 02:30 does not exist.
        var shifted = Post(await api.Host.PostMutationAsync(owner, "schedulePost", new { postId = gap, localTime = "2027-03-28T02:30" }));
        Assert.Equal("2027-03-28T01:30:00Z", shifted.GetProperty("scheduledAt").GetString());
        Assert.Equal("2027-03-28T03:30", shifted.GetProperty("localScheduledAt").GetString());
        Assert.Equal("SHIFTED_FORWARD", shifted.GetProperty("dstResolution").GetString());

        var overlap = await api.Host.DraftAsync(owner, workspace, "overlap", connection);
        // Berlin, 2027-10-31: 02:30 happens at +02:00 and again at +01:00.
        var first = Post(await api.Host.PostMutationAsync(owner, "schedulePost", new { postId = overlap, localTime = "2027-10-31T02:30" }));
        Assert.Equal("2027-10-31T00:30:00Z", first.GetProperty("scheduledAt").GetString());
        Assert.Equal("FIRST_OCCURRENCE", first.GetProperty("dstResolution").GetString());

        var second = Post(await api.Host.PostMutationAsync(owner, "reschedulePost", new { postId = overlap, at = "2027-10-31T02:30:00+01:00" }));
        Assert.Equal("2027-10-31T01:30:00Z", second.GetProperty("scheduledAt").GetString());
        Assert.Equal("2027-10-31T02:30", second.GetProperty("localScheduledAt").GetString());
        Assert.Equal("SECOND_OCCURRENCE", second.GetProperty("dstResolution").GetString());

        var other = await api.Host.DraftAsync(owner, workspace, "elsewhere", connection);
        var tokyo = Post(await api.Host.PostMutationAsync(owner, "schedulePost", new { postId = other, localTime = "2027-03-28T02:30", timeZone = "Asia/Tokyo" }));
        Assert.Equal("2027-03-27T17:30:00Z", tokyo.GetProperty("scheduledAt").GetString());
        Assert.Equal("Asia/Tokyo", tokyo.GetProperty("timeZone").GetString());
    }

    [Fact]
    public async Task times_and_cursors_out_of_range_are_typed_errors_not_server_errors()
    {
        var (owner, workspace, connection) = await WorkspaceWithSandboxAsync("America/New_York");
        var post = await api.Host.DraftAsync(owner, workspace, "far", connection);
        Assert.Equal(["VALIDATION"], WorkspaceScenarios.ErrorCodesOf(await api.Host.PostMutationAsync(owner, "schedulePost", new { postId = post, localTime = "9999-12-31T23:59" })));
        Assert.Equal(["VALIDATION"], WorkspaceScenarios.ErrorCodesOf(await api.Host.PostMutationAsync(owner, "schedulePost", new { postId = post, at = "9999-12-31T23:59:00Z" })));

        var calendar = await api.Host.AsAsync(owner, "query ($id: ID!) { workspace(id: $id) { calendar(from: \"9999-12-30\", to: \"9999-12-31\") { date } } }", new { id = workspace });
        Assert.Equal(["BAD_REQUEST"], calendar.ErrorCodes);
        var cursor = Nexus.Api.GraphQL.Relay.Paging.EncodeCursor("2147483647");
        var page = await api.Host.AsAsync(owner, "query ($id: ID!, $after: String) { workspace(id: $id) { posts(after: $after) { edges { cursor } } } }", new { id = workspace, after = cursor });
        Assert.Equal(["BAD_REQUEST"], page.ErrorCodes);
    }

    [Fact]
    public async Task the_calendar_groups_posts_by_local_day_including_days_of_23_and_25_hours()
    {
        var (owner, workspace, connection) = await WorkspaceWithSandboxAsync();
        var late = await api.Host.DraftAsync(owner, workspace, "late night", connection);
        // 23:30 UTC on the 27th is 00:30 on the 28th in Berlin.
        await api.Host.PostMutationAsync(owner, "schedulePost", new { postId = late, at = "2027-03-27T23:30:00Z" });

        var response = await api.Host.AsAsync(owner, "query ($id: ID!) { workspace(id: $id) { calendar(from: \"2027-03-27\", to: \"2027-03-28\") { date hours posts { id } } } }", new { id = workspace });
        var days = response.Data.GetProperty("workspace").GetProperty("calendar");
        Assert.Equal(["2027-03-27", "2027-03-28"], days.EnumerateArray().Select(d => d.GetProperty("date").GetString()));
        Assert.Equal([24, 23], days.EnumerateArray().Select(d => d.GetProperty("hours").GetInt32()));
        Assert.Equal(0, days[0].GetProperty("posts").GetArrayLength());
        Assert.Equal(late, days[1].GetProperty("posts")[0].GetProperty("id").GetString());

        var autumn = await api.Host.AsAsync(owner, "query ($id: ID!) { workspace(id: $id) { calendar(from: \"2027-10-31\", to: \"2027-10-31\") { hours } } }", new { id = workspace });
        Assert.Equal(25, autumn.Data.GetProperty("workspace").GetProperty("calendar")[0].GetProperty("hours").GetInt32());
    }

    [Fact]
    public async Task posts_are_listed_by_status_platform_and_time_range()
    {
        var (owner, workspace, connection) = await WorkspaceWithSandboxAsync();
        var draft = await api.Host.DraftAsync(owner, workspace, "a draft", connection);
        var scheduled = await api.Host.DraftAsync(owner, workspace, "scheduled", connection);
        await api.Host.ScheduleAsync(owner, scheduled, new DateTimeOffset(2030, 1, 2, 9, 0, 0, TimeSpan.Zero));

        async Task<string[]> Ids(string arguments)
        {
            var response = await api.Host.AsAsync(owner, $"query ($id: ID!) {{ workspace(id: $id) {{ posts({arguments}) {{ edges {{ node {{ id }} }} }} }} }}", new { id = workspace });
            Assert.True(response.Errors.Length == 0, response.Body.ToString());
            return [.. response.Data.GetProperty("workspace").GetProperty("posts").GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("node").GetProperty("id").GetString()!)];
        }

        Assert.Equal([scheduled, draft], await Ids("first: 10"));
        Assert.Equal([draft], await Ids("status: DRAFT"));
        Assert.Equal([scheduled], await Ids("from: \"2030-01-01T00:00:00Z\", to: \"2030-01-03T00:00:00Z\""));
        Assert.Empty(await Ids("platform: X"));
        Assert.Equal(2, (await Ids("platform: SANDBOX")).Length);
        Assert.Equal([scheduled], await Ids("first: 1"));
    }

    [Fact]
    public async Task concurrent_edits_at_one_version_let_one_win_and_tell_the_other_version_conflict()
    {
        var (owner, workspace, connection) = await WorkspaceWithSandboxAsync();
        var post = await api.Host.DraftAsync(owner, workspace, "v1", connection);
        var edits = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
            api.Host.PostMutationAsync(owner, "updatePost", new { postId = post, expectedVersion = 1, text = $"edit {i}", targets = new[] { new { connectionId = connection } } })));

        var codes = edits.Select(e => WorkspaceScenarios.ErrorCodesOf(e).SingleOrDefault()).ToList();
        Assert.Single(codes, c => c is null);
        Assert.All(codes.Where(c => c is not null), c => Assert.Equal("VERSION_CONFLICT", c));
        Assert.Equal(2, (await api.Host.PostAsync(owner, post)).GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task a_cancelled_post_is_not_published_and_a_rescheduled_one_only_at_its_new_time()
    {
        var (owner, workspace, connection) = await WorkspaceWithSandboxAsync();
        var marker = Guid.NewGuid().ToString("N");
        var cancelled = await api.Host.DraftAsync(owner, workspace, $"cancelled {marker}", connection);
        await api.Host.ScheduleAsync(owner, cancelled, DateTimeOffset.UtcNow.AddSeconds(1));
        var cancel = await api.Host.PostMutationAsync(owner, "cancelPost", new { postId = cancelled });
        Assert.Equal("CANCELLED", Post(cancel).GetProperty("status").GetString());

        var moved = await api.Host.DraftAsync(owner, workspace, $"moved {marker}", connection);
        await api.Host.ScheduleAsync(owner, moved, DateTimeOffset.UtcNow.AddSeconds(1));
        var later = DateTimeOffset.UtcNow.AddSeconds(3);
        await api.Host.PostMutationAsync(owner, "reschedulePost", new { postId = moved, at = later.ToString("O") });

        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Equal("SCHEDULED", (await api.Host.PostAsync(owner, moved)).GetProperty("status").GetString());
        await api.Host.WaitForStatusAsync(owner, moved, TimeSpan.FromSeconds(20), "PUBLISHED");
        Assert.Equal("CANCELLED", (await api.Host.PostAsync(owner, cancelled)).GetProperty("status").GetString());
        var onSandbox = Assert.Single(await api.Host.SandboxPostsAsync(marker));
        Assert.StartsWith("moved", onSandbox.Text);
        Assert.True(onSandbox.ReceivedAt >= later);
    }

    [Fact]
    public async Task the_queue_fills_the_next_free_slots_of_the_posting_schedule()
    {
        var (owner, workspace, connection) = await WorkspaceWithSandboxAsync();
        var set = await api.Host.MutateAsync(owner, "setPostingSchedule", "SetPostingScheduleInput", new
        {
            workspaceId = workspace,
            timeZone = "America/New_York",
            slots = new[] { new { dayOfWeek = "MONDAY", time = "09:00" }, new { dayOfWeek = "WEDNESDAY", time = "17:30" } },
        }, "workspace { postingSchedule { timeZone slots { dayOfWeek time } upcoming(first: 3) } }");
        var upcoming = set.GetProperty("workspace").GetProperty("postingSchedule").GetProperty("upcoming").EnumerateArray().Select(u => DateTimeOffset.Parse(u.GetString()!)).ToList();
        Assert.Equal(3, upcoming.Count);

        var first = await api.Host.DraftAsync(owner, workspace, "first", connection);
        var second = await api.Host.DraftAsync(owner, workspace, "second", connection);
        var a = Post(await api.Host.PostMutationAsync(owner, "addPostToQueue", new { postId = first }));
        var b = Post(await api.Host.PostMutationAsync(owner, "addPostToQueue", new { postId = second }));
        Assert.True(a.GetProperty("queued").GetBoolean());
        Assert.Equal(upcoming[0], DateTimeOffset.Parse(a.GetProperty("scheduledAt").GetString()!));
        Assert.Equal(upcoming[1], DateTimeOffset.Parse(b.GetProperty("scheduledAt").GetString()!));
        Assert.Equal("America/New_York", a.GetProperty("timeZone").GetString());
    }

    [Fact]
    public async Task without_a_posting_schedule_the_queue_says_so()
    {
        var (owner, workspace, connection) = await WorkspaceWithSandboxAsync();
        var post = await api.Host.DraftAsync(owner, workspace, "queued", connection);
        var refused = await api.Host.PostMutationAsync(owner, "addPostToQueue", new { postId = post });
        Assert.Equal(["NO_POSTING_SCHEDULE"], WorkspaceScenarios.ErrorCodesOf(refused));
    }

    [Fact]
    public async Task a_draft_can_be_discarded_but_not_once_published()
    {
        var (owner, workspace, connection) = await WorkspaceWithSandboxAsync();
        var post = await api.Host.DraftAsync(owner, workspace, "bin me", connection);
        var discarded = await api.Host.PostMutationAsync(owner, "discardPost", new { postId = post });
        Assert.Equal(JsonValueKind.Null, discarded.GetProperty("post").ValueKind);
        Assert.Equal(["NOT_FOUND"], WorkspaceScenarios.ErrorCodesOf(await api.Host.PostMutationAsync(owner, "discardPost", new { postId = post })));

        var published = await api.Host.DraftAsync(owner, workspace, $"keep {Guid.NewGuid():N}", connection);
        await api.Host.PostMutationAsync(owner, "publishPostNow", new { postId = published });
        await api.Host.WaitForStatusAsync(owner, published, TimeSpan.FromSeconds(20), "PUBLISHED");
        Assert.Equal(["INVALID_STATE"], WorkspaceScenarios.ErrorCodesOf(await api.Host.PostMutationAsync(owner, "discardPost", new { postId = published })));
        Assert.Equal(["INVALID_STATE"], WorkspaceScenarios.ErrorCodesOf(await api.Host.PostMutationAsync(owner, "updatePost",
            new { postId = published, expectedVersion = (await api.Host.PostAsync(owner, published)).GetProperty("version").GetInt32(), text = "x", targets = new[] { new { connectionId = connection } } })));
    }
}
