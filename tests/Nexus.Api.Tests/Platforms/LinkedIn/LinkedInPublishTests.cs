using System.Text;
using System.Text.Json;
using Nexus.Api.Platforms;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Nexus.Api.Tests.Platforms.LinkedIn;

public sealed class LinkedInPublishTests : IDisposable
{
    private static readonly PlatformAccount Member = new("782bbtaQ", "Ada Lovelace", null, null, AccountKind.Person);
    private static readonly PlatformAccount Organization = new("2414183", "Nexus Labs", "nexus-labs", null, AccountKind.Organization);
    private static readonly Dictionary<string, string> NoOptions = [];
    private readonly LinkedInHarness _li = new();

    public void Dispose() => _li.Dispose();

    [Fact]
    public async Task a_text_post_is_created_with_the_versioned_rest_headers_and_escaped_commentary()
    {
        GivenPostCreated("urn:li:share:6844785523593134080");

        var result = await Publish(Member, new PublishRequest("k", "Shipping Nexus (beta) #launch", [], NoOptions));

        Assert.Equal("urn:li:share:6844785523593134080", result.ExternalId);
        Assert.Equal(new Uri("https://www.linkedin.com/feed/update/urn:li:share:6844785523593134080/"), result.Url);
        var sent = Assert.Single(_li.Requests("/rest/posts"));
        Assert.Equal("POST", sent.RequestMessage!.Method);
        sent.AssertRestHeaders();
        Assert.StartsWith("application/json", sent.Header("Content-Type"), StringComparison.Ordinal);
        AssertJson(
            """
            {"author":"urn:li:person:782bbtaQ","commentary":"Shipping Nexus \\(beta\\) {hashtag|\\#|launch}","visibility":"PUBLIC",
             "distribution":{"feedDistribution":"MAIN_FEED","targetEntities":[],"thirdPartyDistributionChannels":[]},
             "lifecycleState":"PUBLISHED","isReshareDisabledByAuthor":false}
            """,
            sent.BodyText());
    }

    [Fact]
    public async Task an_organization_posts_as_its_organization_urn_with_the_chosen_options()
    {
        GivenPostCreated("urn:li:share:1");

        await Publish(Organization, new PublishRequest("k", "Hello", [], new Dictionary<string, string> { ["visibility"] = "CONNECTIONS", ["disableReshare"] = "true" }));

        var body = Assert.Single(_li.Requests("/rest/posts")).Json();
        Assert.Equal("urn:li:organization:2414183", body.GetProperty("author").GetString());
        Assert.Equal("CONNECTIONS", body.GetProperty("visibility").GetString());
        Assert.True(body.GetProperty("isReshareDisabledByAuthor").GetBoolean());
    }

    [Fact]
    public async Task an_image_is_initialized_uploaded_and_attached()
    {
        ServeMedia("photo.jpg", "JPEG-BYTES");
        _li.Server.Given(Request.Create().WithPath("/rest/images").UsingPost())
            .RespondWith(Json($$$"""{"value":{"uploadUrlExpiresAt":1650567510704,"uploadUrl":"{{{_li.Server.Url}}}/dms-uploads/img-1","image":"urn:li:image:C4E10AQFoyyAjHPMQuQ"}}"""));
        _li.Server.Given(Request.Create().WithPath("/dms-uploads/img-1").UsingPut()).RespondWith(Response.Create().WithStatusCode(201));
        GivenPostCreated("urn:li:share:2");

        await Publish(Member, new PublishRequest("k", "A picture", [new MediaItem(_li.MediaUrl("photo.jpg"), MediaKind.Image, AltText: "A lighthouse")], NoOptions));

        var initialize = Assert.Single(_li.Requests("/rest/images"));
        initialize.AssertRestHeaders();
        Assert.Equal("initializeUpload", initialize.RequestMessage!.Query!["action"].Single());
        AssertJson("""{"initializeUploadRequest":{"owner":"urn:li:person:782bbtaQ"}}""", initialize.BodyText());
        var upload = Assert.Single(_li.Requests("/dms-uploads/img-1"));
        Assert.Equal("PUT", upload.RequestMessage!.Method);
        Assert.Equal($"Bearer {LinkedInHarness.AccessToken}", upload.Header("Authorization"));
        Assert.Equal("JPEG-BYTES", upload.BodyText());
        var post = Assert.Single(_li.Requests("/rest/posts")).Json();
        AssertJson("""{"media":{"id":"urn:li:image:C4E10AQFoyyAjHPMQuQ","altText":"A lighthouse"}}""", post.GetProperty("content").GetRawText());
    }

