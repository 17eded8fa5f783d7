using System.Text;
using Nexus.Api.Platforms;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Nexus.Api.Tests.Platforms.X;

public sealed class XPublishTests : IDisposable
{
    private static readonly PlatformAccount Account = new("2244994945", "X Dev", "XDevelopers", null, AccountKind.Person);
    private static readonly Dictionary<string, string> NoOptions = [];
    private readonly XHarness _x = new();

    public void Dispose() => _x.Dispose();

    [Fact]
    public async Task a_text_post_is_created_with_the_bearer_token()
    {
        GivenPostsSucceed("1445880548472328192");

        var result = await Publish(new PublishRequest("key-1", "Hello from Nexus", [], NoOptions));

        Assert.Equal("1445880548472328192", result.ExternalId);
        Assert.Equal(new Uri("https://x.com/XDevelopers/status/1445880548472328192"), result.Url);
        var sent = Assert.Single(_x.Requests("/2/tweets"));
        Assert.Equal("POST", sent.RequestMessage!.Method);
        Assert.Equal($"Bearer {XHarness.AccessToken}", sent.Header("Authorization"));
        Assert.StartsWith("application/json", sent.Header("Content-Type"), StringComparison.Ordinal);
        Assert.Equal("""{"text":"Hello from Nexus"}""", sent.BodyText());
    }

    [Fact]
    public async Task images_are_uploaded_then_attached_in_order()
    {
        ServeMedia("a.jpg", "image/jpeg", "JPEGDATA-A");
        ServeMedia("b.png", "image/png", "PNG-B");
        _x.Server.Given(Request.Create().WithPath("/2/media/upload/initialize").UsingPost().WithBody(b => b!.Contains("\"total_bytes\":10", StringComparison.Ordinal)))
            .RespondWith(Json("""{"data":{"id":"111","media_key":"3_111","expires_after_secs":86400}}"""));
        _x.Server.Given(Request.Create().WithPath("/2/media/upload/initialize").UsingPost().WithBody(b => b!.Contains("\"total_bytes\":5", StringComparison.Ordinal)))
            .RespondWith(Json("""{"data":{"id":"222","media_key":"3_222","expires_after_secs":86400}}"""));
        GivenUploadsAccepted("111");
        GivenUploadsAccepted("222");
        GivenPostsSucceed("9001");

        var result = await Publish(new PublishRequest("key-1", "Two pictures", [Image("a.jpg"), Image("b.png")], NoOptions));

        Assert.Equal("9001", result.ExternalId);
        var initializes = _x.Requests("/2/media/upload/initialize");
        Assert.Equal(2, initializes.Count);
        Assert.All(initializes, i => Assert.Equal($"Bearer {XHarness.AccessToken}", i.Header("Authorization")));
        Assert.Equal("""{"media_type":"image/jpeg","total_bytes":10,"media_category":"tweet_image"}""", initializes[0].BodyText());
        Assert.Equal("""{"media_type":"image/png","total_bytes":5,"media_category":"tweet_image"}""", initializes[1].BodyText());
        var append = Assert.Single(_x.Requests("/2/media/upload/111/append"));
        Assert.StartsWith("multipart/form-data", append.Header("Content-Type"), StringComparison.Ordinal);
        Assert.Equal(new Dictionary<string, string> { ["segment_index"] = "0", ["media"] = "JPEGDATA-A" }, append.Multipart());
        Assert.Single(_x.Requests("/2/media/upload/111/finalize", "POST"));
        Assert.Single(_x.Requests("/2/media/upload/222/finalize", "POST"));
        Assert.Empty(_x.Requests("/2/media/upload", "GET"));
        Assert.Equal("""{"text":"Two pictures","media":{"media_ids":["111","222"]}}""", Assert.Single(_x.Requests("/2/tweets")).BodyText());
    }

