using System.Security.Cryptography;
using System.Text.Json;
using Marten;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Media;
using Nexus.Api.Features.Media.Storage;
using Nexus.Api.Tests.Features.Analytics.Sync;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Media;
using Nexus.Api.Tests.Features.Media.Serving;
using Nexus.Api.Tests.Features.Media.Uploading;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;
using Nexus.Api.Tests.Platforms.Instagram;
using static Nexus.Api.Tests.Platforms.Instagram.InstagramFake;

namespace Nexus.Api.Tests.Features.Posts.Publishing;

/// <summary>The API with Instagram configured against the Instagram fake (WireMock), and a clock the tests can move.</summary>
public sealed class InstagramMediaFixture : ApiFixture, IDisposable
{
    public InstagramFake Instagram { get; } = new();

    public ControlledClock Clock { get; } = new();

    protected override string Purpose => "ig_media";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Nexus:Platforms:Instagram:ClientId"] = AppId,
        ["Nexus:Platforms:Instagram:ClientSecret"] = AppSecret,
        ["Nexus:Platforms:Instagram:ApiVersion"] = GraphVersion,
        ["Nexus:Platforms:Instagram:AuthorizeUrl"] = Instagram.Server.Url + "/oauth/authorize",
        ["Nexus:Platforms:Instagram:TokenBaseUrl"] = Instagram.Server.Url,
        ["Nexus:Platforms:Instagram:GraphBaseUrl"] = Instagram.Server.Url,
        ["Nexus:Platforms:Instagram:StatusPollInterval"] = "00:00:00.010",
    };

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);

    public void Dispose() => Instagram.Dispose();
}

/// <summary>
/// Publishing fitted library media to Instagram (which fetches media by URL): the containers Nexus creates name a signed,
/// expiring URL under <c>Nexus:PublicUrl</c> for each target's variant, never the source, and that URL serves the
/// variant's bytes until it expires, to its own token only.
/// </summary>
public sealed class FittedMediaOnInstagramTests(InstagramMediaFixture api) : IClassFixture<InstagramMediaFixture>
{
    private const string MediaPath = $"/{GraphVersion}/{IgUserId}/media";
    private const string PostSelection = "id status warnings { code message } targets { status media { item { id } } }";

    [Fact]
    public async Task a_fitted_photo_and_video_reach_instagram_as_signed_urls_of_the_variants()
    {
        var owner = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var connection = await ConnectInstagramAsync(owner, workspace);

        // A 3:1 panorama is wider than Instagram's 1.91:1; 15 fps is below the 23 that reels and carousel videos need.
        var simple = await api.Host.UploadSimpleAsync(owner.Token, workspace, TestMedia.Image(3000, 1000), "panorama.jpg");
        Assert.True(simple.Status == 201, simple.Body);
        var photo = JsonDocument.Parse(simple.Body).RootElement.GetProperty("id").GetString()!;
        using var clip = await TestMedia.VideoAsync(4, 1280, 720, frameRate: 15);
        var uploaded = await api.Host.UploadResumableAsync(owner.Token, workspace, clip.Bytes(), "clip.mp4");
        var video = uploaded.Header("Nexus-Media-Id") ?? throw new InvalidOperationException($"the upload made no item: {uploaded.Status} {uploaded.Body}");

        var drafted = await api.Host.MutateAsync(owner, "draftPost", "DraftPostInput", new
        {
            workspaceId = workspace,
            text = "Summer, fitted",
            media = new object[] { new { mediaId = photo }, new { mediaId = video } },
            targets = new[] { new { connectionId = connection } },
        }, $"post {{ {PostSelection} }}");
        Assert.Equal(0, drafted.GetProperty("errors").GetArrayLength());
        var postId = drafted.GetProperty("post").GetProperty("id").GetString()!;
        Assert.True(drafted.GetProperty("post").GetProperty("warnings").GetArrayLength() >= 2, drafted.ToString());

        var fitted = await api.Host.MutateAsync(owner, "fitMediaToTargets", "FitMediaToTargetsInput", new { postId }, "jobIds");
        Assert.Equal(0, fitted.GetProperty("errors").GetArrayLength());
        Assert.Equal(2, fitted.GetProperty("jobIds").GetArrayLength());
        var post = await WhenFittedAsync(owner, postId);
        var variants = post.GetProperty("targets")[0].GetProperty("media").EnumerateArray().Select(m => Ids.Of(m.GetProperty("item").GetProperty("id").GetString()!)).ToList();
        Assert.Equal(2, variants.Count);
        Assert.DoesNotContain(Ids.Of(photo), variants);
        Assert.DoesNotContain(Ids.Of(video), variants);

        api.Instagram.HappyPublishing();
        Assert.Equal(0, (await api.Host.PostMutationAsync(owner, "publishPostNow", new { postId })).GetProperty("errors").GetArrayLength());
        await api.Host.WaitForStatusAsync(owner, postId, TimeSpan.FromSeconds(60), "PUBLISHED");

        // A carousel: an image child, a video child, then the parent.
        var containers = api.Instagram.Calls("POST", MediaPath).Select(Form).ToList();
        Assert.Equal(3, containers.Count);
        var urls = new[] { new Uri(containers[0]["image_url"]), new Uri(containers[1]["video_url"]) };
        Assert.Equal("CAROUSEL", containers[2]["media_type"]);

        for (var i = 0; i < urls.Length; i++)
        {
            var url = urls[i];
            Assert.Equal(("http", "localhost"), (url.Scheme, url.Host));
            Assert.Equal($"/media/{variants[i]:N}/content", url.AbsolutePath);
            var token = QueryHelpers.ParseQuery(url.Query)["token"].ToString();
            Assert.False(string.IsNullOrEmpty(token));

            using var served = await api.Host.FetchAsync(url.PathAndQuery);
            Assert.Equal(System.Net.HttpStatusCode.OK, served.StatusCode);
            Assert.Equal(await StoredSha256Async(variants[i]), Sha256(await served.Content.ReadAsByteArrayAsync()));
        }

        // Bound to its item: the photo's token opens neither the video nor the photo's source, and a changed token nothing.
        var photoToken = QueryHelpers.ParseQuery(urls[0].Query)["token"].ToString();
        await AssertRefusedAsync($"/media/{variants[1]:N}/content?token={Uri.EscapeDataString(photoToken)}");
        await AssertRefusedAsync($"/media/{Ids.Of(photo):N}/content?token={Uri.EscapeDataString(photoToken)}");
        await AssertRefusedAsync($"/media/{variants[0]:N}/content?token={Uri.EscapeDataString(photoToken[..^2] + (photoToken[^2] == 'A' ? "BB" : "AA"))}");
        await AssertRefusedAsync($"/media/{variants[0]:N}/content?token=");

        // Expiring: once the lifetime has passed, the very URL Instagram was given is refused.
        var lifetime = api.Host.Services.GetRequiredService<IOptions<MediaOptions>>().Value.UrlLifetime;
        api.Clock.SetTo(DateTimeOffset.UtcNow + lifetime + TimeSpan.FromMinutes(1));
        try
        {
            foreach (var url in urls)
            {
                await AssertRefusedAsync(url.PathAndQuery);
            }
        }
        finally
        {
            api.Clock.Reset();
        }
    }

