using Nexus.Api.Platforms;
using WireMock.ResponseBuilders;
using static Nexus.Api.Tests.Platforms.Facebook.FacebookFake;

namespace Nexus.Api.Tests.Platforms.Facebook;

public sealed class FacebookPublisherTests : IDisposable
{
    private const string Feed = $"/{GraphVersion}/{PageId}/feed";
    private const string Photos = $"/{GraphVersion}/{PageId}/photos";
    private const string Videos = $"/{GraphVersion}/{PageId}/videos";
    private const string Reels = $"/{GraphVersion}/{PageId}/video_reels";
    private readonly FacebookFake _fake = new();

    public void Dispose() => _fake.Dispose();

    private Task<PublishResult> PublishAsync(PublishRequest request, FacebookFake? fake = null) =>
        (fake ?? _fake).Publisher.PublishAsync(Page, UserToken, request, CancellationToken.None);

    [Fact]
    public async Task a_text_post_with_a_link_goes_to_the_page_feed_with_the_page_token()
    {
        _fake.Post(Feed).RespondWith(Json(new { id = $"{PageId}_555" }));

        var result = await PublishAsync(Publication("Read our launch story", [], ("link", "https://example.com/launch")));

        Assert.Equal($"{PageId}_555", result.ExternalId);
        Assert.Equal(new Uri($"https://www.facebook.com/{PageId}_555"), result.Url);
        var post = Assert.Single(_fake.Requests);
        Assert.Equal("POST", post.Method);
        Assert.Equal(Feed, post.Path);
        Assert.Equal($"Bearer {PageToken}", Header(post, "Authorization"));
        Assert.Null(Query(post, "access_token"));
        Assert.Equal(new Dictionary<string, string>
        {
            ["message"] = "Read our launch story",
            ["link"] = "https://example.com/launch",
        }, Form(post));
    }

    [Fact]
    public async Task a_page_token_passed_as_the_access_token_is_used_when_the_account_carries_none()
    {
        _fake.Post(Feed).RespondWith(Json(new { id = $"{PageId}_556" }));
        var account = Page with { AccessToken = null };

        await _fake.Publisher.PublishAsync(account, PageToken, Publication("Hello", []), CancellationToken.None);

        Assert.Equal($"Bearer {PageToken}", Header(Assert.Single(_fake.Requests), "Authorization"));
    }

    [Fact]
    public async Task one_photo_is_posted_from_its_url_with_the_caption()
    {
        _fake.Post(Photos).RespondWith(Json(new { id = "777", post_id = $"{PageId}_778" }));

        var result = await PublishAsync(Publication("Our new office", [Photo("office.jpg")]));

        Assert.Equal($"{PageId}_778", result.ExternalId);
        var post = Assert.Single(_fake.Calls("POST", Photos));
        Assert.Equal($"Bearer {PageToken}", Header(post, "Authorization"));
        Assert.Equal(new Dictionary<string, string>
        {
            ["url"] = "https://cdn.example.com/office.jpg",
            ["caption"] = "Our new office",
        }, Form(post));
    }

    [Fact]
    public async Task several_photos_are_uploaded_unpublished_then_attached_to_one_feed_post()
    {
        _fake.Server.Given(WireMock.RequestBuilders.Request.Create().WithPath(Photos).UsingPost().WithBody(new WireMock.Matchers.RegexMatcher("a\\.jpg")))
            .RespondWith(Json(new { id = "p-1" }));
        _fake.Server.Given(WireMock.RequestBuilders.Request.Create().WithPath(Photos).UsingPost().WithBody(new WireMock.Matchers.RegexMatcher("b\\.jpg")))
            .RespondWith(Json(new { id = "p-2" }));
        _fake.Post(Feed).RespondWith(Json(new { id = $"{PageId}_900" }));

        var result = await PublishAsync(Publication("Album", [Photo("a.jpg"), Photo("b.jpg")]));

        Assert.Equal($"{PageId}_900", result.ExternalId);
        var uploads = _fake.Calls("POST", Photos).Select(Form).ToList();
        Assert.Equal(new Dictionary<string, string> { ["url"] = "https://cdn.example.com/a.jpg", ["published"] = "false" }, uploads[0]);
        Assert.Equal(new Dictionary<string, string> { ["url"] = "https://cdn.example.com/b.jpg", ["published"] = "false" }, uploads[1]);
        Assert.Equal(new Dictionary<string, string>
        {
            ["message"] = "Album",
            ["attached_media[0]"] = """{"media_fbid":"p-1"}""",
            ["attached_media[1]"] = """{"media_fbid":"p-2"}""",
        }, Form(Assert.Single(_fake.Calls("POST", Feed))));
    }