    [Fact]
    public async Task a_video_is_appended_in_segments_and_posted_once_processing_succeeds()
    {
        const string video = "0123456789abcdefghijKLMNO";
        ServeMedia("clip.mp4", "video/mp4", video);
        _x.Server.Given(Request.Create().WithPath("/2/media/upload/initialize").UsingPost())
            .RespondWith(Json("""{"data":{"id":"777","media_key":"7_777","expires_after_secs":86400}}"""));
        _x.Server.Given(Request.Create().WithPath("/2/media/upload/777/append").UsingPost()).RespondWith(Response.Create().WithStatusCode(204));
        _x.Server.Given(Request.Create().WithPath("/2/media/upload/777/finalize").UsingPost())
            .RespondWith(Json("""{"data":{"id":"777","media_key":"7_777","size":25,"processing_info":{"state":"pending","check_after_secs":1}}}"""));
        _x.Server.Given(Request.Create().WithPath("/2/media/upload").UsingGet()).InScenario("processing").WillSetStateTo("done")
            .RespondWith(Json("""{"data":{"id":"777","processing_info":{"state":"in_progress","check_after_secs":1,"progress_percent":50}}}"""));
        _x.Server.Given(Request.Create().WithPath("/2/media/upload").UsingGet()).InScenario("processing").WhenStateIs("done")
            .RespondWith(Json("""{"data":{"id":"777","processing_info":{"state":"succeeded","progress_percent":100}}}"""));
        GivenPostsSucceed("555");

        var result = await Publish(new PublishRequest("key-1", "", [new MediaItem(_x.MediaUrl("clip.mp4"), MediaKind.Video)], NoOptions));

        Assert.Equal("555", result.ExternalId);
        Assert.Equal("""{"media_type":"video/mp4","total_bytes":25,"media_category":"tweet_video"}""", Assert.Single(_x.Requests("/2/media/upload/initialize")).BodyText());
        var appends = _x.Requests("/2/media/upload/777/append");
        Assert.Equal(["0", "1", "2"], appends.Select(a => a.Multipart()["segment_index"]));
        Assert.Equal(["0123456789", "abcdefghij", "KLMNO"], appends.Select(a => a.Multipart()["media"]));
        var polls = _x.Requests("/2/media/upload", "GET");
        Assert.Equal(2, polls.Count);
        Assert.All(polls, p =>
        {
            Assert.Equal("STATUS", p.RequestMessage!.Query!["command"].Single());
            Assert.Equal("777", p.RequestMessage!.Query!["media_id"].Single());
            Assert.Equal($"Bearer {XHarness.AccessToken}", p.Header("Authorization"));
        });
        Assert.Equal("""{"media":{"media_ids":["777"]}}""", Assert.Single(_x.Requests("/2/tweets")).BodyText());
    }

