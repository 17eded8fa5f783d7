using System.Text.Json;
using Nexus.Api.Features.Media;
using Nexus.Api.Features.Media.Processing;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Tests.Features.Media;
using Nexus.Api.Tests.Features.Media.Processing;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Hooks;

public sealed class MediaProcessedHookTests(HooksFixture api) : IClassFixture<HooksFixture>
{
    [Fact]
    public async Task a_succeeded_job_sends_media_processed_naming_the_new_item()
    {
        api.Clock.Reset();
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var url = api.Receiver.NewUrl(out var path);
        var (_, secret) = await api.Host.CreateEndpointAsync(owner, workspace, url, "media.processed");
        var source = await api.Host.AddMediaAsync(workspace, TestMedia.Image(200, 100), "hook.jpg");

        var job = await api.Host.RunJobAsync(workspace, source, new ResizeImage(new AspectRatio(1, 1), 50));

        await Eventually.TrueAsync(async () =>
        {
            await api.Host.SweepAllAsync();
            return api.Receiver.At(path).Count >= 1;
        }, "media.processed never arrived", TimeSpan.FromSeconds(30));
        var hook = Assert.Single(api.Receiver.At(path));
        HookScenarios.Verify(secret, hook);
        var body = JsonDocument.Parse(hook.Body).RootElement;
        Assert.Equal("media.processed", body.GetProperty("type").GetString());
        Assert.Equal((workspace, GlobalId.Encode(MediaItemType.TypeName, job.OutputId!.Value), "IMAGE"),
            (body.GetProperty("data").GetProperty("workspaceId").GetString(), body.GetProperty("data").GetProperty("mediaId").GetString(),
                body.GetProperty("data").GetProperty("kind").GetString()));
    }
}