    [Fact]
    public async Task a_video_is_streamed_into_a_resumable_upload_then_posted_to_the_page()
    {
        var bytes = Enumerable.Range(0, 4096).Select(i => (byte)(i % 251)).ToArray();
        _fake.Get("/media/clip.mp4").RespondWith(Response.Create().WithBody(bytes).WithHeader("Content-Type", "video/mp4"));
        _fake.Post($"/{GraphVersion}/{AppId}/uploads").RespondWith(Json(new { id = "upload:MTphdHRhY2htZW50" }));
        _fake.Post($"/{GraphVersion}/upload:MTphdHRhY2htZW50").RespondWith(Json(new { h = "2:c2FtcGxl" }));
        _fake.Post(Videos).RespondWith(Json(new { id = "10158000000000001" }));
        var video = new MediaItem(_fake.MediaUrl("clip.mp4"), MediaKind.Video, SizeBytes: bytes.Length, MimeType: "video/mp4");

        var result = await PublishAsync(Publication("Behind the scenes", [video], ("title", "BTS")));

        Assert.Equal("10158000000000001", result.ExternalId);
        Assert.Equal(new Uri("https://www.facebook.com/10158000000000001"), result.Url);

        var session = Assert.Single(_fake.Calls("POST", $"/{GraphVersion}/{AppId}/uploads"));
        Assert.Equal("clip.mp4", Query(session, "file_name"));
        Assert.Equal("4096", Query(session, "file_length"));
        Assert.Equal("video/mp4", Query(session, "file_type"));
        Assert.Null(Query(session, "access_token"));
        Assert.Equal($"Bearer {UserToken}", Header(session, "Authorization"));

        var upload = Assert.Single(_fake.Calls("POST", $"/{GraphVersion}/upload:MTphdHRhY2htZW50"));
        Assert.Equal($"OAuth {UserToken}", Header(upload, "Authorization"));
        Assert.Equal("0", Header(upload, "file_offset"));
        Assert.Equal(bytes, upload.BodyAsBytes);

        var post = Assert.Single(_fake.Calls("POST", Videos));
        Assert.Equal($"Bearer {PageToken}", Header(post, "Authorization"));
        Assert.Equal(new Dictionary<string, string>
        {
            ["title"] = "BTS",
            ["description"] = "Behind the scenes",
            ["fbuploader_video_file_chunk"] = "2:c2FtcGxl",
        }, Form(post));
    }

    [Fact]
    public async Task a_video_of_unknown_size_is_spooled_so_the_upload_session_gets_its_length()
    {
        // WireMock answers chunked, without Content-Length.
        var bytes = Enumerable.Range(0, 3000).Select(i => (byte)(i % 7)).ToArray();
        _fake.Get("/media/unsized.mp4").RespondWith(Response.Create().WithBody(bytes));
        _fake.Post($"/{GraphVersion}/{AppId}/uploads").RespondWith(Json(new { id = "upload:abc" }));
        _fake.Post($"/{GraphVersion}/upload:abc").RespondWith(Json(new { h = "2:handle" }));
        _fake.Post(Videos).RespondWith(Json(new { id = "10158000000000002" }));

        await PublishAsync(Publication("Unsized", [new MediaItem(_fake.MediaUrl("unsized.mp4"), MediaKind.Video)]));

        Assert.Equal("3000", Query(Assert.Single(_fake.Calls("POST", $"/{GraphVersion}/{AppId}/uploads")), "file_length"));
        Assert.Equal(bytes, Assert.Single(_fake.Calls("POST", $"/{GraphVersion}/upload:abc")).BodyAsBytes);
    }

