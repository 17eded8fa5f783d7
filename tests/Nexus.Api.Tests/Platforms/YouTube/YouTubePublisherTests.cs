using System.Text.Json.Nodes;
using Nexus.Api.Platforms;
using Nexus.Api.Platforms.YouTube;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Nexus.Api.Tests.Platforms.YouTube;

public sealed class YouTubePublisherTests : IDisposable
{
    private const int Chunk = 262144;
    private static readonly PlatformAccount Channel = new("UC123", "Nexus Cooking", "@nexuscooking", null, AccountKind.Channel);
    private readonly YouTubeFake _youtube = new();

    public void Dispose() => _youtube.Dispose();

    private static byte[] Bytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    private static PublishRequest Post(Uri video, Dictionary<string, string>? options = null) =>
        new("key-1", "Pasta in 10 minutes\nFull recipe below.", [new MediaItem(video, MediaKind.Video, MimeType: "video/mp4")], options ?? []);

    private void Put(string contentRange, IResponseBuilder response) =>
        _youtube.Server.Given(Request.Create().WithPath(YouTubeFake.UploadPath).UsingPut().WithHeader("Content-Range", new ExactMatcher(contentRange)))
            .RespondWith(response);

    private static IResponseBuilder Created(string id) =>
        Response.Create().WithStatusCode(201).WithHeader("Content-Type", "application/json").WithBody(YouTubeFake.VideoResource(id).ToJsonString());

    private IReadOnlyList<string?> Ranges => [.. _youtube.Requests(YouTubeFake.UploadPath, "PUT").Select(r => YouTubeFake.Header(r, "Content-Range"))];