    [Fact]
    public async Task several_images_make_a_multi_image_post_in_order()
    {
        ServeMedia("1.jpg", "ONE");
        ServeMedia("2.png", "TWO");
        ServeMedia("3.gif", "THREE");
        var url = _li.Server.Url;
        _li.Server.Given(Request.Create().WithPath("/rest/images").UsingPost()).InScenario("images").WillSetStateTo("1")
            .RespondWith(Json($$$"""{"value":{"uploadUrl":"{{{url}}}/dms-uploads/1","image":"urn:li:image:A"}}"""));
        _li.Server.Given(Request.Create().WithPath("/rest/images").UsingPost()).InScenario("images").WhenStateIs("1").WillSetStateTo("2")
            .RespondWith(Json($$$"""{"value":{"uploadUrl":"{{{url}}}/dms-uploads/2","image":"urn:li:image:B"}}"""));
        _li.Server.Given(Request.Create().WithPath("/rest/images").UsingPost()).InScenario("images").WhenStateIs("2")
            .RespondWith(Json($$$"""{"value":{"uploadUrl":"{{{url}}}/dms-uploads/3","image":"urn:li:image:C"}}"""));
        _li.Server.Given(Request.Create().WithPath("/dms-uploads/*").UsingPut()).RespondWith(Response.Create().WithStatusCode(201));
        GivenPostCreated("urn:li:share:3");

        await Publish(Member, new PublishRequest("k", "Three", [Image("1.jpg"), Image("2.png"), new MediaItem(_li.MediaUrl("3.gif"), MediaKind.Gif)], NoOptions));

        Assert.Equal(["ONE", "TWO", "THREE"], _li.Requests().Where(r => r.RequestMessage!.Method == "PUT").Select(r => r.BodyText()));
        var post = Assert.Single(_li.Requests("/rest/posts")).Json();
        AssertJson("""{"multiImage":{"images":[{"id":"urn:li:image:A"},{"id":"urn:li:image:B"},{"id":"urn:li:image:C"}]}}""", post.GetProperty("content").GetRawText());
    }

