using System.Text.Json;
using Alba;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Platforms.Sandbox;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Posts;

public static class PostScenarios
{
    public const string PostSelection = "post { id status version scheduledAt localScheduledAt dstResolution timeZone queued " +
        "warnings { code message path } targets { id status attempts externalId externalUrl nextAttemptAt lastError { code message retryable } } }";

    /// <summary>A workspace with a sandbox connection, and a viewer's socket already subscribed (as "posts") to <paramref name="watch"/>.</summary>
    public static async Task<(Person Owner, string Workspace, string Connection, GraphQLWebSocketClient Client)> WatchedWorkspaceAsync(this IAlbaHost host, string watch)
    {
        var owner = await host.PersonAsync("Owner");
        var viewer = await host.PersonAsync("Viewer");
        var workspace = await host.CreateWorkspaceAsync(owner);
        await host.AddMemberAsync(owner, workspace, viewer, "VIEWER");
        var connection = await host.ConnectSandboxAsync(owner, workspace);
        var client = await GraphQLWebSocketClient.ConnectedAsync(host, viewer.Token);
        await client.SubscribeAsync("posts", watch, new { workspaceId = workspace });
        Assert.Empty(await client.RoundTripAsync());
        return (owner, workspace, connection, client);
    }

    public static async Task<JsonElement> DraftPayloadAsync(this IAlbaHost host, Person person, string workspaceId, string text, params object[] targets) =>
        await host.MutateAsync(person, "draftPost", "DraftPostInput", new { workspaceId, text, targets }, PostSelection);

    /// <summary>Drafts a post for the given connections and returns its id.</summary>
    public static async Task<string> DraftAsync(this IAlbaHost host, Person person, string workspaceId, string text, params string[] connectionIds)
    {
        var payload = await host.DraftPayloadAsync(person, workspaceId, text, [.. connectionIds.Select(id => (object)new { connectionId = id })]);
        Assert.Equal(0, payload.GetProperty("errors").GetArrayLength());
        return payload.GetProperty("post").GetProperty("id").GetString()!;
    }

    public static async Task<JsonElement> PostMutationAsync(this IAlbaHost host, Person person, string field, object input) =>
        await host.MutateAsync(person, field, char.ToUpperInvariant(field[0]) + field[1..] + "Input", input, PostSelection);

    public static async Task<JsonElement> ScheduleAsync(this IAlbaHost host, Person person, string postId, DateTimeOffset at) =>
        await host.PostMutationAsync(person, "schedulePost", new { postId, at = at.ToString("O") });

    public static async Task<JsonElement> PostAsync(this IAlbaHost host, Person person, string postId)
    {
        var response = await host.AsAsync(person, $"query ($id: ID!) {{ {PostSelection.Replace("post {", "post(id: $id) {", StringComparison.Ordinal)} }}", new { id = postId });
        Assert.True(response.Errors.Length == 0, response.Body.ToString());
        return response.Data.GetProperty("post");
    }

    /// <summary>Polls until the post reaches one of <paramref name="statuses"/> (bounded; fails with the last state seen).</summary>
    public static async Task<JsonElement> WaitForStatusAsync(this IAlbaHost host, Person person, string postId, TimeSpan timeout, params string[] statuses)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var post = await host.PostAsync(person, postId);
            if (statuses.Contains(post.GetProperty("status").GetString()))
            {
                return post;
            }

            Assert.True(DateTime.UtcNow < deadline, $"still {post} after {timeout}");
            await Task.Delay(100);
        }
    }

    /// <summary>What the sandbox platform holds for an idempotency key: counted to prove nothing is published twice.</summary>
    public static async Task<IReadOnlyList<SandboxPost>> SandboxPostsAsync(this IAlbaHost host, string textContains)
    {
        await using var session = host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return await session.Query<SandboxPost>().Where(p => p.Text.Contains(textContains)).ToListAsync();
    }

    public static string[] Statuses(JsonElement post) =>
        [.. post.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("status").GetString()!)];
}
