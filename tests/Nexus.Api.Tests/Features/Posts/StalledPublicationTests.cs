using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Posts;
using Nexus.Api.Features.Posts.Publishing;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Posts;

/// <summary>Anything not moving counts as stalled at once; the periodic check only runs when a test calls it.</summary>
public sealed class StallFixture : ApiFixture
{
    protected override string Purpose => "stalls";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Nexus:Publishing:StalledAfter"] = "00:00:00",
        ["Nexus:Publishing:StallCheckInterval"] = "01:00:00",
    };
}

public sealed class StalledPublicationTests(StallFixture api) : IClassFixture<StallFixture>
{
    [Fact]
    public async Task a_publication_whose_messages_were_lost_is_picked_up_by_the_stall_check_and_published_once()
    {
        var owner = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var text = $"lost {Guid.NewGuid():N}";
        var post = await api.Host.DraftAsync(owner, workspace, text, connection);
        GlobalId.TryParse(post, PostType.TypeName, out var id);

        // A crash that loses the cascaded messages: publication started, and nothing was sent to publish the target.
        await using (var session = api.Host.Services.GetRequiredService<IDocumentStore>().LightweightSession())
        {
            var stream = await session.Events.FetchForWriting<Post>(id);
            stream.AppendOne(new PostPublicationStarted(id, true, null, DateTimeOffset.UtcNow));
            await session.SaveChangesAsync();
        }

        await Task.Delay(300);
        Assert.Equal("PUBLISHING", (await api.Host.PostAsync(owner, post)).GetProperty("status").GetString());
        Assert.Empty(await api.Host.SandboxPostsAsync(text));

        var check = api.Host.Services.GetRequiredService<StalledPublicationCheck>();
        Assert.Equal(1, await check.SweepAsync(CancellationToken.None));
        await api.Host.WaitForStatusAsync(owner, post, TimeSpan.FromSeconds(20), "PUBLISHED");

        // Running it again finds nothing to do, and nothing is published twice.
        Assert.Equal(0, await check.SweepAsync(CancellationToken.None));
        Assert.Single(await api.Host.SandboxPostsAsync(text));
    }
}
