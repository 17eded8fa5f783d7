using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Posts;
using Nexus.Api.Features.Posts.Publishing;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;
using Wolverine;

namespace Nexus.Api.Tests.Features.Posts;

/// <summary>Retries a few times, quickly, so the retry paths run inside a test's time.</summary>
public sealed class PublishingFixture : ApiFixture
{
    protected override string Purpose => "publishing";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Nexus:Publishing:RetryBaseDelay"] = "00:00:00.200",
        ["Nexus:Publishing:MaxAttempts"] = "3",
        ["Nexus:Publishing:ExtraRateLimitAttempts"] = "1",
        ["Nexus:Platforms:Sandbox:RateLimitReset"] = "00:00:01",
    };
}

public sealed class PublishingTests(PublishingFixture api) : IClassFixture<PublishingFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private async Task<(Person Owner, string Workspace, string Connection)> WorkspaceWithSandboxAsync()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        return (owner, workspace, await api.Host.ConnectSandboxAsync(owner, workspace));
    }

    [Fact]
    public async Task a_scheduled_post_is_published_at_its_time_exactly_once()
    {
        var (owner, workspace, connection) = await WorkspaceWithSandboxAsync();
        var text = $"hello {Guid.NewGuid():N}";
        var post = await api.Host.DraftAsync(owner, workspace, text, connection);
        var due = DateTimeOffset.UtcNow.AddSeconds(2);

        var scheduled = await api.Host.ScheduleAsync(owner, post, due);
        Assert.Equal(0, scheduled.GetProperty("errors").GetArrayLength());
        Assert.Equal("SCHEDULED", scheduled.GetProperty("post").GetProperty("status").GetString());
        Assert.Empty(await api.Host.SandboxPostsAsync(text));

        var published = await api.Host.WaitForStatusAsync(owner, post, Patience, "PUBLISHED", "FAILED");
        Assert.Equal("PUBLISHED", published.GetProperty("status").GetString());
        var target = Assert.Single(published.GetProperty("targets").EnumerateArray());
        Assert.Equal(1, target.GetProperty("attempts").GetInt32());
        var onSandbox = Assert.Single(await api.Host.SandboxPostsAsync(text));
        Assert.Equal(onSandbox.Id, target.GetProperty("externalId").GetString());
        Assert.True(onSandbox.ReceivedAt >= due, $"published at {onSandbox.ReceivedAt:O}, before its time {due:O}");
    }

    [Fact]
    public async Task a_transient_failure_is_retried_with_backoff_and_then_published_once()
    {
        var (owner, workspace, connection) = await WorkspaceWithSandboxAsync();
        var text = $"flaky {Guid.NewGuid():N} [sandbox:transient-once]";
        var post = await api.Host.DraftAsync(owner, workspace, text, connection);
        await api.Host.PostMutationAsync(owner, "publishPostNow", new { postId = post });

        var published = await api.Host.WaitForStatusAsync(owner, post, Patience, "PUBLISHED", "FAILED");
        Assert.Equal("PUBLISHED", published.GetProperty("status").GetString());
        Assert.Equal(2, published.GetProperty("targets")[0].GetProperty("attempts").GetInt32());
        Assert.Single(await api.Host.SandboxPostsAsync(text));

        var history = await api.Host.AsAsync(owner, "query ($id: ID!) { post(id: $id) { history { edges { node { event attempt summary } } } } }", new { id = post });
        var events = history.Data.GetProperty("post").GetProperty("history").GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("node").GetProperty("event").GetString()).ToList();
        Assert.Equal(["PostDrafted", "PostPublicationStarted", "TargetPublishAttempted", "TargetPublishFailed", "TargetPublishAttempted", "TargetPublished"], events);
    }

    [Fact]
    public async Task a_platform_that_stays_down_fails_the_target_after_the_bounded_attempts()
    {
        var (owner, workspace, connection) = await WorkspaceWithSandboxAsync();
        var post = await api.Host.DraftAsync(owner, workspace, $"down {Guid.NewGuid():N} [sandbox:transient]", connection);
        await api.Host.PostMutationAsync(owner, "publishPostNow", new { postId = post });

        var failed = await api.Host.WaitForStatusAsync(owner, post, Patience, "FAILED", "PUBLISHED");
        var target = failed.GetProperty("targets")[0];
        Assert.Equal("FAILED", target.GetProperty("status").GetString());
        Assert.Equal(3, target.GetProperty("attempts").GetInt32());
        Assert.Equal("PLATFORM_UNAVAILABLE", target.GetProperty("lastError").GetProperty("code").GetString());
        Assert.True(target.GetProperty("lastError").GetProperty("retryable").GetBoolean());
    }

    [Fact]
    public async Task rejected_content_fails_at_once_with_the_platforms_reason()
    {
        var (owner, workspace, connection) = await WorkspaceWithSandboxAsync();
        var post = await api.Host.DraftAsync(owner, workspace, $"rude {Guid.NewGuid():N} [sandbox:reject]", connection);
        await api.Host.PostMutationAsync(owner, "publishPostNow", new { postId = post });

        var failed = await api.Host.WaitForStatusAsync(owner, post, Patience, "FAILED", "PUBLISHED");
        var target = failed.GetProperty("targets")[0];
        Assert.Equal(1, target.GetProperty("attempts").GetInt32());
        Assert.Equal("PLATFORM_REJECTED", target.GetProperty("lastError").GetProperty("code").GetString());
        Assert.Contains("refuses this content", target.GetProperty("lastError").GetProperty("message").GetString());
        Assert.False(target.GetProperty("lastError").GetProperty("retryable").GetBoolean());
    }

    [Fact]
    public async Task an_auth_failure_marks_the_connection_needs_reauth_and_fails_the_target_with_what_to_do()
    {
        var (owner, workspace, connection) = await WorkspaceWithSandboxAsync();
        var post = await api.Host.DraftAsync(owner, workspace, $"locked {Guid.NewGuid():N} [sandbox:auth]", connection);
        await api.Host.PostMutationAsync(owner, "publishPostNow", new { postId = post });

        var failed = await api.Host.WaitForStatusAsync(owner, post, Patience, "FAILED", "PUBLISHED");
        var error = failed.GetProperty("targets")[0].GetProperty("lastError");
        Assert.Equal("NEEDS_REAUTH", error.GetProperty("code").GetString());
        Assert.Contains("Reconnect the account", error.GetProperty("message").GetString());
        var connections = await api.Host.ConnectionsAsync(owner, workspace);
        Assert.Equal("NEEDS_REAUTH", connections[0].GetProperty("status").GetString());

        // Nothing else may be scheduled on it until it is reconnected.
        var next = await api.Host.DraftAsync(owner, workspace, "after the failure", connection);
        var refused = await api.Host.ScheduleAsync(owner, next, DateTimeOffset.UtcNow.AddHours(1));
        Assert.Equal(["NOT_CONNECTED"], WorkspaceScenarios.ErrorCodesOf(refused));
    }

    [Fact]
    public async Task a_rate_limit_is_retried_at_the_platforms_reset_time()
    {
        var (owner, workspace, connection) = await WorkspaceWithSandboxAsync();
        var post = await api.Host.DraftAsync(owner, workspace, $"busy {Guid.NewGuid():N} [sandbox:rate-limit]", connection);
        await api.Host.PostMutationAsync(owner, "publishPostNow", new { postId = post });

        var waiting = await api.Host.WaitForStatusAsync(owner, post, Patience, "PUBLISHING", "FAILED");
        var deadline = DateTime.UtcNow + Patience;
        while (waiting.GetProperty("targets")[0].GetProperty("lastError").ValueKind == System.Text.Json.JsonValueKind.Null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            waiting = await api.Host.PostAsync(owner, post);
        }

        var target = waiting.GetProperty("targets")[0];
        Assert.Equal("RATE_LIMITED", target.GetProperty("lastError").GetProperty("code").GetString());
        var failed = await api.Host.WaitForStatusAsync(owner, post, Patience, "FAILED");
        Assert.Equal(4, failed.GetProperty("targets")[0].GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task targets_publish_independently_and_the_post_says_partially_published()
    {
        var (owner, workspace, first) = await WorkspaceWithSandboxAsync();
        var second = await api.Host.ConnectSandboxAsync(owner, workspace);
        var marker = Guid.NewGuid().ToString("N");
        var payload = await api.Host.DraftPayloadAsync(owner, workspace, $"shared {marker}",
            new { connectionId = first }, new { connectionId = second, text = $"override {marker} [sandbox:reject]" });
        var post = payload.GetProperty("post").GetProperty("id").GetString()!;
        await api.Host.PostMutationAsync(owner, "publishPostNow", new { postId = post });

        var done = await api.Host.WaitForStatusAsync(owner, post, Patience, "PARTIALLY_PUBLISHED", "PUBLISHED", "FAILED");
        Assert.Equal("PARTIALLY_PUBLISHED", done.GetProperty("status").GetString());
        Assert.Equal(["PUBLISHED", "FAILED"], PostScenarios.Statuses(done));
        Assert.Single(await api.Host.SandboxPostsAsync(marker));
    }

    [Fact]
    public async Task a_duplicate_delivery_of_a_publish_message_publishes_nothing_more()
    {
        var (owner, workspace, connection) = await WorkspaceWithSandboxAsync();
        var text = $"once {Guid.NewGuid():N}";
        var post = await api.Host.DraftAsync(owner, workspace, text, connection);
        await api.Host.PostMutationAsync(owner, "publishPostNow", new { postId = post });
        await api.Host.WaitForStatusAsync(owner, post, Patience, "PUBLISHED");

        Nexus.Api.GraphQL.Relay.GlobalId.TryParse(post, "Post", out var postId);
        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var stored = await session.LoadAsync<Post>(postId);
        var bus = api.Host.Services.GetRequiredService<IMessageBus>();
        // The same message again (a redelivery), and concurrently twice more.
        var redelivered = new PublishTarget(postId, stored!.Targets[0].Id, 1);
        await Task.WhenAll(bus.InvokeAsync(redelivered), bus.InvokeAsync(redelivered), bus.InvokeAsync(redelivered));

        Assert.Single(await api.Host.SandboxPostsAsync(text));
        var events = await session.Events.FetchStreamAsync(postId);
        Assert.Single(events, e => e.Data is TargetPublished);
        Assert.Single(events, e => e.Data is TargetPublishAttempted);
    }
}