    [Fact]
    public async Task a_video_on_a_loopback_address_is_refused_before_it_is_fetched()
    {
        using var fake = new FacebookFake(allowPrivateAddresses: false);
        fake.Get("/media/clip.mp4").RespondWith(Response.Create().WithBody(new byte[100]).WithHeader("Content-Type", "video/mp4"));
        fake.Post($"/{GraphVersion}/{AppId}/uploads").RespondWith(Json(new { id = "upload:abc" }));

        var failure = await Assert.ThrowsAsync<PlatformException>(() =>
            PublishAsync(Publication("Inside", [new MediaItem(fake.MediaUrl("clip.mp4"), MediaKind.Video)]), fake));

        Assert.Equal(PlatformFailureKind.Rejected, failure.Kind);
        Assert.Equal("media_url_forbidden", failure.PlatformCode);
        Assert.Empty(fake.Calls("GET", "/media/clip.mp4"));
        Assert.Empty(fake.Calls("POST", $"/{GraphVersion}/{AppId}/uploads"));
    }

    [Fact]
    public async Task a_video_that_cannot_be_downloaded_is_rejected_before_any_upload()
    {
        _fake.Get("/media/gone.mp4").RespondWith(Response.Create().WithStatusCode(404));
        var video = new MediaItem(_fake.MediaUrl("gone.mp4"), MediaKind.Video);

        var failure = await Assert.ThrowsAsync<PlatformException>(() => PublishAsync(Publication("Gone", [video])));

        Assert.Equal(PlatformFailureKind.Rejected, failure.Kind);
        Assert.Empty(_fake.Calls("POST", $"/{GraphVersion}/{AppId}/uploads"));
    }

    [Fact]
    public async Task a_reel_is_started_uploaded_from_its_url_and_finished_as_published()
    {
        _fake.Server.Given(WireMock.RequestBuilders.Request.Create().WithPath(Reels).UsingPost().WithBody(new WireMock.Matchers.RegexMatcher("upload_phase=start")))
            .RespondWith(Json(new { video_id = "r-1", upload_url = $"https://rupload.facebook.com/video-upload/{GraphVersion}/r-1" }));
        _fake.Post($"/video-upload/{GraphVersion}/r-1").RespondWith(Json(new { success = true }));
        _fake.Server.Given(WireMock.RequestBuilders.Request.Create().WithPath(Reels).UsingPost().WithBody(new WireMock.Matchers.RegexMatcher("upload_phase=finish")))
            .RespondWith(Json(new { success = true }));

        var result = await PublishAsync(Publication("Quick tip", [new MediaItem(new Uri("https://cdn.example.com/tip.mp4"), MediaKind.Video)], ("format", "reel")));

        Assert.Equal("r-1", result.ExternalId);
        Assert.Equal(new Uri("https://www.facebook.com/reel/r-1"), result.Url);
        var calls = _fake.Calls("POST", Reels);
        Assert.Equal(2, calls.Count);
        Assert.Equal(new Dictionary<string, string> { ["upload_phase"] = "start" }, Form(calls[0]));
        Assert.Equal(new Dictionary<string, string>
        {
            ["upload_phase"] = "finish",
            ["video_id"] = "r-1",
            ["video_state"] = "PUBLISHED",
            ["description"] = "Quick tip",
        }, Form(calls[1]));
        Assert.All(calls, c => Assert.Equal($"Bearer {PageToken}", Header(c, "Authorization")));

        var upload = Assert.Single(_fake.Calls("POST", $"/video-upload/{GraphVersion}/r-1"));
        Assert.Equal($"OAuth {PageToken}", Header(upload, "Authorization"));
        Assert.Equal("https://cdn.example.com/tip.mp4", Header(upload, "file_url"));
    }

    [Fact]
    public async Task an_expired_page_token_is_auth_expired()
    {
        _fake.Post(Feed).RespondWith(GraphError(400, 190, 492, "Invalid Page session."));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => PublishAsync(Publication("Hello", [])));

