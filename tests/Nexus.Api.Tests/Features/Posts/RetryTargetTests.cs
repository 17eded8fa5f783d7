using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Media.Using;
using Nexus.Api.Features.Posts;
using Nexus.Api.Tests.Features.Media;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Posts;

/// <summary>One attempt only, so a single transient failure fails the target and a person's retry is what publishes it.</summary>
public sealed class SingleAttemptFixture : ApiFixture
{
    protected override string Purpose => "retry";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Nexus:Publishing:MaxAttempts"] = "1",
    };
}

public sealed class RetryTargetTests(SingleAttemptFixture api) : IClassFixture<SingleAttemptFixture>
{
    [Fact]
    public async Task a_failed_target_is_published_by_retry_target_with_a_fresh_round_of_attempts()
    {
        var owner = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var text = $"second chance {Guid.NewGuid():N} [sandbox:transient-once]";
        var post = await api.Host.DraftAsync(owner, workspace, text, connection);
        await api.Host.PostMutationAsync(owner, "publishPostNow", new { postId = post });

        var failed = await api.Host.WaitForStatusAsync(owner, post, TimeSpan.FromSeconds(20), "FAILED", "PUBLISHED");
        var target = failed.GetProperty("targets")[0];
        Assert.Equal(("FAILED", "PLATFORM_UNAVAILABLE"), (target.GetProperty("status").GetString(), target.GetProperty("lastError").GetProperty("code").GetString()));
        Assert.Empty(await api.Host.SandboxPostsAsync(text));

        var retried = await api.Host.PostMutationAsync(owner, "retryTarget", new { postId = post, targetId = target.GetProperty("id").GetString() });
        Assert.Equal(0, retried.GetProperty("errors").GetArrayLength());
        Assert.Equal("PUBLISHING", retried.GetProperty("post").GetProperty("status").GetString());

        var published = await api.Host.WaitForStatusAsync(owner, post, TimeSpan.FromSeconds(20), "PUBLISHED", "FAILED");
        Assert.Equal("PUBLISHED", published.GetProperty("status").GetString());
        Assert.Equal(2, published.GetProperty("targets")[0].GetProperty("attempts").GetInt32());
        Assert.Single(await api.Host.SandboxPostsAsync(text));

        // Published targets are not retried; an unknown target is a typed error, not a 500.
        var again = await api.Host.PostMutationAsync(owner, "retryTarget", new { postId = post, targetId = target.GetProperty("id").GetString() });
        Assert.Equal(["INVALID_STATE"], WorkspaceScenarios.ErrorCodesOf(again));
        var unknown = await api.Host.PostMutationAsync(owner, "retryTarget", new { postId = post, targetId = Nexus.Api.GraphQL.Relay.GlobalId.Encode("PostTarget", Guid.NewGuid()) });
        Assert.Equal(["NOT_FOUND"], WorkspaceScenarios.ErrorCodesOf(unknown));
    }

    [Fact]
    public async Task a_retry_of_a_target_whose_saved_answer_says_published_records_that_and_publishes_nothing_more()
    {
        var owner = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var text = $"already out {Guid.NewGuid():N} [sandbox:reject]";
        var post = await api.Host.DraftAsync(owner, workspace, text, connection);
        await api.Host.PostMutationAsync(owner, "publishPostNow", new { postId = post });
        var failed = await api.Host.WaitForStatusAsync(owner, post, TimeSpan.FromSeconds(20), "FAILED");

        // What a lost record looks like: the platform's "published" saved on the attempt, the target still FAILED.
        var store = api.Host.Services.GetRequiredService<IDocumentStore>();
        Nexus.Api.GraphQL.Relay.GlobalId.TryParse(failed.GetProperty("targets")[0].GetProperty("id").GetString(), "PostTarget", out var targetId);
        await using (var session = store.LightweightSession())
        {
            var attempt = await session.LoadAsync<PublishAttempt>(PublishAttempt.IdOf(targetId, 1));
            session.Store(attempt! with { Outcome = new AttemptOutcome("sbx-post-saved", "https://sandbox.example/p", null, null, null, null) });
            await session.SaveChangesAsync();
        }

        var retried = await api.Host.PostMutationAsync(owner, "retryTarget", new { postId = post, targetId = failed.GetProperty("targets")[0].GetProperty("id").GetString() });
        Assert.Equal(0, retried.GetProperty("errors").GetArrayLength());
        var target = retried.GetProperty("post").GetProperty("targets")[0];
        Assert.Equal(("PUBLISHED", "sbx-post-saved", 1), (target.GetProperty("status").GetString(), target.GetProperty("externalId").GetString(), target.GetProperty("attempts").GetInt32()));
        Assert.Empty(await api.Host.SandboxPostsAsync(text));
    }

