using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Media.Storage;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Media.Uploading;
using Nexus.Api.Tests.Features.Posts;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Media;

/// <summary>
/// A fit that cannot succeed, seen through GraphQL: a damaged video that probing accepts (its header is intact) but
/// ffmpeg cannot decode. The target's <c>mediaFits</c> says why, the source stays as it was, and the post is refused
/// rather than published with the file that does not fit.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class MediaFitFailureTests(ApiFixture api)
{
    private const string PostSelection =
        "id status warnings { code } media { item { id } } targets { media { item { id } } mediaFits { status index sourceId variantId error { code message retryable } } }";

    [Fact]
    public async Task a_fit_that_fails_is_reported_on_the_target_and_leaves_the_source_and_the_post_as_they_were()
    {
        var owner = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);

        // 15 fps needs a transcode for the sandbox (held to Instagram's reel limits); the frames are noise.
        var damaged = await DamagedVideoAsync();
        var uploaded = await api.Host.UploadResumableAsync(owner.Token, workspace, damaged, "damaged.mp4");
        var source = uploaded.Header("Nexus-Media-Id") ?? throw new InvalidOperationException($"probing refused the file: {uploaded.Status} {uploaded.Body}");
        var before = (await api.Host.MediaItemAsync(source))!;
        var bytesBefore = await StoredSha256Async(before.StorageKey);

        var text = $"damaged {Guid.NewGuid():N}";
        var drafted = await api.Host.MutateAsync(owner, "draftPost", "DraftPostInput", new
        {
            workspaceId = workspace,
            text,
            media = new[] { new { mediaId = source } },
            targets = new[] { new { connectionId = connection } },
        }, "post { id }");
        Assert.Equal(0, drafted.GetProperty("errors").GetArrayLength());
        var postId = drafted.GetProperty("post").GetProperty("id").GetString()!;

        var fit = await api.Host.MutateAsync(owner, "fitMediaToTargets", "FitMediaToTargetsInput", new { postId }, "jobIds");
        Assert.Equal(0, fit.GetProperty("errors").GetArrayLength());
        Assert.Equal(1, fit.GetProperty("jobIds").GetArrayLength());

        var post = await WhenFitEndsAsync(owner, postId);
        var target = post.GetProperty("targets")[0];
        var failed = Assert.Single(target.GetProperty("mediaFits").EnumerateArray());
        Assert.Equal(("FAILED", 0, source), (failed.GetProperty("status").GetString(), failed.GetProperty("index").GetInt32(), failed.GetProperty("sourceId").GetString()));
        Assert.Equal(JsonValueKind.Null, failed.GetProperty("variantId").ValueKind);
        var error = failed.GetProperty("error");
        Assert.Equal("UNSUPPORTED_MEDIA", error.GetProperty("code").GetString());
        Assert.Contains("could not be processed", error.GetProperty("message").GetString()!, StringComparison.Ordinal);
        Assert.Contains("damaged", error.GetProperty("message").GetString()!, StringComparison.Ordinal);

        // The target keeps the post's media (no variant of its own), the source item and its bytes are unchanged, and preflight still warns.
        Assert.Equal(JsonValueKind.Null, target.GetProperty("media").ValueKind);
        Assert.Equal(source, post.GetProperty("media")[0].GetProperty("item").GetProperty("id").GetString());
        var after = (await api.Host.MediaItemAsync(source))!;
        Assert.Equal((before.Facts, before.StorageKey, false), (after.Facts, after.StorageKey, after.Deleted));
        Assert.Equal(bytesBefore, await StoredSha256Async(after.StorageKey));
        Assert.NotEqual(0, post.GetProperty("warnings").GetArrayLength());

        // The file that does not fit is never published: scheduling and publishing now are refused, and nothing went out.
        var scheduled = await api.Host.ScheduleAsync(owner, postId, DateTimeOffset.UtcNow.AddHours(1));
        Assert.Contains("PLATFORM_RULE", WorkspaceScenarios.ErrorCodesOf(scheduled));
        var now = await api.Host.PostMutationAsync(owner, "publishPostNow", new { postId });
        Assert.Contains("PLATFORM_RULE", WorkspaceScenarios.ErrorCodesOf(now));
        Assert.Equal("DRAFT", (await api.Host.PostAsync(owner, postId)).GetProperty("status").GetString());
        Assert.Empty(await api.Host.SandboxPostsAsync(text));
    }

    /// <summary>
    /// An H.264 MP4 whose index (moov, written first) is intact and whose media data is overwritten with noise: ffprobe
    /// reads its facts, ffmpeg cannot decode a frame.
    /// </summary>
    private static async Task<byte[]> DamagedVideoAsync()
    {
        using var clip = await TestMedia.VideoAsync(4, 1280, 720, frameRate: 15, extraArgs: "-movflags +faststart");
        var bytes = clip.Bytes();
        var mdat = bytes.AsSpan().IndexOf("mdat"u8);
        Assert.True(mdat > 0, "no mdat box");
        new Random(15).NextBytes(bytes.AsSpan(mdat + 4 + 64));
        return bytes;
    }

    private async Task<JsonElement> WhenFitEndsAsync(Person owner, string postId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            var response = await api.Host.AsAsync(owner, $"query ($id: ID!) {{ post(id: $id) {{ {PostSelection} }} }}", new { id = postId });
            Assert.True(response.Errors.Length == 0, response.Body.ToString());
            var post = response.Data.GetProperty("post");
            if (post.GetProperty("targets")[0].GetProperty("mediaFits").EnumerateArray().All(f => f.GetProperty("status").GetString() != "FITTING"))
            {
                return post;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the fit is still running: {post}");
            await Task.Delay(250);
        }
    }

    private async Task<string> StoredSha256Async(string key)
    {
        await using var stored = (await api.Host.Services.GetRequiredService<IMediaStore>().OpenAsync(key, null, CancellationToken.None))!;
        using var copy = new MemoryStream();
        await stored.Content.CopyToAsync(copy);
        return Convert.ToHexStringLower(SHA256.HashData(copy.ToArray()));
    }
}