    [Fact]
    public async Task polling_waits_as_long_as_check_after_secs_says()
    {
        using var x = new XHarness(new Dictionary<string, string?> { ["Nexus:Platforms:X:MaxStatusPollInterval"] = "00:01:00" });
        x.Server.Given(Request.Create().WithPath("/media/clip.gif").UsingGet()).RespondWith(Response.Create().WithHeader("Content-Type", "image/gif").WithBody("GIF89a"));
        x.Server.Given(Request.Create().WithPath("/2/media/upload/initialize").UsingPost()).RespondWith(Json("""{"data":{"id":"8"}}"""));
        x.Server.Given(Request.Create().WithPath("/2/media/upload/8/append").UsingPost()).RespondWith(Response.Create().WithStatusCode(204));
        x.Server.Given(Request.Create().WithPath("/2/media/upload/8/finalize").UsingPost())
            .RespondWith(Json("""{"data":{"id":"8","processing_info":{"state":"pending","check_after_secs":1}}}"""));
        x.Server.Given(Request.Create().WithPath("/2/media/upload").UsingGet()).RespondWith(Json("""{"data":{"id":"8","processing_info":{"state":"succeeded"}}}"""));
        x.Server.Given(Request.Create().WithPath("/2/tweets").UsingPost()).RespondWith(Json("""{"data":{"id":"9","text":"gif"}}""", 201));

        await x.Publisher.PublishAsync(Account, XHarness.AccessToken, new PublishRequest("k", "gif", [new MediaItem(x.MediaUrl("clip.gif"), MediaKind.Gif)], NoOptions), CancellationToken.None);

        Assert.Contains(TimeSpan.FromSeconds(1), x.Clock.Timers);
        Assert.Contains("\"media_category\":\"tweet_gif\"", Assert.Single(x.Requests("/2/media/upload/initialize")).BodyText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task processing_that_never_finishes_fails_after_the_bounded_number_of_polls_and_posts_nothing()
    {
        GivenVideoUpload("""{"state":"pending","check_after_secs":5}""");
        _x.Server.Given(Request.Create().WithPath("/2/media/upload").UsingGet())
            .RespondWith(Json("""{"data":{"id":"777","processing_info":{"state":"in_progress","check_after_secs":5,"progress_percent":10}}}"""));
        GivenPostsSucceed("1");

        var failure = await Assert.ThrowsAsync<PlatformException>(() => Publish(new PublishRequest("k", "video", [Video()], NoOptions)));

        Assert.Equal(PlatformFailureKind.Transient, failure.Kind);
        Assert.Contains("still processing media[0] after 3 status checks", failure.Message, StringComparison.Ordinal);
        Assert.Equal(3, _x.Requests("/2/media/upload", "GET").Count);
        Assert.Empty(_x.Requests("/2/tweets"));
    }

    [Fact]
    public async Task processing_that_fails_is_rejected_with_X_s_reason()
    {
        GivenVideoUpload("""{"state":"failed","progress_percent":100,"error":{"code":1,"name":"InvalidMedia","message":"Unsupported video format"}}""");

        var failure = await Assert.ThrowsAsync<PlatformException>(() => Publish(new PublishRequest("k", "video", [Video()], NoOptions)));

        Assert.Equal(PlatformFailureKind.Rejected, failure.Kind);
        Assert.Equal("InvalidMedia", failure.PlatformCode);
        Assert.Contains("Unsupported video format", failure.Message, StringComparison.Ordinal);
        Assert.Empty(_x.Requests("/2/tweets"));
    }

    [Fact]
    public async Task the_first_comment_is_a_reply_to_the_new_post_and_reply_settings_are_passed()
    {
        _x.Server.Given(Request.Create().WithPath("/2/tweets").UsingPost().WithBody(b => !b!.Contains("in_reply_to_tweet_id", StringComparison.Ordinal)))
            .RespondWith(Json("""{"data":{"id":"100","text":"Main"}}""", 201));
        _x.Server.Given(Request.Create().WithPath("/2/tweets").UsingPost().WithBody(b => b!.Contains("in_reply_to_tweet_id", StringComparison.Ordinal)))
            .RespondWith(Json("""{"data":{"id":"101","text":"Link below"}}""", 201));

        var result = await Publish(new PublishRequest("k", "Main", [], new Dictionary<string, string> { ["firstComment"] = "Link below", ["replySettings"] = "following" }));

        Assert.Equal("100", result.ExternalId);
        var posts = _x.Requests("/2/tweets");
        Assert.Equal(2, posts.Count);
        Assert.Equal("""{"text":"Main","reply_settings":"following"}""", posts[0].BodyText());
        Assert.Equal("""{"text":"Link below","reply":{"in_reply_to_tweet_id":"100"}}""", posts[1].BodyText());
    }

    [Fact]
    public async Task a_failed_first_comment_does_not_fail_the_published_post()
    {
        _x.Server.Given(Request.Create().WithPath("/2/tweets").UsingPost().WithBody(b => !b!.Contains("in_reply_to_tweet_id", StringComparison.Ordinal)))
            .RespondWith(Json("""{"data":{"id":"100","text":"Main"}}""", 201));
        _x.Server.Given(Request.Create().WithPath("/2/tweets").UsingPost().WithBody(b => b!.Contains("in_reply_to_tweet_id", StringComparison.Ordinal)))
            .RespondWith(Json("""{"title":"Forbidden","type":"about:blank","status":403,"detail":"Reply not allowed."}""", 403));

        var result = await Publish(new PublishRequest("k", "Main", [], new Dictionary<string, string> { ["firstComment"] = "Link below" }));

        Assert.Equal("100", result.ExternalId);
        Assert.Equal(2, _x.Requests("/2/tweets").Count);
    }

    [Fact]
    public async Task replying_to_an_existing_post_sets_in_reply_to()
    {
        GivenPostsSucceed("5");

        await Publish(new PublishRequest("k", "Agreed", [], new Dictionary<string, string> { ["replyTo"] = "1234" }));

        Assert.Equal("""{"text":"Agreed","reply":{"in_reply_to_tweet_id":"1234"}}""", Assert.Single(_x.Requests("/2/tweets")).BodyText());
    }

    [Fact]
    public async Task a_rate_limited_post_says_when_the_window_resets()
    {
        _x.Server.Given(Request.Create().WithPath("/2/tweets").UsingPost())
            .RespondWith(Json("""{"errors":[{"code":88,"message":"Rate limit exceeded"}]}""", 429)
                .WithHeader("x-rate-limit-limit", "100").WithHeader("x-rate-limit-remaining", "0").WithHeader("x-rate-limit-reset", "1793704500"));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => Publish(new PublishRequest("k", "hi", [], NoOptions)));

        Assert.Equal(PlatformFailureKind.RateLimited, failure.Kind);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1793704500), failure.RetryAt);
        Assert.Equal("88", failure.PlatformCode);
        Assert.Equal("Rate limit exceeded", failure.Message);
        Assert.Single(_x.Requests("/2/tweets"));
    }

    [Fact]
    public async Task an_expired_token_is_auth_expired()
    {
        _x.Server.Given(Request.Create().WithPath("/2/tweets").UsingPost())
            .RespondWith(Json("""{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}""", 401));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => Publish(new PublishRequest("k", "hi", [], NoOptions)));

        Assert.Equal(PlatformFailureKind.AuthExpired, failure.Kind);
        Assert.DoesNotContain(XHarness.AccessToken, failure.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task duplicate_content_is_rejected_with_X_s_message()
    {
        _x.Server.Given(Request.Create().WithPath("/2/tweets").UsingPost())
            .RespondWith(Json("""{"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403}""", 403));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => Publish(new PublishRequest("k", "hi again", [], NoOptions)));

        Assert.Equal(PlatformFailureKind.Rejected, failure.Kind);
        Assert.Equal("You are not allowed to create a Tweet with duplicate content.", failure.Message);
        Assert.Equal("Forbidden", failure.PlatformCode);
    }

    [Fact]
    public async Task a_server_error_on_the_post_is_transient_and_the_post_is_not_retried()
    {
        _x.Server.Given(Request.Create().WithPath("/2/tweets").UsingPost())
            .RespondWith(Json("""{"title":"Service Unavailable","detail":"Service Unavailable","type":"about:blank","status":503}""", 503));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => Publish(new PublishRequest("k", "hi", [], NoOptions)));

        Assert.Equal(PlatformFailureKind.Transient, failure.Kind);
        Assert.Single(_x.Requests("/2/tweets"));
    }

    [Fact]
    public async Task a_status_check_that_fails_is_retried_by_the_pipeline()
    {
        GivenVideoUpload("""{"state":"pending","check_after_secs":1}""");
        _x.Server.Given(Request.Create().WithPath("/2/media/upload").UsingGet()).InScenario("flaky").WillSetStateTo("up")
            .RespondWith(Response.Create().WithStatusCode(502));
        _x.Server.Given(Request.Create().WithPath("/2/media/upload").UsingGet()).InScenario("flaky").WhenStateIs("up")
            .RespondWith(Json("""{"data":{"id":"777","processing_info":{"state":"succeeded"}}}"""));
        GivenPostsSucceed("12");

        var result = await Publish(new PublishRequest("k", "video", [Video()], NoOptions));

        Assert.Equal("12", result.ExternalId);
        Assert.Equal(2, _x.Requests("/2/media/upload", "GET").Count);
    }

    [Fact]
    public async Task a_post_that_times_out_has_an_unknown_outcome_and_is_not_retried()
    {
        using var x = new XHarness(new Dictionary<string, string?> { ["Nexus:Platforms:X:AttemptTimeout"] = "00:00:02" });
        var arrived = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Counted on arrival: WireMock may never log a request whose client gave up on it.
        x.Server.Given(Request.Create().WithPath("/2/tweets").UsingPost()).RespondWith(Response.Create().WithCallback(async _ =>
        {
            Interlocked.Increment(ref arrived);
            await release.Task.WaitAsync(TimeSpan.FromSeconds(10));
            return new ResponseMessage { StatusCode = 201 };
        }));

        var failure = await Assert.ThrowsAsync<PlatformException>(() =>
            x.Publisher.PublishAsync(Account, XHarness.AccessToken, new PublishRequest("k", "hi", [], NoOptions), CancellationToken.None));
        await Task.Delay(TimeSpan.FromMilliseconds(800)); // longer than the pipeline's retry delay, were it to retry
        release.SetResult();

        Assert.Equal(PlatformFailureKind.Unknown, failure.Kind);
        Assert.Equal(1, Volatile.Read(ref arrived));
    }

    [Fact]
    public async Task a_post_whose_connection_dies_mid_flight_has_an_unknown_outcome()
    {
        _x.Server.Given(Request.Create().WithPath("/2/tweets").UsingPost()).RespondWith(Response.Create().WithFault(FaultType.EMPTY_RESPONSE));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => Publish(new PublishRequest("k", "hi", [], NoOptions)));

        Assert.Equal(PlatformFailureKind.Unknown, failure.Kind);
        Assert.Single(_x.Requests("/2/tweets"));
    }

    [Fact]
    public async Task media_that_cannot_be_downloaded_is_rejected_before_anything_is_sent_to_X()
    {
        _x.Server.Given(Request.Create().WithPath("/media/gone.jpg").UsingGet()).RespondWith(Response.Create().WithStatusCode(404));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => Publish(new PublishRequest("k", "hi", [Image("gone.jpg")], NoOptions)));

        Assert.Equal(PlatformFailureKind.Rejected, failure.Kind);
        Assert.Contains("media[0]", failure.Message, StringComparison.Ordinal);
        Assert.Empty(_x.Requests("/2/media/upload/initialize"));
        Assert.Empty(_x.Requests("/2/tweets"));
    }

    [Fact]
    public async Task an_upload_step_that_times_out_is_transient_because_nothing_was_posted()
    {
        using var x = new XHarness(new Dictionary<string, string?> { ["Nexus:Platforms:X:AttemptTimeout"] = "00:00:00.300" });
        x.Server.Given(Request.Create().WithPath("/media/a.jpg").UsingGet()).RespondWith(Response.Create().WithHeader("Content-Type", "image/jpeg").WithBody("JPEG"));
        x.Server.Given(Request.Create().WithPath("/2/media/upload/initialize").UsingPost())
            .RespondWith(Json("""{"data":{"id":"1"}}""").WithDelay(TimeSpan.FromSeconds(2)));

        var failure = await Assert.ThrowsAsync<PlatformException>(() =>
            x.Publisher.PublishAsync(Account, XHarness.AccessToken, new PublishRequest("k", "hi", [new MediaItem(x.MediaUrl("a.jpg"), MediaKind.Image)], NoOptions), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.Transient, failure.Kind);
        Assert.Empty(x.Requests("/2/tweets"));
    }

    [Fact]
    public async Task media_on_a_loopback_address_is_refused_before_it_is_fetched_and_nothing_is_posted()
    {
        using var x = new XHarness(PublicOnly);
        GivenAcceptedEverywhere(x);

        var failure = await Assert.ThrowsAsync<PlatformException>(() => PublishImage(x, x.MediaUrl("a.jpg")));

        Assert.Equal(PlatformFailureKind.Rejected, failure.Kind);
        Assert.Equal("media_url_forbidden", failure.PlatformCode);
        Assert.Contains("media[0]", failure.Message, StringComparison.Ordinal);
        Assert.Contains("not public", failure.Message, StringComparison.Ordinal);
        Assert.Empty(x.Requests("/media/a.jpg"));
        Assert.Empty(x.Requests("/2/media/upload/initialize"));
        Assert.Empty(x.Requests("/2/tweets"));
    }

    [Fact]
    public async Task media_at_the_cloud_metadata_address_is_refused()
    {
        using var x = new XHarness(PublicOnly);
        GivenAcceptedEverywhere(x);

        // Refused before any connection is attempted: nothing leaves this machine.
        var failure = await Assert.ThrowsAsync<PlatformException>(() => PublishImage(x, new Uri("http://169.254.169.254/latest/meta-data/iam/security-credentials/")));

        Assert.Equal(PlatformFailureKind.Rejected, failure.Kind);
        Assert.Equal("media_url_forbidden", failure.PlatformCode);
        Assert.Empty(x.Requests("/2/tweets"));
    }

    [Fact]
    public async Task media_without_a_length_that_grows_past_the_size_cap_is_rejected()
    {
        using var x = new XHarness(new Dictionary<string, string?> { ["Nexus:Outbound:MaxResponseBytes"] = "1000" });
        GivenAcceptedEverywhere(x);
        // A bare byte body: WireMock answers chunked, without Content-Length.
        x.Server.Given(Request.Create().WithPath("/media/big.jpg").UsingGet()).RespondWith(Response.Create().WithBody(new byte[5000]));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => PublishImage(x, x.MediaUrl("big.jpg")));

        Assert.Equal(PlatformFailureKind.Rejected, failure.Kind);
        Assert.Equal("media_too_large", failure.PlatformCode);
        Assert.Contains("1000 bytes", failure.Message, StringComparison.Ordinal);
        Assert.Empty(x.Requests("/2/media/upload/initialize"));
        Assert.Empty(x.Requests("/2/tweets"));
    }

    [Fact]
    public async Task a_media_source_slower_than_the_outbound_timeout_is_transient()
    {
        using var x = new XHarness(new Dictionary<string, string?> { ["Nexus:Outbound:Timeout"] = "00:00:00.500" });
        GivenAcceptedEverywhere(x);
        x.Server.Given(Request.Create().WithPath("/media/slow.jpg").UsingGet())
            .RespondWith(Response.Create().WithHeader("Content-Type", "image/jpeg").WithBody("JPEG").WithDelay(TimeSpan.FromSeconds(3)));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => PublishImage(x, x.MediaUrl("slow.jpg")));

        Assert.Equal(PlatformFailureKind.Transient, failure.Kind);
        Assert.Contains("in time", failure.Message, StringComparison.Ordinal);
        Assert.Empty(x.Requests("/2/tweets"));
    }

    private static readonly Dictionary<string, string?> PublicOnly = new() { ["Nexus:Outbound:AllowPrivateAddresses"] = "false" };

    private static Task<PublishResult> PublishImage(XHarness x, Uri url) =>
        x.Publisher.PublishAsync(Account, XHarness.AccessToken, new PublishRequest("k", "hi", [new MediaItem(url, MediaKind.Image)], NoOptions), CancellationToken.None);

    /// <summary>Media at /media/a.jpg and an X that accepts every upload and post: only the guard can make a publish fail.</summary>
    private static void GivenAcceptedEverywhere(XHarness x)
    {
        x.Server.Given(Request.Create().WithPath("/media/a.jpg").UsingGet()).RespondWith(Response.Create().WithHeader("Content-Type", "image/jpeg").WithBody("JPEG"));
        x.Server.Given(Request.Create().WithPath("/2/media/upload/initialize").UsingPost()).RespondWith(Json("""{"data":{"id":"1"}}"""));
        x.Server.Given(Request.Create().WithPath("/2/media/upload/1/append").UsingPost()).RespondWith(Response.Create().WithStatusCode(204));
        x.Server.Given(Request.Create().WithPath("/2/media/upload/1/finalize").UsingPost()).RespondWith(Json("""{"data":{"id":"1"}}"""));
        x.Server.Given(Request.Create().WithPath("/2/tweets").UsingPost()).RespondWith(Json("""{"data":{"id":"9","text":"hi"}}""", 201));
    }

    private Task<PublishResult> Publish(PublishRequest request) =>
        _x.Publisher.PublishAsync(Account, XHarness.AccessToken, request, CancellationToken.None);

    private MediaItem Image(string name) => new(_x.MediaUrl(name), MediaKind.Image);

    private MediaItem Video() => new(_x.MediaUrl("clip.mp4"), MediaKind.Video, MimeType: "video/mp4");

    private void ServeMedia(string name, string contentType, string content) =>
        _x.Server.Given(Request.Create().WithPath($"/media/{name}").UsingGet())
            .RespondWith(Response.Create().WithHeader("Content-Type", contentType).WithBody(Encoding.ASCII.GetBytes(content)));

    private void GivenUploadsAccepted(string mediaId)
    {
        _x.Server.Given(Request.Create().WithPath($"/2/media/upload/{mediaId}/append").UsingPost()).RespondWith(Response.Create().WithStatusCode(204));
        _x.Server.Given(Request.Create().WithPath($"/2/media/upload/{mediaId}/finalize").UsingPost())
            .RespondWith(Json($$$"""{"data":{"id":"{{{mediaId}}}","media_key":"3_{{{mediaId}}}","size":10,"expires_after_secs":86400}}"""));
    }

    private void GivenVideoUpload(string processingInfo)
    {
        ServeMedia("clip.mp4", "video/mp4", "0123456789");
        _x.Server.Given(Request.Create().WithPath("/2/media/upload/initialize").UsingPost()).RespondWith(Json("""{"data":{"id":"777"}}"""));
        _x.Server.Given(Request.Create().WithPath("/2/media/upload/777/append").UsingPost()).RespondWith(Response.Create().WithStatusCode(204));
        _x.Server.Given(Request.Create().WithPath("/2/media/upload/777/finalize").UsingPost())
            .RespondWith(Json($$$"""{"data":{"id":"777","processing_info":{{{processingInfo}}}}}"""));
    }

    private void GivenPostsSucceed(string id) =>
        _x.Server.Given(Request.Create().WithPath("/2/tweets").UsingPost())
            .RespondWith(Json($$$"""{"data":{"id":"{{{id}}}","text":"..."}}""", 201));

    private static IResponseBuilder Json(string body, int status = 200) =>
        Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/json").WithBody(body);
}