    [Fact]
    public async Task a_retry_records_that_the_target_uses_its_library_items_again()
    {
        var owner = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var item = await api.Host.AddMediaAsync(workspace, "Second chance.jpg");
        var post = await FailedPostWithAsync(owner, workspace, connection, item);
        Assert.Equal(1, await UsesAsync(item, post));

        var retried = await api.Host.PostMutationAsync(owner, "retryTarget", new { postId = post, targetId = await TargetIdAsync(owner, post) });
        Assert.Equal(0, retried.GetProperty("errors").GetArrayLength());
        // Appended in the retry's own transaction, at the version it read: a delete racing it loses (MEDIA_IN_USE) or makes it run again.
        Assert.Equal(2, await UsesAsync(item, post));
        await api.Host.WaitForStatusAsync(owner, post, TimeSpan.FromSeconds(20), "PUBLISHED");
    }

    [Fact]
    public async Task a_retry_of_a_target_whose_item_was_deleted_while_it_had_failed_is_media_deleted()
    {
        var owner = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var item = await api.Host.AddMediaAsync(workspace, "Gone meanwhile.jpg");
        var post = await FailedPostWithAsync(owner, workspace, connection, item);

        // A failed post keeps no item from being deleted.
        var deleted = await api.Host.MutateAsync(owner, "deleteMedia", "DeleteMediaInput", new { mediaId = item }, "media { id }");
        Assert.Equal(0, deleted.GetProperty("errors").GetArrayLength());

        var retried = await api.Host.MutateAsync(owner, "retryTarget", "RetryTargetInput", new { postId = post, targetId = await TargetIdAsync(owner, post) },
            "post { status } errors { ... on Error { code message path } }");
        var error = Assert.Single(retried.GetProperty("errors").EnumerateArray());
        Assert.Equal("MEDIA_DELETED", error.GetProperty("code").GetString());
        Assert.Contains("Gone meanwhile.jpg", error.GetProperty("message").GetString()!, StringComparison.Ordinal);
        Assert.Equal(["input", "targetId"], error.GetProperty("path").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal("FAILED", (await api.Host.PostAsync(owner, post)).GetProperty("status").GetString());
        Assert.Equal(1, await UsesAsync(item, post));
    }

    /// <summary>A post publishing <paramref name="item"/> whose only attempt failed (a transient sandbox failure).</summary>
    private async Task<string> FailedPostWithAsync(Person owner, string workspace, string connection, string item)
    {
        var post = await api.Host.DraftAsync(owner, workspace, $"with media {Guid.NewGuid():N} [sandbox:transient-once]", connection);
        await api.Host.UseMediaAsync(post, inTargets: false, item);
        Assert.Equal(0, (await api.Host.PostMutationAsync(owner, "publishPostNow", new { postId = post })).GetProperty("errors").GetArrayLength());
        await api.Host.WaitForStatusAsync(owner, post, TimeSpan.FromSeconds(20), "FAILED");
        return post;
    }

    private async Task<string> TargetIdAsync(Person owner, string post) =>
        (await api.Host.PostAsync(owner, post)).GetProperty("targets")[0].GetProperty("id").GetString()!;

    /// <summary>The <see cref="MediaUsed"/> events of <paramref name="item"/>'s stream that name <paramref name="post"/>.</summary>
    private async Task<int> UsesAsync(string item, string post)
    {
        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var events = await session.Events.FetchStreamAsync(Ids.Of(item));
        return events.Select(e => e.Data).OfType<MediaUsed>().Count(u => u.UsedByPostId == Ids.Of(post));
    }
}
