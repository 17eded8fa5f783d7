using System.Text.Json.Nodes;
using Nexus.Api.Platforms;
using Nexus.Api.Platforms.TikTok;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Nexus.Api.Tests.Platforms.TikTok;

public sealed class TikTokPublisherTests : IDisposable
{
    private static readonly PlatformAccount Creator = new("open-1", "Creator One", "creator.one", null, AccountKind.Person);
    private readonly TikTokFake _tiktok = new();

    public void Dispose() => _tiktok.Dispose();

    private Uri MediaUrl(string name) => new($"{_tiktok.Server.Url}/media/{name}");

    private PublishRequest Video(Dictionary<string, string>? options = null, TimeSpan? duration = null) =>
        new("key-1", "Sunset #travel", [new MediaItem(MediaUrl("clip.mp4"), MediaKind.Video, Duration: duration, MimeType: "video/mp4")],
            options ?? new Dictionary<string, string> { [TikTokPostOptions.PrivacyLevel] = "PUBLIC_TO_EVERYONE" });

    private void Init(string path, string publishId = "v_pub_1", string? uploadUrl = null)
    {
        var data = new JsonObject { ["publish_id"] = publishId };
        if (uploadUrl is not null)
        {
            data["upload_url"] = uploadUrl;
        }

        _tiktok.Json(path, 200, new JsonObject { ["data"] = data, ["error"] = TikTokFake.Ok() });
    }