        Assert.Equal(PlatformFailureKind.AuthExpired, failure.Kind);
        Assert.Equal("190/492", failure.PlatformCode);
    }

    [Fact]
    public async Task page_throttling_retries_when_meta_estimates_access_is_back()
    {
        _fake.Post(Feed).RespondWith(GraphError(400, 32, null, "Page request limit reached")
            .WithHeader("X-Business-Use-Case-Usage",
                $$"""{"{{PageId}}":[{"type":"pages","call_count":100,"total_cputime":25,"total_time":25,"estimated_time_to_regain_access":42}]}"""));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => PublishAsync(Publication("Hello", [])));

        Assert.Equal(PlatformFailureKind.RateLimited, failure.Kind);
        Assert.Equal(_fake.Clock.Now.AddMinutes(42), failure.RetryAt);
        Assert.Equal("32", failure.PlatformCode);
    }

    [Fact]
    public async Task custom_throttling_without_an_estimate_waits_an_hour()
    {
        _fake.Post(Feed).RespondWith(GraphError(400, 613, 1996, "Calls to this api have exceeded the rate limit."));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => PublishAsync(Publication("Hello", [])));

        Assert.Equal(PlatformFailureKind.RateLimited, failure.Kind);
        Assert.Equal(_fake.Clock.Now.AddHours(1), failure.RetryAt);
    }

    [Theory]
    [InlineData(100, "(#100) Invalid parameter")]
    [InlineData(368, "The action attempted has been deemed abusive or is otherwise disallowed")]
    [InlineData(506, "Duplicate status message")]
    public async Task refused_content_is_rejected_with_metas_message(int code, string message)
    {
        _fake.Post(Feed).RespondWith(GraphError(400, code, null, message));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => PublishAsync(Publication("Hello", [])));

        Assert.Equal(PlatformFailureKind.Rejected, failure.Kind);
        Assert.Equal(message, failure.Message);
        Assert.Equal(PlatformId.Facebook, failure.Platform);
    }

    [Fact]
    public async Task a_server_error_on_the_feed_post_is_transient_and_not_retried()
    {
        _fake.Post(Feed).RespondWith(Response.Create().WithStatusCode(503).WithBody("Service Unavailable"));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => PublishAsync(Publication("Hello", [])));

        Assert.Equal(PlatformFailureKind.Transient, failure.Kind);
        Assert.Single(_fake.Calls("POST", Feed));
    }

    [Fact]
    public async Task a_feed_post_that_times_out_is_unknown_and_not_retried()
    {
        using var fake = new FacebookFake(attemptTimeout: TimeSpan.FromSeconds(1));
        await fake.WarmUpAsync();
        var delay = TimeSpan.FromSeconds(2.5);
        fake.Post(Feed).RespondWith(Json(new { id = "late" }).WithDelay(delay));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => PublishAsync(Publication("Hello", []), fake));

        Assert.Equal(PlatformFailureKind.Unknown, failure.Kind);
        Assert.Equal(1, await fake.CountAfterDelayedAnswersAsync("POST", Feed, delay));
    }

    [Fact]
    public async Task a_post_that_breaks_the_rules_is_rejected_before_any_call()
    {
        var failure = await Assert.ThrowsAsync<PlatformException>(() =>
            PublishAsync(Publication("Look", [Photo("a.jpg")], ("link", "https://example.com"))));

        Assert.Equal(PlatformFailureKind.Rejected, failure.Kind);
        Assert.StartsWith("options.link:", failure.Message, StringComparison.Ordinal);
        Assert.Empty(_fake.Requests);
    }

    [Fact]
    public async Task page_tokens_never_reach_logs()
    {
        _fake.Post(Feed).RespondWith(GraphError(400, 190, 467, $"Invalid OAuth access token {PageToken}"));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => PublishAsync(Publication("Hello", [])));

        Assert.DoesNotContain(PageToken, failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(PageToken, _fake.Logs.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(UserToken, _fake.Logs.Text, StringComparison.Ordinal);
    }
}