    [Fact]
    public async Task a_video_is_uploaded_in_the_parts_LinkedIn_asks_for_and_finalized_with_their_etags()
    {
        ServeMedia("clip.mp4", "0123456789abcdefghij");
        var url = _li.Server.Url;
        _li.Server.Given(Request.Create().WithPath("/rest/videos").WithParam("action", "initializeUpload").UsingPost()).RespondWith(Json($$$"""
            {"value":{"uploadUrlsExpireAt":1650567510704,"video":"urn:li:video:C5F10AQGKQg_6y2a4sQ","uploadToken":"tok-1","uploadInstructions":[
              {"uploadUrl":"{{{url}}}/upload/part-2","lastByte":19,"firstByte":10},
              {"uploadUrl":"{{{url}}}/upload/part-1","lastByte":9,"firstByte":0}]}}
            """));
        _li.Server.Given(Request.Create().WithPath("/upload/part-1").UsingPut()).RespondWith(Response.Create().WithStatusCode(200).WithHeader("ETag", "/ambry-video/signedId/part-1-etag"));
        _li.Server.Given(Request.Create().WithPath("/upload/part-2").UsingPut()).RespondWith(Response.Create().WithStatusCode(200).WithHeader("ETag", "/ambry-video/signedId/part-2-etag"));
        _li.Server.Given(Request.Create().WithPath("/rest/videos").WithParam("action", "finalizeUpload").UsingPost()).RespondWith(Response.Create().WithStatusCode(200));
        GivenPostCreated("urn:li:ugcPost:4");

        var result = await Publish(Organization, new PublishRequest("k", "Watch", [new MediaItem(_li.MediaUrl("clip.mp4"), MediaKind.Video)], new Dictionary<string, string> { ["videoTitle"] = "Launch film" }));

        Assert.Equal("urn:li:ugcPost:4", result.ExternalId);
        var calls = _li.Requests("/rest/videos");
        Assert.Equal(2, calls.Count);
        Assert.All(calls, c => c.AssertRestHeaders());
        AssertJson(
            """{"initializeUploadRequest":{"owner":"urn:li:organization:2414183","fileSizeBytes":20,"uploadCaptions":false,"uploadThumbnail":false}}""",
            calls[0].BodyText());
        var part1 = Assert.Single(_li.Requests("/upload/part-1"));
        var part2 = Assert.Single(_li.Requests("/upload/part-2"));
        Assert.Equal("0123456789", part1.BodyText());
        Assert.Equal("abcdefghij", part2.BodyText());
        Assert.False(part1.HasHeader("Authorization"));
        Assert.Equal("application/octet-stream", part1.Header("Content-Type"));
        AssertJson(
            """{"finalizeUploadRequest":{"video":"urn:li:video:C5F10AQGKQg_6y2a4sQ","uploadToken":"tok-1","uploadedPartIds":["/ambry-video/signedId/part-1-etag","/ambry-video/signedId/part-2-etag"]}}""",
            calls[1].BodyText());
        var post = Assert.Single(_li.Requests("/rest/posts")).Json();
        AssertJson("""{"media":{"id":"urn:li:video:C5F10AQGKQg_6y2a4sQ","title":"Launch film"}}""", post.GetProperty("content").GetRawText());
    }

    [Fact]
    public async Task a_video_with_images_is_refused_before_anything_is_sent()
    {
        var failure = await Assert.ThrowsAsync<PlatformException>(() =>
            Publish(Member, new PublishRequest("k", "x", [new MediaItem(_li.MediaUrl("clip.mp4"), MediaKind.Video), Image("1.jpg")], NoOptions)));

        Assert.Equal(PlatformFailureKind.Rejected, failure.Kind);
        Assert.Empty(_li.Server.LogEntries);
    }

    [Fact]
    public async Task the_first_comment_is_added_under_the_new_post()
    {
        GivenPostCreated("urn:li:share:5");
        _li.Server.Given(Request.Create().WithPath(p => p.StartsWith("/rest/socialActions/", StringComparison.Ordinal)).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(201).WithHeader("x-restli-id", "urn:li:comment:(urn:li:share:5,1)"));

        var result = await Publish(Member, new PublishRequest("k", "Main", [], new Dictionary<string, string> { ["firstComment"] = "Details inside" }));

        Assert.Equal("urn:li:share:5", result.ExternalId);
        var comment = Assert.Single(_li.Requests(), r => r.RequestMessage!.Path.StartsWith("/rest/socialActions/", StringComparison.Ordinal));
        comment.AssertRestHeaders();
        // The URN is percent-encoded on the wire; the fake reports the decoded path.
        Assert.Equal("/rest/socialActions/urn:li:share:5/comments", comment.RequestMessage!.Path);
        AssertJson("""{"actor":"urn:li:person:782bbtaQ","object":"urn:li:share:5","message":{"text":"Details inside"}}""", comment.BodyText());
    }

