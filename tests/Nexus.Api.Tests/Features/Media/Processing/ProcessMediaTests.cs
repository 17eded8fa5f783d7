using System.Text.Json;
using Nexus.Api.Features.Media;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Media.Processing;

/// <summary><c>processMedia</c> over GraphQL: checked against the item's facts, queued, run, and told over <c>mediaProcessing</c>.</summary>
[Collection(ApiCollection.Name)]
public sealed class ProcessMediaTests(ApiFixture api)
{
    private const string Selection = "job { id status operation source { id } output { id width height } error { code message } }";
    private const string Watch = "subscription ($workspaceId: ID!) { mediaProcessing(workspaceId: $workspaceId) { change job { id status progress output { width height } } } }";

    private Task<JsonElement> ProcessAsync(Person person, string mediaId, object operation) =>
        api.Host.MutateAsync(person, "processMedia", "ProcessMediaInput", new { mediaId, operation }, Selection);

    [Fact]
    public async Task a_crop_is_queued_run_and_every_step_is_pushed_over_the_subscription()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var media = GlobalId.Encode(MediaItemType.TypeName, await api.Host.AddMediaAsync(workspace, TestMedia.Image(1200, 800), "crop.jpg"));
        await using var client = await GraphQLWebSocketClient.ConnectedAsync(api.Host, owner.Token);
        await client.SubscribeAsync("jobs", Watch, new { workspaceId = workspace });
        await client.RoundTripAsync();

        var payload = await ProcessAsync(owner, media, new { resizeImage = new { aspect = "4:5", width = 400, format = "PNG" } });

        Assert.Equal(0, payload.GetProperty("errors").GetArrayLength());
        var job = payload.GetProperty("job");
        Assert.Equal(("QUEUED", "crop to 4:5 at 400 px wide, Png", media), (job.GetProperty("status").GetString(), job.GetProperty("operation").GetString(),
            job.GetProperty("source").GetProperty("id").GetString()));
        var changes = new List<string>();
        JsonElement last;
        do
        {
            last = (await client.NextAsync("jobs", TimeSpan.FromSeconds(30))).GetProperty("data").GetProperty("mediaProcessing");
            Assert.Equal(job.GetProperty("id").GetString(), last.GetProperty("job").GetProperty("id").GetString());
            changes.Add(last.GetProperty("change").GetString()!);
        }
        while (changes[^1] is not ("SUCCEEDED" or "FAILED"));

        Assert.Equal(["QUEUED", "STARTED"], changes.Take(2));
        Assert.Contains("PROGRESS", changes);
        Assert.Equal("SUCCEEDED", changes[^1]);
        Assert.Equal((100, 400, 500), (last.GetProperty("job").GetProperty("progress").GetInt32(),
            last.GetProperty("job").GetProperty("output").GetProperty("width").GetInt32(), last.GetProperty("job").GetProperty("output").GetProperty("height").GetInt32()));
    }

    [Fact]
    public async Task operations_that_do_not_fit_the_item_are_refused_with_typed_errors()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var other = await api.Host.CreateWorkspaceAsync(owner, "Other");
        var image = GlobalId.Encode(MediaItemType.TypeName, await api.Host.AddMediaAsync(workspace, TestMedia.Image(64, 48), "a.jpg"));
        var elsewhere = GlobalId.Encode(MediaItemType.TypeName, await api.Host.AddMediaAsync(other, TestMedia.Image(64, 48), "b.jpg"));

        async Task<(string Code, string Path)> ErrorOf(string mediaId, object operation)
        {
            var payload = await ProcessAsync(owner, mediaId, operation);
            var error = Assert.Single(payload.GetProperty("errors").EnumerateArray());
            Assert.Equal(JsonValueKind.Null, payload.GetProperty("job").ValueKind);
            return (error.GetProperty("code").GetString()!, string.Join('.', error.GetProperty("path").EnumerateArray().Select(p => p.GetString())));
        }

        Assert.Equal(("VALIDATION", "input.operation"), await ErrorOf(image, new { }));
        Assert.Equal(("VALIDATION", "input.operation"), await ErrorOf(image, new { resizeImage = new { aspect = "1:1" }, trim = new { startSeconds = 0, endSeconds = 1 } }));
        Assert.Equal(("VALIDATION", "input.operation.resizeImage.aspect"), await ErrorOf(image, new { resizeImage = new { aspect = "square" } }));
        Assert.Equal(("VALIDATION", "input.operation.transcodeVideo.preset"), await ErrorOf(image, new { transcodeVideo = new { preset = "vhs" } }));
        Assert.Equal(("WRONG_MEDIA_KIND", "input.operation.transcodeVideo"), await ErrorOf(image, new { transcodeVideo = new { preset = "instagram_reel" } }));
        Assert.Equal(("WRONG_MEDIA_KIND", "input.operation.trim"), await ErrorOf(image, new { trim = new { startSeconds = 0, endSeconds = 1 } }));

        using var clip = await TestMedia.VideoAsync(1, 160, 120);
        var video = GlobalId.Encode(MediaItemType.TypeName, await api.Host.AddMediaAsync(workspace, clip.Bytes(), "clip.mp4"));
        Assert.Equal(("OPERATION_NOT_POSSIBLE", "input.operation.trim.endSeconds"), await ErrorOf(video, new { trim = new { startSeconds = 0, endSeconds = 5 } }));
        Assert.Equal(("OPERATION_NOT_POSSIBLE", "input.operation.extractFrame.atSeconds"), await ErrorOf(video, new { extractFrame = new { atSeconds = 3 } }));
        Assert.Equal(("NOT_FOUND", "input.operation.mergeVideos.mediaIds.0"), await ErrorOf(video, new { mergeVideos = new { mediaIds = new[] { elsewhere } } }));
        Assert.Equal(("WRONG_MEDIA_KIND", "input.operation.mergeVideos.mediaIds.0"), await ErrorOf(video, new { mergeVideos = new { mediaIds = new[] { image } } }));
        Assert.Equal(("VALIDATION", "input.operation.mergeVideos.mediaIds"), await ErrorOf(video, new { mergeVideos = new { mediaIds = Enumerable.Repeat(video, 11).ToArray() } }));
        Assert.Equal(("WRONG_MEDIA_KIND", "input.operation.replaceAudio.audioMediaId"), await ErrorOf(video, new { replaceAudio = new { audioMediaId = image } }));
    }

    [Fact]
    public async Task a_viewer_cannot_process_and_an_outsider_cannot_watch()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var viewer = await api.Host.PersonAsync("Viewer");
        var outsider = await api.Host.PersonAsync("Outsider");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        await api.Host.AddMemberAsync(owner, workspace, viewer, "VIEWER");
        var image = GlobalId.Encode(MediaItemType.TypeName, await api.Host.AddMediaAsync(workspace, TestMedia.Image(64, 48), "a.jpg"));

        var refused = await api.Host.AsAsync(viewer, "mutation ($input: ProcessMediaInput!) { processMedia(input: $input) { job { id } } }",
            new { input = new { mediaId = image, operation = new { resizeImage = new { aspect = "1:1" } } } });
        Assert.Contains("FORBIDDEN", refused.Body.ToString());

        await using var client = await GraphQLWebSocketClient.ConnectedAsync(api.Host, outsider.Token);
        await client.SubscribeAsync("jobs", Watch, new { workspaceId = workspace });
        Assert.Equal(["FORBIDDEN"], await client.ErrorCodesAsync("jobs"));
    }
}
