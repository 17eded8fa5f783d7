using System.Globalization;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Posts;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Events.TimeTravel;

[Collection(ApiCollection.Name)]
public sealed class TimeTravelTests(ApiFixture api)
{
    private const string PostAsOf = "query ($id: ID!, $asOf: DateTime) { post(id: $id, asOf: $asOf) { id text status scheduledAt version } }";
    private const string WorkspaceAsOf =
        "query ($id: ID!, $asOf: DateTime) { workspace(id: $id, asOf: $asOf) { id name version myRole members { edges { node { role user { id } } } } } }";

    [Fact]
    public async Task a_post_reads_as_it_stood_between_each_change()
    {
        var owner = await api.Host.PersonAsync("Tess");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var post = await api.Host.DraftAsync(owner, workspace, "first words", connection);
        await api.Host.PostMutationAsync(owner, "updatePost", new { postId = post, expectedVersion = 1, text = "second words", targets = new[] { new { connectionId = connection } } });
        var first = DateTimeOffset.UtcNow.AddDays(2);
        var second = first.AddDays(1);
        await api.Host.ScheduleAsync(owner, post, first);
        await api.Host.PostMutationAsync(owner, "reschedulePost", new { postId = post, at = second.ToString("O") });
        var at = await CommittedAsync(Id(post, "Post"));
        Assert.Equal(4, at.Count);

        Assert.Equal(JsonValueKind.Null, (await PostAtAsync(owner, post, at[0].AddTicks(-10))).ValueKind);
        Assert.Equal(("first words", "DRAFT", null, 1), Shape(await PostAtAsync(owner, post, at[0])));
        Assert.Equal(("second words", "DRAFT", null, 2), Shape(await PostAtAsync(owner, post, Between(at[1], at[2]))));
        var scheduled = Shape(await PostAtAsync(owner, post, Between(at[2], at[3])));
        var rescheduled = Shape(await PostAtAsync(owner, post, at[3]));
        Assert.Equal(("second words", "SCHEDULED", 3), (scheduled.Text, scheduled.Status, scheduled.Version));
        Assert.Equal(("second words", "SCHEDULED", 4), (rescheduled.Text, rescheduled.Status, rescheduled.Version));
        Assert.Equal(first.AddDays(1) - first, DateTimeOffset.Parse(rescheduled.ScheduledAt!, CultureInfo.InvariantCulture) - DateTimeOffset.Parse(scheduled.ScheduledAt!, CultureInfo.InvariantCulture));
        Assert.Equal(Shape(await PostAtAsync(owner, post, null)), rescheduled);
        Assert.Equal(rescheduled, Shape(await PostAtAsync(owner, post, DateTimeOffset.UtcNow)));
    }

    [Fact]
    public async Task a_workspace_reads_as_it_stood_with_the_members_of_then_and_the_callers_role_of_now()
    {
        var owner = await api.Host.PersonAsync("Wanda");
        var viewer = await api.Host.PersonAsync("Vic");
        var workspace = await api.Host.CreateWorkspaceAsync(owner, "Before");
        await api.Host.MutateAsync(owner, "renameWorkspace", "RenameWorkspaceInput", new { workspaceId = workspace, name = "After" });
        await api.Host.AddMemberAsync(owner, workspace, viewer, "VIEWER");
        var at = await CommittedAsync(Id(workspace, "Workspace"));

        Assert.Equal(JsonValueKind.Null, (await WorkspaceAtAsync(viewer, workspace, at[0].AddTicks(-10))).ValueKind);
        var created = await WorkspaceAtAsync(viewer, workspace, Between(at[0], at[1]));
        Assert.Equal("Before", created.GetProperty("name").GetString());
        Assert.Equal(1, created.GetProperty("version").GetInt32());
        Assert.Equal("VIEWER", created.GetProperty("myRole").GetString());
        Assert.Equal([owner.UserId], MemberIds(created));
        var renamed = await WorkspaceAtAsync(viewer, workspace, at[1]);
        Assert.Equal("After", renamed.GetProperty("name").GetString());
        Assert.Equal(2, renamed.GetProperty("version").GetInt32());
        var now = await WorkspaceAtAsync(viewer, workspace, at[^1]);
        Assert.Equal([owner.UserId, viewer.UserId], MemberIds(now));
    }

