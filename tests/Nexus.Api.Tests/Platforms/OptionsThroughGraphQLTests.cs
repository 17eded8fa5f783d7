using System.Text.Json;
using System.Text.Json.Nodes;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Connections;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Platforms;
using Nexus.Api.Platforms.Facebook;
using Nexus.Api.Platforms.Instagram;
using Nexus.Api.Platforms.LinkedIn;
using Nexus.Api.Platforms.Pinterest;
using Nexus.Api.Platforms.TikTok;
using Nexus.Api.Platforms.X;
using Nexus.Api.Platforms.YouTube;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using FacebookFake = Nexus.Api.Tests.Platforms.Facebook.FacebookFake;
using InstagramFake = Nexus.Api.Tests.Platforms.Instagram.InstagramFake;
using LinkedInHarness = Nexus.Api.Tests.Platforms.LinkedIn.LinkedInHarness;
using PinterestFake = Nexus.Api.Tests.Platforms.Pinterest.PinterestFake;
using TikTokFake = Nexus.Api.Tests.Platforms.TikTok.TikTokFake;
using XHarness = Nexus.Api.Tests.Platforms.X.XHarness;
using YouTubeFake = Nexus.Api.Tests.Platforms.YouTube.YouTubeFake;

namespace Nexus.Api.Tests.Platforms;

public sealed class OptionsApiFixture : ApiFixture
{
    protected override string Purpose => "options";
}

/// <summary>
/// For each platform, every option its schema declares is set through GraphQL (<c>draftPost</c>), passes preflight,
/// is read back as stored, and shows in the request the platform's publisher sends to the platform's fake. A post can
/// only carry options that fit together (reel or feed, video or photos), so a platform may need several posts; the
/// union of their options must be the whole schema.
/// </summary>
public sealed class OptionsThroughGraphQLTests(OptionsApiFixture api) : IClassFixture<OptionsApiFixture>
{
    [Fact]
    public async Task every_tiktok_option_set_through_graphql_reaches_tiktok()
    {
        using var tiktok = new TikTokFake();
        var drafts = await DraftsFor(PlatformId.TikTok);
        var account = new PlatformAccount("open-1", "Creator One", "creator.one", null, AccountKind.Person);
        tiktok.CreatorInfo(["PUBLIC_TO_EVERYONE", "SELF_ONLY"]);
        tiktok.Server.Given(Request.Create().WithPath("/media/clip.mp4").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "video/mp4").WithBody(new byte[1000]));
        var uploadUrl = tiktok.Server.Url + "/upload/?upload_id=u1";
        tiktok.Json("/v2/post/publish/video/init/", 200, new JsonObject { ["data"] = new JsonObject { ["publish_id"] = "v1", ["upload_url"] = uploadUrl }, ["error"] = TikTokFake.Ok() });
        tiktok.Json("/v2/post/publish/content/init/", 200, new JsonObject { ["data"] = new JsonObject { ["publish_id"] = "p1" }, ["error"] = TikTokFake.Ok() });
        tiktok.Server.Given(Request.Create().WithPath("/upload/").UsingPut()).RespondWith(Response.Create().WithStatusCode(201));
        tiktok.Statuses(new JsonObject { ["status"] = "PUBLISH_COMPLETE" });
        var video = new Media($"{tiktok.Server.Url}/media/clip.mp4", MediaKind.Video);
        Media[] photos = [new("https://cdn.example.com/1.jpg", MediaKind.Image), new("https://cdn.example.com/2.jpg", MediaKind.Image)];

