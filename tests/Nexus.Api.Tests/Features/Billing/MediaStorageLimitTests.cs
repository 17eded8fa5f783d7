using System.Text.Json;
using Nexus.Api.Features.Media.Uploading;
using Nexus.Api.Tests.Features.Hooks;
using Nexus.Api.Tests.Features.Media;
using Nexus.Api.Tests.Features.Media.Uploading;
using Nexus.Api.Tests.Features.Workspaces;
using SkiaSharp;

namespace Nexus.Api.Tests.Features.Billing;

/// <summary>
/// Media storage end to end, on the free plan (100,000 bytes here): over HTTP the simple and the resumable upload answer
/// 403 with the PLAN_LIMIT body, importMedia answers PlanLimitError; after deleting media the same files are accepted.
/// </summary>
public sealed class MediaStorageLimitTests(PlansFixture api) : IClassFixture<PlansFixture>
{
    private static readonly (string, long, long, string, string) Full = ("mediaStorageBytes", 99_990L, 100_000L, "free", "starter");

    [Fact]
    public async Task every_way_into_the_library_is_refused_over_the_storage_limit_and_accepted_again_after_deleting_media()
    {
        var (owner, workspace) = await api.Host.SubscribedAsync("free");
        var filler = await api.Host.AddMediaAsync(workspace, bytes: new byte[99_990]);
        var png = TestMedia.Image(64, 64, SKEncodedImageFormat.Png);
        await using var source = await HookReceiver.StartAsync();

        Task<JsonElement> ImportAsync() =>
            api.Host.MutateAsync(owner, "importMedia", "ImportMediaInput", new { workspaceId = workspace, url = source.Serve("logo.png", png, "image/png") },
                "media { id sizeBytes } " + PlanScenarios.PlanErrorSelection);

        var simple = await api.Host.UploadSimpleAsync(owner.Token, workspace, png, "logo.png", "image/png");
        var resumable = await api.Host.UploadResumableAsync(owner.Token, workspace, png, "logo.png", chunks: 2);
        var imported = await ImportAsync();

        Assert.Equal(403, simple.Status);
        Assert.Equal(Full, PlanScenarios.HttpPlanError(simple.Json));
        Assert.Equal(403, resumable.Status);
        Assert.Equal(Full, PlanScenarios.HttpPlanError(resumable.Json));
        Assert.Equal(Full, PlanScenarios.PlanError(imported));
        Assert.Equal(JsonValueKind.Null, imported.GetProperty("media").ValueKind);

        var deleted = await api.Host.MutateAsync(owner, "deleteMedia", "DeleteMediaInput", new { mediaId = filler }, "media { id }");
        Assert.True(deleted.GetProperty("errors").GetArrayLength() == 0, deleted.ToString());

        var simpleAgain = await api.Host.UploadSimpleAsync(owner.Token, workspace, png, "logo.png", "image/png");
        var resumableAgain = await api.Host.UploadResumableAsync(owner.Token, workspace, png, "logo.png", chunks: 2);
        var importedAgain = await ImportAsync();

        Assert.True(simpleAgain.Status == 201, simpleAgain.Body);
        Assert.True(resumableAgain.Status == 204, resumableAgain.Body);
        Assert.NotNull(resumableAgain.Header(ResumableUpload.MediaIdHeader));
        Assert.True(importedAgain.GetProperty("errors").GetArrayLength() == 0, importedAgain.ToString());
        Assert.Equal(png.Length, importedAgain.GetProperty("media").GetProperty("sizeBytes").GetInt64());
    }
}