    [Fact]
    public async Task a_direct_video_post_reads_creator_info_lets_tiktok_pull_the_video_and_returns_the_public_post_id()
    {
        _tiktok.CreatorInfo(duetDisabled: true);
        Init("/v2/post/publish/video/init/");
        _tiktok.Statuses(
            new JsonObject { ["status"] = "PROCESSING_DOWNLOAD" },
            new JsonObject { ["status"] = "PUBLISH_COMPLETE", ["publicaly_available_post_id"] = new JsonArray(7412345678901234567) });

        var result = await _tiktok.Publisher.PublishAsync(Creator, TikTokFake.AccessToken, Video(new Dictionary<string, string>
        {
            [TikTokPostOptions.PrivacyLevel] = "PUBLIC_TO_EVERYONE",
            [TikTokPostOptions.DisableComment] = "true",
            [TikTokPostOptions.VideoCoverTimestampMs] = "1500",
        }), CancellationToken.None);

        Assert.Equal("7412345678901234567", result.ExternalId);
        Assert.Equal(new Uri("https://www.tiktok.com/@creator.one/video/7412345678901234567"), result.Url);
        Assert.Equal(
            ["/v2/post/publish/creator_info/query/", "/v2/post/publish/video/init/", "/v2/post/publish/status/fetch/", "/v2/post/publish/status/fetch/"],
            _tiktok.All.Select(e => e.RequestMessage!.Path));
        var init = Assert.Single(_tiktok.Requests("/v2/post/publish/video/init/"));
        Assert.Equal("POST", init.Method);
        Assert.Equal("Bearer " + TikTokFake.AccessToken, TikTokFake.Header(init, "Authorization"));
        Assert.StartsWith("application/json", TikTokFake.Header(init, "Content-Type"));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse($$"""
            {
              "post_info": {
                "title": "Sunset #travel",
                "privacy_level": "PUBLIC_TO_EVERYONE",
                "disable_duet": true,
                "disable_comment": true,
                "disable_stitch": false,
                "video_cover_timestamp_ms": 1500
              },
              "source_info": { "source": "PULL_FROM_URL", "video_url": "{{MediaUrl("clip.mp4")}}" }
            }
            """), TikTokFake.Body(init)), init.Body);
        Assert.All(_tiktok.Requests("/v2/post/publish/status/fetch/"), s => Assert.Equal("v_pub_1", TikTokFake.Body(s)["publish_id"]!.GetValue<string>()));
        Assert.All(_tiktok.All, e => Assert.DoesNotContain(TikTokFake.AccessToken, e.RequestMessage!.Url));
        Assert.DoesNotContain(TikTokFake.AccessToken, _tiktok.Logs.Text);
    }

    [Fact]
    public async Task a_file_upload_downloads_the_video_and_puts_it_in_content_range_chunks()
    {
        var video = new byte[(11 * 1024 * 1024) + 123];
        Random.Shared.NextBytes(video);
        _tiktok.Server.Given(Request.Create().WithPath("/media/clip.mp4").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "video/mp4").WithBody(video));
        _tiktok.CreatorInfo();
        var uploadUrl = _tiktok.Server.Url + "/upload/?upload_id=u1&upload_token=secret-upload-token";
        Init("/v2/post/publish/video/init/", uploadUrl: uploadUrl);
        _tiktok.Server.Given(Request.Create().WithPath("/upload/").UsingPut()).RespondWith(Response.Create().WithStatusCode(206));
        _tiktok.Statuses(new JsonObject { ["status"] = "PUBLISH_COMPLETE" });

        var result = await _tiktok.Publisher.PublishAsync(Creator, TikTokFake.AccessToken, Video(new Dictionary<string, string>
        {
            [TikTokPostOptions.PrivacyLevel] = "SELF_ONLY",
            [TikTokPostOptions.Source] = TikTokPublisher.FileUpload,
        }), CancellationToken.None);

        // No public id yet (SELF_ONLY posts never get one): the publish_id identifies the post.
        Assert.Equal(new PublishResult("v_pub_1", null), result);
        var source = TikTokFake.Body(Assert.Single(_tiktok.Requests("/v2/post/publish/video/init/")))["source_info"]!;
        Assert.Equal("FILE_UPLOAD", source["source"]!.GetValue<string>());
        Assert.Equal(video.Length, source["video_size"]!.GetValue<long>());
        Assert.Equal(5 * 1024 * 1024, source["chunk_size"]!.GetValue<long>());
        Assert.Equal(2, source["total_chunk_count"]!.GetValue<int>());
        var puts = _tiktok.Requests("/upload/");
        Assert.Equal(2, puts.Count);
        Assert.Equal($"bytes 0-{(5 * 1024 * 1024) - 1}/{video.Length}", TikTokFake.Header(puts[0], "Content-Range"));
        Assert.Equal($"bytes {5 * 1024 * 1024}-{video.Length - 1}/{video.Length}", TikTokFake.Header(puts[1], "Content-Range"));
        Assert.All(puts, p => Assert.Equal("video/mp4", TikTokFake.Header(p, "Content-Type")));
        Assert.All(puts, p => Assert.Null(TikTokFake.Header(p, "Authorization")));
        Assert.Equal(video, puts.SelectMany(p => p.BodyAsBytes!).ToArray());
        Assert.DoesNotContain("secret-upload-token", _tiktok.Logs.Text);
    }

    [Theory]
    [InlineData(1_000_000, 10_485_760, 1_000_000, 1)]
    [InlineData(7_000_000, 10_485_760, 7_000_000, 1)]
    [InlineData(31_457_280, 10_485_760, 10_485_760, 3)]
    [InlineData(35_000_000, 10_485_760, 10_485_760, 3)]
    [InlineData(300_000_000, 1_000, 5_242_880, 57)]
    [InlineData(300_000_000, 100_000_000, 64_000_000, 4)]
    public void chunks_follow_tiktoks_media_transfer_rules(long size, long preferred, long chunk, int count)
    {
        var plan = TikTokChunkPlan.For(size, preferred);

        Assert.Equal((size, chunk, count), (plan.VideoSize, plan.ChunkSize, plan.TotalChunkCount));
        Assert.Equal(size - 1, plan.Range(count - 1).Last);
        Assert.True(plan.LargestChunk <= 128_000_000);
    }

    [Fact]
    public async Task a_photo_post_uses_content_init_with_the_photo_urls()
    {
        _tiktok.CreatorInfo();
        Init("/v2/post/publish/content/init/", "p_pub_1");
        _tiktok.Statuses(new JsonObject { ["status"] = "PUBLISH_COMPLETE", ["publicaly_available_post_id"] = new JsonArray("7400000000000000001") });
        var photos = new PublishRequest("key-2", "Three looks", [
            new MediaItem(MediaUrl("a.jpg"), MediaKind.Image, MimeType: "image/jpeg"),
            new MediaItem(MediaUrl("b.webp"), MediaKind.Image, MimeType: "image/webp"),
        ], new Dictionary<string, string>
        {
            [TikTokPostOptions.PrivacyLevel] = "SELF_ONLY",
            [TikTokPostOptions.Title] = "Lookbook",
            [TikTokPostOptions.PhotoCoverIndex] = "1",
            [TikTokPostOptions.AutoAddMusic] = "true",
        });

        var result = await _tiktok.Publisher.PublishAsync(Creator, TikTokFake.AccessToken, photos, CancellationToken.None);

        Assert.Equal(new PublishResult("7400000000000000001", new Uri("https://www.tiktok.com/@creator.one/photo/7400000000000000001")), result);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse($$"""
            {
              "media_type": "PHOTO",
              "post_mode": "DIRECT_POST",
              "post_info": {
                "description": "Three looks",
                "title": "Lookbook",
                "privacy_level": "SELF_ONLY",
                "disable_comment": false,
                "auto_add_music": true
              },
              "source_info": {
                "source": "PULL_FROM_URL",
                "photo_cover_index": 1,
                "photo_images": ["{{MediaUrl("a.jpg")}}", "{{MediaUrl("b.webp")}}"]
              }
            }
            """), TikTokFake.Body(Assert.Single(_tiktok.Requests("/v2/post/publish/content/init/")))));
    }

    [Fact]
    public async Task a_draft_goes_to_the_creators_inbox_without_creator_info()
    {
        Init("/v2/post/publish/inbox/video/init/", "v_inbox_1");
        _tiktok.Statuses(new JsonObject { ["status"] = "PROCESSING_DOWNLOAD" }, new JsonObject { ["status"] = "SEND_TO_USER_INBOX" });

        var result = await _tiktok.Publisher.PublishAsync(Creator, TikTokFake.AccessToken,
            Video(new Dictionary<string, string> { [TikTokPostOptions.PostMode] = TikTokPublisher.MediaUpload }), CancellationToken.None);

        Assert.Equal(new PublishResult("v_inbox_1", null), result);
        Assert.Empty(_tiktok.Requests("/v2/post/publish/creator_info/query/"));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse($$"""{ "source_info": { "source": "PULL_FROM_URL", "video_url": "{{MediaUrl("clip.mp4")}}" } }"""),
            TikTokFake.Body(Assert.Single(_tiktok.Requests("/v2/post/publish/inbox/video/init/")))));
    }

    [Fact]
    public async Task a_privacy_level_the_creator_is_not_offered_is_rejected_before_anything_is_posted()
    {
        // Unaudited apps are offered SELF_ONLY only.
        _tiktok.CreatorInfo(privacy: ["SELF_ONLY"]);

        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            _tiktok.Publisher.PublishAsync(Creator, TikTokFake.AccessToken, Video(), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.Rejected, error.Kind);
        Assert.Equal("privacy_level_option_mismatch", error.PlatformCode);
        Assert.Contains("SELF_ONLY", error.Message);
        Assert.Empty(_tiktok.Requests("/v2/post/publish/video/init/"));
    }

    [Fact]
    public async Task a_video_longer_than_the_creator_may_post_is_rejected()
    {
        _tiktok.CreatorInfo(maxSeconds: 60);

        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            _tiktok.Publisher.PublishAsync(Creator, TikTokFake.AccessToken, Video(duration: TimeSpan.FromSeconds(90)), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.Rejected, error.Kind);
        Assert.Contains("60 seconds", error.Message);
        Assert.Empty(_tiktok.Requests("/v2/post/publish/video/init/"));
    }

    [Fact]
    public async Task a_post_that_breaks_the_rules_is_rejected_without_calling_tiktok()
    {
        var error = await Assert.ThrowsAsync<PlatformException>(() => _tiktok.Publisher.PublishAsync(Creator, TikTokFake.AccessToken,
            Video(new Dictionary<string, string>()), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.Rejected, error.Kind);
        Assert.Contains("options.privacyLevel", error.Message);
        Assert.Empty(_tiktok.All);
    }

    [Theory]
    [InlineData("video_pull_failed", PlatformFailureKind.Transient)]
    [InlineData("internal", PlatformFailureKind.Transient)]
    [InlineData("spam_risk_too_many_posts", PlatformFailureKind.Rejected)]
    [InlineData("duration_check_failed", PlatformFailureKind.Rejected)]
    [InlineData("publish_cancelled", PlatformFailureKind.Rejected)]
    [InlineData("auth_removed", PlatformFailureKind.AuthExpired)]
    public async Task a_failed_publish_is_classified_by_its_fail_reason(string failReason, PlatformFailureKind kind)
    {
        _tiktok.CreatorInfo();
        Init("/v2/post/publish/video/init/");
        _tiktok.Statuses(new JsonObject { ["status"] = "FAILED", ["fail_reason"] = failReason });

        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            _tiktok.Publisher.PublishAsync(Creator, TikTokFake.AccessToken, Video(), CancellationToken.None));

        Assert.Equal(kind, error.Kind);
        Assert.Equal(failReason, error.PlatformCode);
        Assert.Contains(failReason, error.Message);
    }

    [Fact]
    public async Task a_publish_that_never_completes_ends_as_unknown_after_the_bounded_number_of_polls()
    {
        _tiktok.CreatorInfo();
        Init("/v2/post/publish/video/init/");
        _tiktok.Statuses(new JsonObject { ["status"] = "PROCESSING_DOWNLOAD" });

        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            _tiktok.Publisher.PublishAsync(Creator, TikTokFake.AccessToken, Video(), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.Unknown, error.Kind);
        Assert.Equal("publish_timeout", error.PlatformCode);
        Assert.Contains("v_pub_1", error.Message);
        Assert.Contains("PROCESSING_DOWNLOAD", error.Message);
        Assert.Equal(4, _tiktok.Requests("/v2/post/publish/status/fetch/").Count);
    }

    [Fact]
    public async Task a_rate_limited_init_is_retried_after_tiktoks_minute_window()
    {
        _tiktok.CreatorInfo();
        _tiktok.Json("/v2/post/publish/video/init/", 429, new JsonObject
        {
            ["error"] = TikTokFake.Error("rate_limit_exceeded", "API rate limit was exceeded, only 6 requests are allowed per minute."),
        });

        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            _tiktok.Publisher.PublishAsync(Creator, TikTokFake.AccessToken, Video(), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.RateLimited, error.Kind);
        Assert.Equal(TikTokFake.Now.AddMinutes(1), error.RetryAt);
        Assert.Single(_tiktok.Requests("/v2/post/publish/video/init/"));
    }

    [Fact]
    public async Task the_creators_daily_cap_is_rejected_with_tiktoks_message()
    {
        _tiktok.CreatorInfo();
        _tiktok.Json("/v2/post/publish/video/init/", 403, new JsonObject
        {
            ["error"] = TikTokFake.Error("spam_risk_too_many_posts", "The daily post cap from the API is reached for the current user."),
        });

        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            _tiktok.Publisher.PublishAsync(Creator, TikTokFake.AccessToken, Video(), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.Rejected, error.Kind);
        Assert.Equal("spam_risk_too_many_posts", error.PlatformCode);
        Assert.Equal("The daily post cap from the API is reached for the current user.", error.Message);
    }

    [Fact]
    public async Task an_expired_token_is_auth_expired()
    {
        _tiktok.Json("/v2/post/publish/creator_info/query/", 401, new JsonObject
        {
            ["error"] = TikTokFake.Error("access_token_invalid", "The access token is invalid or not found in the request."),
        });

        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            _tiktok.Publisher.PublishAsync(Creator, "act.expired", Video(), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.AuthExpired, error.Kind);
    }

    [Fact]
    public async Task a_server_error_on_init_is_transient_and_the_post_is_not_sent_again()
    {
        _tiktok.CreatorInfo();
        _tiktok.Json("/v2/post/publish/video/init/", 500, new JsonObject { ["error"] = TikTokFake.Error("internal_error", "Something went wrong.") });

        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            _tiktok.Publisher.PublishAsync(Creator, TikTokFake.AccessToken, Video(), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.Transient, error.Kind);
        Assert.Single(_tiktok.Requests("/v2/post/publish/video/init/"));
    }

    [Fact]
    public async Task an_init_that_times_out_mid_flight_has_an_unknown_outcome()
    {
        using var tiktok = new TikTokFake(new() { ["Nexus:Platforms:TikTok:AttemptTimeout"] = "00:00:00.500" });
        tiktok.CreatorInfo();
        tiktok.Server.Given(Request.Create().WithPath("/v2/post/publish/video/init/").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithDelay(TimeSpan.FromSeconds(3)).WithBody("{}"));

        var error = await Assert.ThrowsAsync<PlatformException>(() => tiktok.Publisher.PublishAsync(Creator, TikTokFake.AccessToken,
            new PublishRequest("k", "t", [new MediaItem(new Uri(tiktok.Server.Url + "/media/clip.mp4"), MediaKind.Video)],
                new Dictionary<string, string> { [TikTokPostOptions.PrivacyLevel] = "SELF_ONLY" }), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.Unknown, error.Kind);
        Assert.Contains("may or may not have been created", error.Message);
    }
}