    /// <summary>Connects the fake's Instagram professional account through Nexus's OAuth flow, as Instagram Login answers it.</summary>
    private async Task<string> ConnectInstagramAsync(Person owner, string workspace)
    {
        api.Instagram.Post("/oauth/access_token").RespondWith(Json(new
        {
            data = new[] { new { access_token = "IGQshort", user_id = IgUserId, permissions = "instagram_business_basic,instagram_business_content_publish" } },
        }));
        api.Instagram.Get("/access_token").RespondWith(Json(new { access_token = "IGQlong", token_type = "bearer", expires_in = 5183944 }));
        api.Instagram.Get($"/{GraphVersion}/me").RespondWith(Json(new { user_id = IgUserId, username = "nexus.demo", name = "Nexus Demo", id = "2600000000000042" }));

        var start = await api.Host.MutateAsync(owner, "startConnection", "StartConnectionInput", new { workspaceId = workspace, platform = "INSTAGRAM" }, "authorizationUrl");
        Assert.Equal(0, start.GetProperty("errors").GetArrayLength());
        var result = await api.Host.ConsentAtFakePlatformAsync(start.GetProperty("authorizationUrl").GetString()!, "instagram", "code-1");
        Assert.True(result.Outcome == "connected", result.Reason);
        return Assert.Single(result.Connections);
    }

    private async Task<JsonElement> WhenFittedAsync(Person owner, string postId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (true)
        {
            var response = await api.Host.AsAsync(owner, $"query ($id: ID!) {{ post(id: $id) {{ {PostSelection} }} }}", new { id = postId });
            Assert.True(response.Errors.Length == 0, response.Body.ToString());
            var post = response.Data.GetProperty("post");
            if (post.GetProperty("warnings").GetArrayLength() == 0)
            {
                return post;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the post still has warnings: {post}");
            await Task.Delay(250);
        }
    }

    private async Task AssertRefusedAsync(string pathAndQuery)
    {
        using var refused = await api.Host.FetchAsync(pathAndQuery);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, refused.StatusCode);
    }

    /// <summary>The SHA-256 of the item's file as the media store holds it.</summary>
    private async Task<string> StoredSha256Async(Guid mediaId)
    {
        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var item = (await session.LoadAsync<MediaAsset>(mediaId))!;
        await using var stored = (await api.Host.Services.GetRequiredService<IMediaStore>().OpenAsync(item.StorageKey, null, CancellationToken.None))!;
        using var copy = new MemoryStream();
        await stored.Content.CopyToAsync(copy);
        return Sha256(copy.ToArray());
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
