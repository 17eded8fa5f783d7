using System.Security.Cryptography;
using System.Text.Json;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Media.Serving;
using Nexus.Api.Tests.Features.Media.Uploading;
using Nexus.Api.Tests.Features.Posts;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Media;

public sealed class MediaDoneWhenFixture : ApiFixture
{
    protected override string Purpose => "media_done";
}

/// <summary>
/// Issue 15's done-when, on the sandbox (which holds library media to Instagram's feed-image and Reels limits): a person
/// uploads a video (resumable) and a photo (simple), Nexus warns that neither fits, one <c>fitMediaToTargets</c> call fixes
/// both, and the scheduled post publishes the fitted files: the bytes the sandbox fetched are the variants'.
/// </summary>
public sealed class MediaDoneWhenTests(MediaDoneWhenFixture api) : IClassFixture<MediaDoneWhenFixture>
{
    private const string PostSelection = "id status warnings { code message fix { __typename } } targets { media { item { id width height videoCodec frameRate url } } }";

    private async Task<JsonElement> PostAsync(Person owner, string postId)
    {
        var response = await api.Host.AsAsync(owner, $"query ($id: ID!) {{ post(id: $id) {{ {PostSelection} }} }}", new { id = postId });
        Assert.True(response.Errors.Length == 0, response.Body.ToString());
        return response.Data.GetProperty("post");
    }

    [Fact]
    public async Task an_uploaded_video_and_photo_that_do_not_fit_are_fitted_in_one_call_and_published()
    {
        var owner = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);

        // 15 fps is below Reels' 23, and a 3:1 panorama is wider than Instagram's 1.91:1.
        using var clip = await TestMedia.VideoAsync(4, 1280, 720, frameRate: 15);
        var uploaded = await api.Host.UploadResumableAsync(owner.Token, workspace, clip.Bytes(), "holiday.mp4");
        var video = uploaded.Header("Nexus-Media-Id") ?? throw new InvalidOperationException($"the upload made no item: {uploaded.Status} {uploaded.Body}");
        var simple = await api.Host.UploadSimpleAsync(owner.Token, workspace, TestMedia.Image(3000, 1000), "panorama.jpg");
        Assert.True(simple.Status == 201, simple.Body);
        var photo = JsonDocument.Parse(simple.Body).RootElement.GetProperty("id").GetString()!;

        var text = $"fitted {Guid.NewGuid():N}";
        var drafted = await api.Host.MutateAsync(owner, "draftPost", "DraftPostInput", new
        {
            workspaceId = workspace,
            text,
            media = new object[] { new { mediaId = photo }, new { mediaId = video } },
            targets = new[] { new { connectionId = connection } },
        }, $"post {{ {PostSelection} }}");
        Assert.Equal(0, drafted.GetProperty("errors").GetArrayLength());
        var post = drafted.GetProperty("post");
        var postId = post.GetProperty("id").GetString()!;
        var warnings = post.GetProperty("warnings").EnumerateArray().ToList();
        Assert.True(warnings.Count >= 2, post.ToString());
        Assert.All(warnings, w => Assert.NotEqual(JsonValueKind.Null, w.GetProperty("fix").ValueKind));

        var fitted = await api.Host.MutateAsync(owner, "fitMediaToTargets", "FitMediaToTargetsInput", new { postId }, "jobIds");
        Assert.Equal(0, fitted.GetProperty("errors").GetArrayLength());
        Assert.Equal(2, fitted.GetProperty("jobIds").GetArrayLength());

        // The jobs run on the node's durable queue; the variants replace the target's media as each succeeds.
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        JsonElement now;
        while (true)
        {
            now = await PostAsync(owner, postId);
            if (now.GetProperty("warnings").GetArrayLength() == 0)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the post still has warnings: {now}");
            await Task.Delay(250);
        }

        var variants = now.GetProperty("targets")[0].GetProperty("media").EnumerateArray().Select(m => m.GetProperty("item")).ToList();
        Assert.Equal(2, variants.Count);
        Assert.DoesNotContain(variants, v => v.GetProperty("id").GetString() is var id && (id == photo || id == video));
        Assert.InRange((double)variants[0].GetProperty("width").GetInt32() / variants[0].GetProperty("height").GetInt32(), 0.8, 1.91);
        Assert.Equal("h264", variants[1].GetProperty("videoCodec").GetString());
        Assert.True(variants[1].GetProperty("frameRate").GetDouble() >= 23);

        Assert.Equal(0, (await api.Host.ScheduleAsync(owner, postId, DateTimeOffset.UtcNow.AddSeconds(2))).GetProperty("errors").GetArrayLength());
        await api.Host.WaitForStatusAsync(owner, postId, TimeSpan.FromSeconds(60), "PUBLISHED");

        var published = Assert.Single(await api.Host.SandboxPostsAsync(text));
        var expected = new List<string?>();
        foreach (var variant in variants)
        {
            using var response = await api.Host.FetchAsync(new Uri(variant.GetProperty("url").GetString()!).PathAndQuery);
            expected.Add(Convert.ToHexStringLower(SHA256.HashData(await response.Content.ReadAsByteArrayAsync())));
        }

        Assert.Equal(expected, published.MediaSha256!.Select(h => h?.ToLowerInvariant()));
    }
}