    [Fact]
    public async Task access_is_decided_by_membership_now_not_then()
    {
        var owner = await api.Host.PersonAsync("Otto");
        var former = await api.Host.PersonAsync("Fay");
        var outsider = await api.Host.PersonAsync("Oscar");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        await api.Host.AddMemberAsync(owner, workspace, former, "EDITOR");
        var post = await api.Host.DraftAsync(former, workspace, "by a former member", connection);
        var whileMember = DateTimeOffset.UtcNow;
        await api.Host.MutateAsync(owner, "removeMember", "RemoveMemberInput", new { workspaceId = workspace, userId = former.UserId });

        foreach (var person in new[] { former, outsider })
        {
            var asWorkspace = await api.Host.AsAsync(person, WorkspaceAsOf, new { id = workspace, asOf = whileMember.ToString("O") });
            Assert.Equal(["FORBIDDEN"], asWorkspace.ErrorCodes);
            var asPost = await api.Host.AsAsync(person, PostAsOf, new { id = post, asOf = whileMember.ToString("O") });
            Assert.Equal(["FORBIDDEN"], asPost.ErrorCodes);
        }

        Assert.Equal("by a former member", (await PostAtAsync(owner, post, whileMember)).GetProperty("text").GetString());
    }

    [Fact]
    public async Task a_discarded_post_reads_as_it_was_before_and_as_null_after()
    {
        var owner = await api.Host.PersonAsync("Dora");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var post = await api.Host.DraftAsync(owner, workspace, "short-lived", connection);
        await api.Host.PostMutationAsync(owner, "discardPost", new { postId = post });
        var at = await CommittedAsync(Id(post, "Post"));

        Assert.Equal("short-lived", (await PostAtAsync(owner, post, Between(at[0], at[1]))).GetProperty("text").GetString());
        Assert.Equal(JsonValueKind.Null, (await PostAtAsync(owner, post, at[1])).ValueKind);
    }

    [Fact]
    public async Task an_instant_in_the_future_or_before_1970_is_a_bad_request()
    {
        var owner = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var post = await api.Host.DraftAsync(owner, workspace, "now", connection);
        var tomorrow = DateTimeOffset.UtcNow.AddDays(1).ToString("O");

        Assert.Equal(["BAD_REQUEST"], (await api.Host.AsAsync(owner, WorkspaceAsOf, new { id = workspace, asOf = tomorrow })).ErrorCodes);
        Assert.Equal(["BAD_REQUEST"], (await api.Host.AsAsync(owner, PostAsOf, new { id = post, asOf = tomorrow })).ErrorCodes);

        // The far past too (the fuzzer's DateTimeOffset.MinValue with an offset answered INTERNAL).
        const string Ancient = "0001-01-01T00:00:00-14:00";
        Assert.Equal(["BAD_REQUEST"], (await api.Host.AsAsync(owner, WorkspaceAsOf, new { id = workspace, asOf = Ancient })).ErrorCodes);
        Assert.Equal(["BAD_REQUEST"], (await api.Host.AsAsync(owner, PostAsOf, new { id = post, asOf = Ancient })).ErrorCodes);
    }

    private async Task<JsonElement> PostAtAsync(Person person, string post, DateTimeOffset? asOf)
    {
        var response = await api.Host.AsAsync(person, PostAsOf, new { id = post, asOf = asOf?.ToString("O") });
        Assert.True(response.Errors.Length == 0, response.Body.ToString());
        return response.Data.GetProperty("post");
    }

    private async Task<JsonElement> WorkspaceAtAsync(Person person, string workspace, DateTimeOffset asOf)
    {
        var response = await api.Host.AsAsync(person, WorkspaceAsOf, new { id = workspace, asOf = asOf.ToString("O") });
        Assert.True(response.Errors.Length == 0, response.Body.ToString());
        return response.Data.GetProperty("workspace");
    }

    /// <summary>When each event of the stream was committed, in order: the instants time travel is measured against.</summary>
    private async Task<IReadOnlyList<DateTimeOffset>> CommittedAsync(Guid streamId)
    {
        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return [.. (await session.Events.FetchStreamAsync(streamId)).Select(e => e.Timestamp)];
    }

    private static DateTimeOffset Between(DateTimeOffset earlier, DateTimeOffset later) => earlier + ((later - earlier) / 2);

    private static Guid Id(string globalId, string typeName) => GlobalId.TryParse(globalId, typeName, out var id) ? id : throw new ArgumentException(globalId);

    private static (string? Text, string? Status, string? ScheduledAt, int Version) Shape(JsonElement post) =>
        (post.GetProperty("text").GetString(), post.GetProperty("status").GetString(),
            post.GetProperty("scheduledAt").ValueKind == JsonValueKind.Null ? null : post.GetProperty("scheduledAt").GetString(), post.GetProperty("version").GetInt32());

    private static string[] MemberIds(JsonElement workspace) =>
        [.. workspace.GetProperty("members").GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("node").GetProperty("user").GetProperty("id").GetString()!)];
}