    [Fact]
    public async Task a_video_is_uploaded_through_a_resumable_session_and_its_watch_url_returned()
    {
        var bytes = Bytes(100_000);
        var video = _youtube.Video(bytes);
        _youtube.OpensSession();
        Put("bytes 0-99999/100000", Created("dQw4w9WgXcQ"));

        var result = await _youtube.Publisher.PublishAsync(Channel, YouTubeFake.AccessToken, Post(video, new()
        {
            [YouTubePostOptions.Title] = "Pasta",
            [YouTubePostOptions.PrivacyStatus] = "unlisted",
            [YouTubePostOptions.Tags] = "pasta, quick dinner",
            [YouTubePostOptions.CategoryId] = "26",
            [YouTubePostOptions.NotifySubscribers] = "false",
            [YouTubePostOptions.MadeForKids] = "false",
        }), CancellationToken.None);

        Assert.Equal(new PublishResult("dQw4w9WgXcQ", new Uri("https://www.youtube.com/watch?v=dQw4w9WgXcQ")), result);
        var open = Assert.Single(_youtube.Requests(YouTubeFake.UploadPath, "POST"));
        Assert.Equal("resumable", open.Query!["uploadType"].Single());
        Assert.Equal("snippet,status", string.Join(',', open.Query!["part"]));
        Assert.Equal("false", open.Query!["notifySubscribers"].Single());
        Assert.Equal("Bearer " + YouTubeFake.AccessToken, YouTubeFake.Header(open, "Authorization"));
        Assert.Equal("application/json; charset=utf-8", YouTubeFake.Header(open, "Content-Type"));
        Assert.Equal("100000", YouTubeFake.Header(open, "X-Upload-Content-Length"));
        Assert.Equal("video/mp4", YouTubeFake.Header(open, "X-Upload-Content-Type"));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {
              "snippet": {
                "title": "Pasta",
                "description": "Pasta in 10 minutes\nFull recipe below.",
                "tags": ["pasta", "quick dinner"],
                "categoryId": "26"
              },
              "status": { "privacyStatus": "unlisted", "selfDeclaredMadeForKids": false }
            }
            """), JsonNode.Parse(open.Body!)), open.Body);
        var put = Assert.Single(_youtube.Requests(YouTubeFake.UploadPath, "PUT"));
        Assert.Equal("session-secret-1", put.Query!["upload_id"].Single());
        Assert.Equal("video/mp4", YouTubeFake.Header(put, "Content-Type"));
        Assert.Equal("Bearer " + YouTubeFake.AccessToken, YouTubeFake.Header(put, "Authorization"));
        Assert.Equal(bytes, put.BodyAsBytes);
        Assert.All(_youtube.All, r => Assert.DoesNotContain(YouTubeFake.AccessToken, r.Url));
        Assert.DoesNotContain(YouTubeFake.AccessToken, _youtube.Logs.Text);
        Assert.DoesNotContain("session-secret-1", _youtube.Logs.Text);
    }

    [Fact]
    public async Task without_a_title_option_the_first_line_of_the_text_is_the_title()
    {
        var video = _youtube.Video(Bytes(10));
        _youtube.OpensSession();
        Put("bytes 0-9/10", Created("v1"));

        await _youtube.Publisher.PublishAsync(Channel, YouTubeFake.AccessToken, Post(video), CancellationToken.None);

        var metadata = JsonNode.Parse(Assert.Single(_youtube.Requests(YouTubeFake.UploadPath, "POST")).Body!)!;
        Assert.Equal("Pasta in 10 minutes", metadata["snippet"]!["title"]!.GetValue<string>());
        Assert.Equal("public", metadata["status"]!["privacyStatus"]!.GetValue<string>());
        Assert.False(Assert.Single(_youtube.Requests(YouTubeFake.UploadPath, "POST")).Query!.ContainsKey("notifySubscribers"));
    }

    [Fact]
    public async Task an_interrupted_upload_resumes_from_where_the_session_says_it_stopped()
    {
        var bytes = Bytes(614_400);
        var video = _youtube.Video(bytes);
        _youtube.OpensSession();
        Put("bytes 0-262143/614400", YouTubeFake.Incomplete(Chunk - 1));
        Put("bytes 262144-524287/614400", Response.Create().WithStatusCode(503));
        // Only half of the interrupted chunk arrived.
        Put("bytes */614400", YouTubeFake.Incomplete(393_215));
        Put("bytes 393216-614399/614400", Created("resumed1"));

        var result = await _youtube.Publisher.PublishAsync(Channel, YouTubeFake.AccessToken, Post(video), CancellationToken.None);

        Assert.Equal("resumed1", result.ExternalId);
        Assert.Equal(["bytes 0-262143/614400", "bytes 262144-524287/614400", "bytes */614400", "bytes 393216-614399/614400"], Ranges);
        var puts = _youtube.Requests(YouTubeFake.UploadPath, "PUT");
        Assert.Empty(puts[2].BodyAsBytes ?? []);
        Assert.Equal(bytes[..Chunk], puts[0].BodyAsBytes);
        Assert.Equal(bytes[393_216..], puts[3].BodyAsBytes);
    }

    [Fact]
    public async Task a_final_chunk_whose_answer_was_lost_is_confirmed_by_asking_the_session()
    {
        using var youtube = new YouTubeFake(new() { ["Nexus:Platforms:YouTube:TransferAttemptTimeout"] = "00:00:00.300" });
        var video = youtube.Video(Bytes(1000));
        youtube.OpensSession();
        youtube.Server.Given(Request.Create().WithPath(YouTubeFake.UploadPath).UsingPut().WithHeader("Content-Range", new ExactMatcher("bytes 0-999/1000")))
            .RespondWith(Created("late").WithDelay(TimeSpan.FromSeconds(1)));
        youtube.Server.Given(Request.Create().WithPath(YouTubeFake.UploadPath).UsingPut().WithHeader("Content-Range", new ExactMatcher("bytes */1000")))
            .RespondWith(Created("done1"));

        var result = await youtube.Publisher.PublishAsync(Channel, YouTubeFake.AccessToken, Post(video), CancellationToken.None);

        Assert.Equal("done1", result.ExternalId);
        Assert.Single(youtube.Requests(YouTubeFake.UploadPath, "PUT"), r => YouTubeFake.Header(r, "Content-Range") == "bytes */1000");
    }

    [Fact]
    public async Task an_empty_success_answer_is_confirmed_by_asking_the_session()
    {
        var video = _youtube.Video(Bytes(1000));
        _youtube.OpensSession();
        Put("bytes 0-999/1000", Response.Create().WithFault(FaultType.EMPTY_RESPONSE));
        Put("bytes */1000", Created("done2"));

        var result = await _youtube.Publisher.PublishAsync(Channel, YouTubeFake.AccessToken, Post(video), CancellationToken.None);

        Assert.Equal("done2", result.ExternalId);
        Assert.Equal(["bytes 0-999/1000", "bytes */1000"], Ranges);
    }

    [Fact]
    public async Task an_upload_that_cannot_be_resumed_after_its_last_byte_was_sent_has_an_unknown_outcome()
    {
        var video = _youtube.Video(Bytes(1000));
        _youtube.OpensSession();
        Put("bytes 0-999/1000", Response.Create().WithStatusCode(503));
        Put("bytes */1000", Response.Create().WithStatusCode(503));

        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            _youtube.Publisher.PublishAsync(Channel, YouTubeFake.AccessToken, Post(video), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.Unknown, error.Kind);
        Assert.Equal("upload_interrupted", error.PlatformCode);
        // One chunk and MaxResumeAttempts (2) status queries.
        Assert.Equal(["bytes 0-999/1000", "bytes */1000", "bytes */1000"], Ranges);
    }

    [Fact]
    public async Task an_upload_that_cannot_be_resumed_before_its_last_byte_is_transient()
    {
        var video = _youtube.Video(Bytes(300_000));
        _youtube.OpensSession();
        Put("bytes 0-262143/300000", Response.Create().WithStatusCode(502));
        Put("bytes */300000", Response.Create().WithStatusCode(308));

        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            _youtube.Publisher.PublishAsync(Channel, YouTubeFake.AccessToken, Post(video), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.Transient, error.Kind);
        Assert.Equal(["bytes 0-262143/300000", "bytes */300000", "bytes 0-262143/300000", "bytes */300000", "bytes 0-262143/300000"], Ranges);
    }

    [Fact]
    public async Task an_exhausted_quota_is_rate_limited_until_midnight_pacific()
    {
        var video = _youtube.Video(Bytes(10));
        _youtube.Json(YouTubeFake.UploadPath, 403, YouTubeFake.ApiError(403, "quotaExceeded",
            "The request cannot be completed because you have exceeded your quota."));

        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            _youtube.Publisher.PublishAsync(Channel, YouTubeFake.AccessToken, Post(video), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.RateLimited, error.Kind);
        Assert.Equal("quotaExceeded", error.PlatformCode);
        Assert.Equal("The request cannot be completed because you have exceeded your quota.", error.Message);
        // 05:00 PDT on 10 March -> midnight PDT starting 11 March = 07:00 UTC.
        Assert.Equal(new DateTimeOffset(2026, 3, 11, 7, 0, 0, TimeSpan.Zero), error.RetryAt);
    }

    [Theory]
    [InlineData("2026-01-15T07:59:00Z", "2026-01-15T08:00:00Z")]
    [InlineData("2026-01-15T08:00:00Z", "2026-01-16T08:00:00Z")]
    [InlineData("2026-07-01T06:59:59Z", "2026-07-01T07:00:00Z")]
    [InlineData("2026-03-08T09:30:00Z", "2026-03-09T07:00:00Z")]
    [InlineData("2026-11-01T12:00:00Z", "2026-11-02T08:00:00Z")]
    public void quotas_reset_at_the_next_midnight_in_los_angeles(string now, string reset) =>
        Assert.Equal(DateTimeOffset.Parse(reset, System.Globalization.CultureInfo.InvariantCulture),
            YouTubeErrors.NextPacificMidnight(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public async Task the_upload_limit_is_rate_limited_too()
    {
        var video = _youtube.Video(Bytes(10));
        _youtube.Json(YouTubeFake.UploadPath, 400, YouTubeFake.ApiError(400, "uploadLimitExceeded", "The user has exceeded the number of videos they may upload."));

        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            _youtube.Publisher.PublishAsync(Channel, YouTubeFake.AccessToken, Post(video), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.RateLimited, error.Kind);
        Assert.Equal(new DateTimeOffset(2026, 3, 11, 7, 0, 0, TimeSpan.Zero), error.RetryAt);
    }

    [Fact]
    public async Task rejected_metadata_fails_with_youtubes_message()
    {
        var video = _youtube.Video(Bytes(10));
        _youtube.Json(YouTubeFake.UploadPath, 400, YouTubeFake.ApiError(400, "invalidCategoryId", "The video snippet.categoryId property specifies an invalid category ID."));

        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            _youtube.Publisher.PublishAsync(Channel, YouTubeFake.AccessToken, Post(video, new() { [YouTubePostOptions.CategoryId] = "999" }), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.Rejected, error.Kind);
        Assert.Equal("invalidCategoryId", error.PlatformCode);
        Assert.Equal("The video snippet.categoryId property specifies an invalid category ID.", error.Message);
    }

    [Fact]
    public async Task a_forbidden_upload_is_rejected()
    {
        var video = _youtube.Video(Bytes(10));
        _youtube.Json(YouTubeFake.UploadPath, 403, YouTubeFake.ApiError(403, "forbidden", "Access forbidden."));

        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            _youtube.Publisher.PublishAsync(Channel, YouTubeFake.AccessToken, Post(video), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.Rejected, error.Kind);
    }

    [Fact]
    public async Task an_expired_token_is_auth_expired()
    {
        var video = _youtube.Video(Bytes(10));
        _youtube.Json(YouTubeFake.UploadPath, 401, YouTubeFake.ApiError(401, "authError", "Invalid Credentials"));

        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            _youtube.Publisher.PublishAsync(Channel, "ya29.old", Post(video), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.AuthExpired, error.Kind);
    }

    [Fact]
    public async Task a_server_error_opening_the_session_is_transient_and_not_repeated_by_the_pipeline()
    {
        var video = _youtube.Video(Bytes(10));
        _youtube.Json(YouTubeFake.UploadPath, 503, YouTubeFake.ApiError(503, "backendError", "Backend Error"));

        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            _youtube.Publisher.PublishAsync(Channel, YouTubeFake.AccessToken, Post(video), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.Transient, error.Kind);
        Assert.Single(_youtube.Requests(YouTubeFake.UploadPath, "POST"));
    }

    [Fact]
    public async Task a_video_that_cannot_be_downloaded_is_not_uploaded()
    {
        _youtube.Server.Given(Request.Create().WithPath("/media/gone.mp4").UsingGet()).RespondWith(Response.Create().WithStatusCode(404));

        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            _youtube.Publisher.PublishAsync(Channel, YouTubeFake.AccessToken, Post(new Uri(_youtube.Server.Url + "/media/gone.mp4")), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.Rejected, error.Kind);
        Assert.Equal("media_download_failed", error.PlatformCode);
        Assert.Empty(_youtube.Requests(YouTubeFake.UploadPath));
    }

    [Fact]
    public async Task a_video_on_a_loopback_address_is_refused_before_it_is_fetched()
    {
        using var youtube = new YouTubeFake(new() { ["Nexus:Outbound:AllowPrivateAddresses"] = "false" });
        var video = youtube.Video(Bytes(1000));
        youtube.OpensSession();

        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            youtube.Publisher.PublishAsync(Channel, YouTubeFake.AccessToken, Post(video), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.Rejected, error.Kind);
        Assert.Equal("media_url_forbidden", error.PlatformCode);
        Assert.Contains("loopback", error.Message, StringComparison.Ordinal);
        Assert.Empty(youtube.Requests(video.AbsolutePath));
        Assert.Empty(youtube.Requests(YouTubeFake.UploadPath));
    }
}