    [Fact]
    public async Task a_failed_first_comment_does_not_fail_the_published_post()
    {
        GivenPostCreated("urn:li:share:6");
        _li.Server.Given(Request.Create().WithPath(p => p.StartsWith("/rest/socialActions/", StringComparison.Ordinal)).UsingPost())
            .RespondWith(Json("""{"status":403,"message":"Not enough permissions"}""", 403));

        var result = await Publish(Member, new PublishRequest("k", "Main", [], new Dictionary<string, string> { ["firstComment"] = "Details" }));

        Assert.Equal("urn:li:share:6", result.ExternalId);
    }

    [Fact]
    public async Task an_expired_token_is_auth_expired()
    {
        _li.Server.Given(Request.Create().WithPath("/rest/posts").UsingPost())
            .RespondWith(Json("""{"status":401,"serviceErrorCode":65600,"code":"INVALID_ACCESS_TOKEN","message":"Invalid access token"}""", 401));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => Publish(Member, Text("hi")));

        Assert.Equal(PlatformFailureKind.AuthExpired, failure.Kind);
        Assert.Equal("INVALID_ACCESS_TOKEN", failure.PlatformCode);
        Assert.DoesNotContain(LinkedInHarness.AccessToken, failure.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_daily_limit_without_a_reset_header_retries_at_the_next_midnight_utc()
    {
        _li.Server.Given(Request.Create().WithPath("/rest/posts").UsingPost())
            .RespondWith(Json("""{"status":429,"serviceErrorCode":101,"code":"TOO_MANY_REQUESTS","message":"Resource level throttle APPLICATION DAY limit for calls to this resource is reached."}""", 429));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => Publish(Member, Text("hi")));

        Assert.Equal(PlatformFailureKind.RateLimited, failure.Kind);
        Assert.Equal(new DateTimeOffset(2026, 11, 4, 0, 0, 0, TimeSpan.Zero), failure.RetryAt);
        Assert.Single(_li.Requests("/rest/posts"));
    }

    [Fact]
    public async Task a_rate_limit_with_retry_after_retries_then()
    {
        _li.Server.Given(Request.Create().WithPath("/rest/posts").UsingPost())
            .RespondWith(Json("""{"status":429,"message":"Too many requests"}""", 429).WithHeader("Retry-After", "120"));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => Publish(Member, Text("hi")));