        await tiktok.Publisher.PublishAsync(account, TikTokFake.AccessToken, await drafts.DraftAsync("A video", [video], new()
        {
            ["privacyLevel"] = "SELF_ONLY",
            ["disableComment"] = true,
            ["disableDuet"] = true,
            ["disableStitch"] = true,
            ["postMode"] = "DIRECT_POST",
            ["source"] = "FILE_UPLOAD",
            ["videoCoverTimestampMs"] = 1500,
        }), CancellationToken.None);
        var videoInit = TikTokFake.Body(Assert.Single(tiktok.Requests("/v2/post/publish/video/init/")));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            { "title": "A video", "privacy_level": "SELF_ONLY", "disable_duet": true, "disable_comment": true, "disable_stitch": true, "video_cover_timestamp_ms": 1500 }
            """), videoInit["post_info"]), videoInit.ToJsonString());
        Assert.Equal("FILE_UPLOAD", videoInit["source_info"]!["source"]!.GetValue<string>());

        await tiktok.Publisher.PublishAsync(account, TikTokFake.AccessToken, await drafts.DraftAsync("Photos to finish in TikTok", photos, new()
        {
            ["postMode"] = "MEDIA_UPLOAD",
            ["title"] = "Draft title",
            ["photoCoverIndex"] = 1,
        }), CancellationToken.None);
        await tiktok.Publisher.PublishAsync(account, TikTokFake.AccessToken, await drafts.DraftAsync("Photos", photos, new()
        {
            ["privacyLevel"] = "PUBLIC_TO_EVERYONE",
            ["autoAddMusic"] = true,
        }), CancellationToken.None);
        var photoInits = tiktok.Requests("/v2/post/publish/content/init/").Select(TikTokFake.Body).ToList();
        Assert.Equal("MEDIA_UPLOAD", photoInits[0]["post_mode"]!.GetValue<string>());
        Assert.Equal("Draft title", photoInits[0]["post_info"]!["title"]!.GetValue<string>());
        Assert.Equal(1, photoInits[0]["source_info"]!["photo_cover_index"]!.GetValue<int>());
        Assert.Equal("DIRECT_POST", photoInits[1]["post_mode"]!.GetValue<string>());
        Assert.True(photoInits[1]["post_info"]!["auto_add_music"]!.GetValue<bool>());
        Assert.Equal("PUBLIC_TO_EVERYONE", photoInits[1]["post_info"]!["privacy_level"]!.GetValue<string>());
        drafts.AssertEveryOptionWasSet();
    }

    [Fact]
    public async Task every_youtube_option_set_through_graphql_reaches_youtube()
    {
        using var youtube = new YouTubeFake();
        var drafts = await DraftsFor(PlatformId.YouTube);
        var bytes = new byte[1000];
        var video = youtube.Video(bytes);
        youtube.OpensSession();
        youtube.Server.Given(Request.Create().WithPath(YouTubeFake.UploadPath).UsingPut()).RespondWith(
            Response.Create().WithStatusCode(201).WithHeader("Content-Type", "application/json").WithBody(YouTubeFake.VideoResource("vid-1", "unlisted").ToJsonString()));

        await youtube.Publisher.PublishAsync(new PlatformAccount("UC1", "Channel", null, null, AccountKind.Channel), YouTubeFake.AccessToken,
            await drafts.DraftAsync("The description", [new Media(video.ToString(), MediaKind.Video)], new()
            {
                ["title"] = "The title",
                ["privacyStatus"] = "unlisted",
                ["categoryId"] = "26",
                ["tags"] = new[] { "pasta", "quick dinner" },
                ["madeForKids"] = true,
                ["notifySubscribers"] = false,
            }), CancellationToken.None);

        var open = Assert.Single(youtube.Requests(YouTubeFake.UploadPath, "POST"));
        Assert.Equal("false", open.Query!["notifySubscribers"].Single());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {
              "snippet": { "title": "The title", "description": "The description", "tags": ["pasta", "quick dinner"], "categoryId": "26" },
              "status": { "privacyStatus": "unlisted", "selfDeclaredMadeForKids": true }
            }
            """), JsonNode.Parse(open.Body!)), open.Body);
        drafts.AssertEveryOptionWasSet();
    }

    [Fact]
    public async Task every_pinterest_option_set_through_graphql_reaches_pinterest()
    {
        using var pinterest = new PinterestFake();
        var drafts = await DraftsFor(PlatformId.Pinterest);
        var user = new PlatformAccount("549755885175", "Nexus Bakery", "nexusbakery", null, AccountKind.Person);
        pinterest.Json("/v5/pins", 201, new JsonObject { ["id"] = "900" });
        pinterest.Server.Given(Request.Create().WithPath("/media/clip.mp4").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "video/mp4").WithBody(new byte[1000]));
        pinterest.Json("/v5/media", 201, new JsonObject
        {
            ["media_id"] = "12345",
            ["media_type"] = "video",
            ["upload_url"] = pinterest.Server.Url + "/storage/",
            ["upload_parameters"] = new JsonObject { ["key"] = "uploads/12345" },
        });
        pinterest.Server.Given(Request.Create().WithPath("/storage/").UsingPost()).RespondWith(Response.Create().WithStatusCode(204));
        pinterest.MediaStatuses("12345", "succeeded");
        var video = new Media(pinterest.Server.Url + "/media/clip.mp4", MediaKind.Video);

        await pinterest.Publisher.PublishAsync(user, PinterestFake.AccessToken, await drafts.DraftAsync("Sourdough", [new Media("https://cdn.example.com/bread.jpg", MediaKind.Image)], new()
        {
            ["boardId"] = "board-1",
            ["boardSectionId"] = "section-9",
            ["title"] = "Sourdough",
            ["link"] = "https://nexus.example/recipes/sourdough",
            ["altText"] = "A loaf on a board",
        }), CancellationToken.None);
        await pinterest.Publisher.PublishAsync(user, PinterestFake.AccessToken, await drafts.DraftAsync("Shaping", [video], new()
        {
            ["boardId"] = "board-1",
            ["coverImageUrl"] = "https://cdn.example.com/cover.jpg",
        }), CancellationToken.None);
        await pinterest.Publisher.PublishAsync(user, PinterestFake.AccessToken, await drafts.DraftAsync("Baking", [video], new()
        {
            ["boardId"] = "board-1",
            ["coverImageKeyFrameTime"] = 3,
        }), CancellationToken.None);

        var pins = pinterest.Requests("/v5/pins").Select(PinterestFake.Body).ToList();
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {
              "board_id": "board-1", "description": "Sourdough", "board_section_id": "section-9", "title": "Sourdough",
              "link": "https://nexus.example/recipes/sourdough", "alt_text": "A loaf on a board",
              "media_source": { "source_type": "image_url", "url": "https://cdn.example.com/bread.jpg" }
            }
            """), pins[0]), pins[0].ToJsonString());
        Assert.Equal("https://cdn.example.com/cover.jpg", pins[1]["media_source"]!["cover_image_url"]!.GetValue<string>());
        Assert.Equal(3, pins[2]["media_source"]!["cover_image_key_frame_time"]!.GetValue<double>());
        drafts.AssertEveryOptionWasSet();
    }

    [Fact]
    public async Task every_instagram_option_set_through_graphql_reaches_instagram()
    {
        using var instagram = new InstagramFake();
        var drafts = await DraftsFor(PlatformId.Instagram);
        instagram.HappyPublishing();

        await instagram.Publisher.PublishAsync(InstagramFake.Account, "ig-token", await drafts.DraftAsync("New reel", [new Media("https://cdn.example.com/clip.mp4", MediaKind.Video)], new()
        {
            ["format"] = "reel",
            ["shareToFeed"] = false,
            ["coverUrl"] = "https://cdn.example.com/cover.jpg",
            ["thumbOffset"] = 1500,
            ["firstComment"] = "More in our bio",
        }), CancellationToken.None);

        var container = InstagramFake.Form(Assert.Single(instagram.Calls("POST", $"/{InstagramFake.GraphVersion}/{InstagramFake.IgUserId}/media")));
        Assert.Equal("REELS", container["media_type"]);
        Assert.Equal("false", container["share_to_feed"]);
        Assert.Equal("https://cdn.example.com/cover.jpg", container["cover_url"]);
        Assert.Equal("1500", container["thumb_offset"]);
        var comment = Assert.Single(instagram.Calls("POST", $"/{InstagramFake.GraphVersion}/17900000000000009/comments"));
        Assert.Equal("More in our bio", InstagramFake.Form(comment)["message"]);
        drafts.AssertEveryOptionWasSet();
    }

    [Fact]
    public async Task every_facebook_option_set_through_graphql_reaches_facebook()
    {
        using var facebook = new FacebookFake();
        var drafts = await DraftsFor(PlatformId.Facebook);
        const string page = $"/{FacebookFake.GraphVersion}/{FacebookFake.PageId}";
        facebook.Post($"{page}/feed").RespondWith(FacebookFake.Json(new { id = $"{FacebookFake.PageId}_555" }));
        facebook.Get("/media/clip.mp4").RespondWith(Response.Create().WithBody(new byte[1000]).WithHeader("Content-Type", "video/mp4"));
        facebook.Post($"/{FacebookFake.GraphVersion}/{FacebookFake.AppId}/uploads").RespondWith(FacebookFake.Json(new { id = "upload:1" }));
        facebook.Post($"/{FacebookFake.GraphVersion}/upload:1").RespondWith(FacebookFake.Json(new { h = "2:handle" }));
        facebook.Post($"{page}/videos").RespondWith(FacebookFake.Json(new { id = "10158000000000001" }));
        facebook.Server.Given(Request.Create().WithPath($"{page}/video_reels").UsingPost().WithBody(new RegexMatcher("upload_phase=start")))
            .RespondWith(FacebookFake.Json(new { video_id = "r-1" }));
        facebook.Post($"/video-upload/{FacebookFake.GraphVersion}/r-1").RespondWith(FacebookFake.Json(new { success = true }));
        facebook.Server.Given(Request.Create().WithPath($"{page}/video_reels").UsingPost().WithBody(new RegexMatcher("upload_phase=finish")))
            .RespondWith(FacebookFake.Json(new { success = true }));

        await facebook.Publisher.PublishAsync(FacebookFake.Page, FacebookFake.UserToken,
            await drafts.DraftAsync("Read our launch story", [], new() { ["link"] = "https://example.com/launch" }), CancellationToken.None);
        await facebook.Publisher.PublishAsync(FacebookFake.Page, FacebookFake.UserToken,
            await drafts.DraftAsync("Behind the scenes", [new Media(facebook.MediaUrl("clip.mp4").ToString(), MediaKind.Video)], new() { ["title"] = "BTS" }), CancellationToken.None);
        await facebook.Publisher.PublishAsync(FacebookFake.Page, FacebookFake.UserToken,
            await drafts.DraftAsync("Quick tip", [new Media("https://cdn.example.com/tip.mp4", MediaKind.Video)], new() { ["format"] = "reel" }), CancellationToken.None);

        Assert.Equal("https://example.com/launch", FacebookFake.Form(Assert.Single(facebook.Calls("POST", $"{page}/feed")))["link"]);
        Assert.Equal("BTS", FacebookFake.Form(Assert.Single(facebook.Calls("POST", $"{page}/videos")))["title"]);
        Assert.Equal(2, facebook.Calls("POST", $"{page}/video_reels").Count);
        drafts.AssertEveryOptionWasSet();
    }

    [Fact]
    public async Task every_x_option_set_through_graphql_reaches_x()
    {
        using var x = new XHarness();
        var drafts = await DraftsFor(PlatformId.X);
        x.Server.Given(Request.Create().WithPath("/2/tweets").UsingPost().WithBody(b => !b!.Contains("Link below", StringComparison.Ordinal)))
            .RespondWith(Response.Create().WithStatusCode(201).WithHeader("Content-Type", "application/json").WithBody("""{"data":{"id":"100","text":"Main"}}"""));
        x.Server.Given(Request.Create().WithPath("/2/tweets").UsingPost().WithBody(b => b!.Contains("Link below", StringComparison.Ordinal)))
            .RespondWith(Response.Create().WithStatusCode(201).WithHeader("Content-Type", "application/json").WithBody("""{"data":{"id":"101","text":"Link below"}}"""));

        await x.Publisher.PublishAsync(new PlatformAccount("2244994945", "Nexus", "nexus", null, AccountKind.Person), XHarness.AccessToken,
            await drafts.DraftAsync("Main", [], new() { ["replySettings"] = "following", ["replyTo"] = "1234", ["firstComment"] = "Link below" }), CancellationToken.None);

        var posts = x.Requests("/2/tweets").Select(r => r.RequestMessage!.Body).ToList();
        Assert.Equal("""{"text":"Main","reply_settings":"following","reply":{"in_reply_to_tweet_id":"1234"}}""", posts[0]);
        Assert.Equal("""{"text":"Link below","reply":{"in_reply_to_tweet_id":"100"}}""", posts[1]);
        drafts.AssertEveryOptionWasSet();
    }

    [Fact]
    public async Task every_linkedin_option_set_through_graphql_reaches_linkedin()
    {
        using var li = new LinkedInHarness();
        var drafts = await DraftsFor(PlatformId.LinkedIn);
        li.Server.Given(Request.Create().WithPath("/media/clip.mp4").UsingGet()).RespondWith(Response.Create().WithHeader("Content-Type", "video/mp4").WithBody("0123456789"));
        li.Server.Given(Request.Create().WithPath("/rest/videos").WithParam("action", "initializeUpload").UsingPost()).RespondWith(Response.Create()
            .WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody($$$"""
            {"value":{"video":"urn:li:video:v1","uploadToken":"tok-1","uploadInstructions":[{"uploadUrl":"{{{li.Server.Url}}}/upload/part-1","lastByte":9,"firstByte":0}]}}
            """));
        li.Server.Given(Request.Create().WithPath("/upload/part-1").UsingPut()).RespondWith(Response.Create().WithStatusCode(200).WithHeader("ETag", "etag-1"));
        li.Server.Given(Request.Create().WithPath("/rest/videos").WithParam("action", "finalizeUpload").UsingPost()).RespondWith(Response.Create().WithStatusCode(200));
        li.Server.Given(Request.Create().WithPath("/rest/posts").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(201).WithHeader("x-restli-id", "urn:li:ugcPost:4"));
        li.Server.Given(Request.Create().WithPath(p => p.StartsWith("/rest/socialActions/", StringComparison.Ordinal)).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(201).WithHeader("x-restli-id", "urn:li:comment:(urn:li:ugcPost:4,1)"));

        await li.Publisher.PublishAsync(new PlatformAccount("2414183", "Nexus Labs", "nexus-labs", null, AccountKind.Organization), LinkedInHarness.AccessToken,
            await drafts.DraftAsync("Watch", [new Media(li.Server.Url + "/media/clip.mp4", MediaKind.Video)], new()
            {
                ["visibility"] = "CONNECTIONS",
                ["disableReshare"] = true,
                ["firstComment"] = "Details inside",
                ["videoTitle"] = "Launch film",
            }), CancellationToken.None);

        var post = JsonNode.Parse(Assert.Single(li.Requests("/rest/posts")).RequestMessage!.Body!)!;
        Assert.Equal("CONNECTIONS", post["visibility"]!.GetValue<string>());
        Assert.True(post["isReshareDisabledByAuthor"]!.GetValue<bool>());
        Assert.Equal("Launch film", post["content"]!["media"]!["title"]!.GetValue<string>());
        var comment = Assert.Single(li.Requests(), r => r.RequestMessage!.Path.StartsWith("/rest/socialActions/", StringComparison.Ordinal));
        Assert.Contains("Details inside", comment.RequestMessage!.Body, StringComparison.Ordinal);
        drafts.AssertEveryOptionWasSet();
    }

    private async Task<Drafts> DraftsFor(PlatformId platform)
    {
        var owner = await api.Host.PersonAsync();
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        GlobalId.TryParse(workspace, out var workspaceId);
        GlobalId.TryParse(owner.UserId, out var userId);
        // The account is connected the way the connect flow records it; the consent dance itself is each platform's OAuth tests' subject.
        var connectionId = Guid.CreateVersion7();
        await using (var session = api.Host.Services.GetRequiredService<IDocumentStore>().LightweightSession())
        {
            session.Events.StartStream<Connection>(connectionId, new AccountConnected(connectionId, workspaceId.Id, platform, "ext-1", "Account", null, null,
                AccountKind.Person, [], null, userId.Id, DateTimeOffset.UtcNow));
            await session.SaveChangesAsync();
        }

        return new Drafts(api, owner, workspace, GlobalId.Encode(ConnectionType.TypeName, connectionId), PlatformDescriptors.Find(platform)!.Options!);
    }

    private sealed record Media(string Url, MediaKind Kind);

    /// <summary>Drafts posts to one connection and keeps the option keys they set.</summary>
    private sealed class Drafts(OptionsApiFixture api, Person owner, string workspace, string connection, PlatformOptionSchema schema)
    {
        private readonly HashSet<string> _set = [];
        private int _count;

        /// <summary>Drafts through GraphQL, checks preflight found nothing, and returns the request as stored options make it.</summary>
        public async Task<PublishRequest> DraftAsync(string text, Media[] media, Dictionary<string, object> options)
        {
            var payload = await api.Host.MutateAsync(owner, "draftPost", "DraftPostInput", new
            {
                workspaceId = workspace,
                text,
                media = media.Select(m => new { url = m.Url, kind = m.Kind.ToString().ToUpperInvariant() }),
                targets = new[] { new { connectionId = connection, options = new Dictionary<string, object> { [schema.Field] = options } } },
            }, "post { id warnings { code message path } }");
            Assert.True(payload.GetProperty("errors").GetArrayLength() == 0, payload.ToString());
            Assert.True(payload.GetProperty("post").GetProperty("warnings").GetArrayLength() == 0, payload.ToString());

            var read = await api.Host.AsAsync(owner, "query ($id: ID!) { post(id: $id) { targets { options { key value } } } }",
                new { id = payload.GetProperty("post").GetProperty("id").GetString() });
            Assert.True(read.Errors.Length == 0, read.Body.ToString());
            var stored = read.Data.GetProperty("post").GetProperty("targets")[0].GetProperty("options").EnumerateArray()
                .ToDictionary(o => o.GetProperty("key").GetString()!, o => o.GetProperty("value").GetString()!);
            Assert.Equal(options.Keys.Order(StringComparer.Ordinal), stored.Keys.Order(StringComparer.Ordinal));
            _set.UnionWith(stored.Keys);
            return new PublishRequest($"key-{++_count}", text, [.. media.Select(m => new MediaItem(new Uri(m.Url), m.Kind))], stored);
        }

        public void AssertEveryOptionWasSet() =>
            Assert.Equal(schema.Options.Select(o => o.Key).Order(StringComparer.Ordinal), _set.Order(StringComparer.Ordinal));
    }
}