        Assert.Equal(PlatformFailureKind.RateLimited, failure.Kind);
        Assert.Equal(LinkedInHarness.Now.AddSeconds(120), failure.RetryAt);
    }

    [Theory]
    [InlineData(422, """{"status":422,"message":"Content is a duplicate of urn:li:share:6844785523593134080","code":"DUPLICATE_POST"}""", "Content is a duplicate of urn:li:share:6844785523593134080")]
    [InlineData(400, """{"status":400,"serviceErrorCode":100,"message":"/commentary :: length of 3001 exceeds the maximum allowed"}""", "/commentary :: length of 3001 exceeds the maximum allowed")]
    public async Task refused_content_is_rejected_with_LinkedIn_s_message(int status, string body, string message)
    {
        _li.Server.Given(Request.Create().WithPath("/rest/posts").UsingPost()).RespondWith(Json(body, status));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => Publish(Member, Text("hi")));

        Assert.Equal(PlatformFailureKind.Rejected, failure.Kind);
        Assert.Equal(message, failure.Message);
    }

    [Fact]
    public async Task a_server_error_on_the_post_is_transient_and_the_post_is_not_retried()
    {
        _li.Server.Given(Request.Create().WithPath("/rest/posts").UsingPost()).RespondWith(Json("""{"status":500,"message":"Internal Server Error"}""", 500));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => Publish(Member, Text("hi")));

        Assert.Equal(PlatformFailureKind.Transient, failure.Kind);
        Assert.Single(_li.Requests("/rest/posts"));
    }

    [Fact]
    public async Task a_post_that_times_out_has_an_unknown_outcome_and_is_not_retried()
    {
        using var li = new LinkedInHarness(new Dictionary<string, string?> { ["Nexus:Platforms:LinkedIn:AttemptTimeout"] = "00:00:02" });
        var arrived = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Counted on arrival: WireMock may never log a request whose client gave up on it.
        li.Server.Given(Request.Create().WithPath("/rest/posts").UsingPost()).RespondWith(Response.Create().WithCallback(async _ =>
        {
            Interlocked.Increment(ref arrived);
            await release.Task.WaitAsync(TimeSpan.FromSeconds(10));
            return new ResponseMessage { StatusCode = 201 };
        }));

        var failure = await Assert.ThrowsAsync<PlatformException>(() =>
            li.Publisher.PublishAsync(Member, LinkedInHarness.AccessToken, Text("hi"), CancellationToken.None));
        await Task.Delay(TimeSpan.FromMilliseconds(800)); // longer than the pipeline's retry delay, were it to retry
        release.SetResult();

        Assert.Equal(PlatformFailureKind.Unknown, failure.Kind);
        Assert.Equal(1, Volatile.Read(ref arrived));
    }

    [Fact]
    public async Task a_post_whose_connection_dies_mid_flight_has_an_unknown_outcome()
    {
        _li.Server.Given(Request.Create().WithPath("/rest/posts").UsingPost()).RespondWith(Response.Create().WithFault(FaultType.EMPTY_RESPONSE));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => Publish(Member, Text("hi")));

        Assert.Equal(PlatformFailureKind.Unknown, failure.Kind);
        Assert.Single(_li.Requests("/rest/posts"));
    }

    [Fact]
    public async Task a_created_post_without_its_urn_has_an_unknown_outcome()
    {
        _li.Server.Given(Request.Create().WithPath("/rest/posts").UsingPost()).RespondWith(Response.Create().WithStatusCode(201));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => Publish(Member, Text("hi")));

        Assert.Equal(PlatformFailureKind.Unknown, failure.Kind);
    }

    [Fact]
    public async Task an_image_upload_that_fails_is_transient_and_nothing_is_posted()
    {
        ServeMedia("photo.jpg", "JPEG");
        _li.Server.Given(Request.Create().WithPath("/rest/images").UsingPost())
            .RespondWith(Json($$$"""{"value":{"uploadUrl":"{{{_li.Server.Url}}}/dms-uploads/img-1","image":"urn:li:image:X"}}"""));
        _li.Server.Given(Request.Create().WithPath("/dms-uploads/img-1").UsingPut()).RespondWith(Response.Create().WithStatusCode(503));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => Publish(Member, new PublishRequest("k", "x", [Image("photo.jpg")], NoOptions)));

        Assert.Equal(PlatformFailureKind.Transient, failure.Kind);
        Assert.Empty(_li.Requests("/rest/posts"));
    }

    [Fact]
    public async Task media_on_a_loopback_address_is_refused_before_it_is_fetched_and_nothing_is_posted()
    {
        using var li = new LinkedInHarness(new Dictionary<string, string?> { ["Nexus:Outbound:AllowPrivateAddresses"] = "false" });
        li.Server.Given(Request.Create().WithPath("/media/photo.jpg").UsingGet()).RespondWith(Response.Create().WithHeader("Content-Type", "image/jpeg").WithBody("JPEG"));
        li.Server.Given(Request.Create().WithPath("/rest/images").UsingPost())
            .RespondWith(Json($$$"""{"value":{"uploadUrl":"{{{li.Server.Url}}}/dms-uploads/img-1","image":"urn:li:image:X"}}"""));
        li.Server.Given(Request.Create().WithPath("/dms-uploads/img-1").UsingPut()).RespondWith(Response.Create().WithStatusCode(201));
        li.Server.Given(Request.Create().WithPath("/rest/posts").UsingPost()).RespondWith(Response.Create().WithStatusCode(201).WithHeader("x-restli-id", "urn:li:share:1"));

        var failure = await Assert.ThrowsAsync<PlatformException>(() =>
            li.Publisher.PublishAsync(Member, LinkedInHarness.AccessToken, new PublishRequest("k", "x", [new MediaItem(li.MediaUrl("photo.jpg"), MediaKind.Image)], NoOptions), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.Rejected, failure.Kind);
        Assert.Equal("media_url_forbidden", failure.PlatformCode);
        Assert.Contains("not public", failure.Message, StringComparison.Ordinal);
        Assert.Empty(li.Requests("/media/photo.jpg"));
        Assert.Empty(li.Requests("/rest/posts"));
    }

    [Fact]
    public async Task media_in_a_private_range_is_refused()
    {
        using var li = new LinkedInHarness(new Dictionary<string, string?> { ["Nexus:Outbound:AllowPrivateAddresses"] = "false" });
        li.Server.Given(Request.Create().WithPath("/rest/posts").UsingPost()).RespondWith(Response.Create().WithStatusCode(201).WithHeader("x-restli-id", "urn:li:share:1"));

        // Refused before any connection is attempted: nothing leaves this machine.
        var failure = await Assert.ThrowsAsync<PlatformException>(() =>
            li.Publisher.PublishAsync(Member, LinkedInHarness.AccessToken, new PublishRequest("k", "x", [new MediaItem(new Uri("http://10.0.0.7/internal.jpg"), MediaKind.Image)], NoOptions), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.Rejected, failure.Kind);
        Assert.Equal("media_url_forbidden", failure.PlatformCode);
        Assert.Empty(li.Requests("/rest/posts"));
    }

    [Fact]
    public async Task a_video_without_a_length_that_grows_past_the_size_cap_is_rejected_before_linkedin_hears_of_it()
    {
        using var li = new LinkedInHarness(new Dictionary<string, string?> { ["Nexus:Outbound:MaxResponseBytes"] = "1000" });
        // A bare byte body: WireMock answers chunked, without Content-Length.
        li.Server.Given(Request.Create().WithPath("/media/clip.mp4").UsingGet()).RespondWith(Response.Create().WithBody(new byte[5000]));

        var failure = await Assert.ThrowsAsync<PlatformException>(() =>
            li.Publisher.PublishAsync(Member, LinkedInHarness.AccessToken, new PublishRequest("k", "x", [new MediaItem(li.MediaUrl("clip.mp4"), MediaKind.Video)], NoOptions), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.Rejected, failure.Kind);
        Assert.Equal("media_too_large", failure.PlatformCode);
        Assert.Empty(li.Requests("/rest/videos"));
    }

    private Task<PublishResult> Publish(PlatformAccount account, PublishRequest request) =>
        _li.Publisher.PublishAsync(account, LinkedInHarness.AccessToken, request, CancellationToken.None);

    private static PublishRequest Text(string text) => new("k", text, [], NoOptions);

    private MediaItem Image(string name) => new(_li.MediaUrl(name), MediaKind.Image);

    private void ServeMedia(string name, string content) =>
        _li.Server.Given(Request.Create().WithPath($"/media/{name}").UsingGet())
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/octet-stream").WithBody(Encoding.ASCII.GetBytes(content)));

    private void GivenPostCreated(string urn) =>
        _li.Server.Given(Request.Create().WithPath("/rest/posts").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(201).WithHeader("x-restli-id", urn).WithHeader("x-linkedin-id", urn));

    private static IResponseBuilder Json(string body, int status = 200) =>
        Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/json").WithBody(body);

    private static void AssertJson(string expected, string actual) =>
        Assert.Equal(JsonSerializer.Serialize(JsonDocument.Parse(expected).RootElement), JsonSerializer.Serialize(JsonDocument.Parse(actual).RootElement));
}
