using Nexus.Api.Platforms;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using static Nexus.Api.Tests.Platforms.Instagram.InstagramFake;

namespace Nexus.Api.Tests.Platforms.Instagram;

public sealed class InstagramPublisherTests : IDisposable
{
    private const string Token = "IGQpublish-token";
    private const string Media = $"/{GraphVersion}/{IgUserId}/media";
    private const string MediaPublish = $"/{GraphVersion}/{IgUserId}/media_publish";
    private const string Limit = $"/{GraphVersion}/{IgUserId}/content_publishing_limit";
    private readonly InstagramFake _fake = new();

    public void Dispose() => _fake.Dispose();

    private Task<PublishResult> PublishAsync(PublishRequest request, InstagramFake? fake = null) =>
        (fake ?? _fake).Publisher.PublishAsync(Account, Token, request, CancellationToken.None);

    [Fact]
    public async Task a_single_image_goes_through_the_quota_a_container_its_status_and_media_publish()
    {
        _fake.HappyPublishing();

        var result = await PublishAsync(Publication("Autumn is here #fall @friend", [Image(alt: "Red leaves on a path")],
            ("firstComment", "More in our bio")));

        Assert.Equal("17900000000000009", result.ExternalId);
        Assert.Equal(new Uri("https://www.instagram.com/p/DAbc123/"), result.Url);
        Assert.Equal(
            [$"GET {Limit}", $"POST {Media}", $"GET /{GraphVersion}/c-1", $"POST {MediaPublish}",
                $"GET /{GraphVersion}/17900000000000009", $"POST /{GraphVersion}/17900000000000009/comments"],
            _fake.Requests.Select(r => $"{r.Method} {r.Path}"));

        Assert.Equal("quota_usage,config", Query(_fake.Calls("GET", Limit)[0], "fields"));
        Assert.Equal(new Dictionary<string, string>
        {
            ["image_url"] = "https://cdn.example.com/photo.jpg",
            ["caption"] = "Autumn is here #fall @friend",
            ["alt_text"] = "Red leaves on a path",
        }, Form(_fake.Calls("POST", Media)[0]));
        Assert.Equal("status_code,status", Query(_fake.Calls("GET", $"/{GraphVersion}/c-1")[0], "fields"));
        Assert.Equal(new Dictionary<string, string> { ["creation_id"] = "c-1" }, Form(_fake.Calls("POST", MediaPublish)[0]));
        Assert.Equal("permalink", Query(_fake.Calls("GET", $"/{GraphVersion}/17900000000000009")[0], "fields"));
        Assert.Equal("More in our bio", Form(_fake.Calls("POST", $"/{GraphVersion}/17900000000000009/comments")[0])["message"]);

        // The token travels in the Authorization header, never in a URL.
        Assert.All(_fake.Requests, r =>
        {
            Assert.Equal($"Bearer {Token}", Header(r, "Authorization"));
            Assert.DoesNotContain(Token, r.Url, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task a_reel_waits_while_the_container_is_in_progress_then_publishes()
    {
        _fake.HappyPublishing();
        _fake.Get($"/{GraphVersion}/c-1").InScenario("processing").WillSetStateTo("done").AtPriority(1)
            .RespondWith(Json(new { status_code = "IN_PROGRESS", status = "In Progress", id = "c-1" }));
        _fake.Get($"/{GraphVersion}/c-1").InScenario("processing").WhenStateIs("done").AtPriority(1)
            .RespondWith(Json(new { status_code = "FINISHED", status = "Finished", id = "c-1" }));

        var result = await PublishAsync(Publication("New reel", [Video()],
            ("format", "reel"), ("shareToFeed", "false"), ("coverUrl", "https://cdn.example.com/cover.jpg"), ("thumbOffset", "1500")));

        Assert.Equal("17900000000000009", result.ExternalId);
        Assert.Equal(2, _fake.Calls("GET", $"/{GraphVersion}/c-1").Count);
        Assert.Equal(new Dictionary<string, string>
        {
            ["media_type"] = "REELS",
            ["video_url"] = "https://cdn.example.com/clip.mp4",
            ["caption"] = "New reel",
            ["share_to_feed"] = "false",
            ["cover_url"] = "https://cdn.example.com/cover.jpg",
            ["thumb_offset"] = "1500",
        }, Form(_fake.Calls("POST", Media)[0]));
    }

    [Fact]
    public async Task a_single_video_in_the_feed_is_a_reel_shared_to_the_feed()
    {
        _fake.HappyPublishing();

        await PublishAsync(Publication("Feed video", [Video()]));

        var form = Form(_fake.Calls("POST", Media)[0]);
        Assert.Equal("REELS", form["media_type"]);
        Assert.Equal("true", form["share_to_feed"]);
    }

    [Fact]
    public async Task a_story_is_one_image_or_video_without_a_caption()
    {
        _fake.HappyPublishing();

        await PublishAsync(Publication("", [Video("story.mp4")], ("format", "story")));

        Assert.Equal(new Dictionary<string, string>
        {
            ["media_type"] = "STORIES",
            ["video_url"] = "https://cdn.example.com/story.mp4",
        }, Form(_fake.Calls("POST", Media)[0]));
        Assert.Single(_fake.Calls("POST", MediaPublish));
    }

    [Fact]
    public async Task a_carousel_creates_its_children_then_one_parent_that_is_published()
    {
        _fake.HappyPublishing();
        _fake.Server.Given(Request.Create().WithPath(Media).UsingPost().WithBody(new WireMock.Matchers.RegexMatcher("a\\.jpg"))).AtPriority(1)
            .RespondWith(Json(new { id = "child-1" }));
        _fake.Server.Given(Request.Create().WithPath(Media).UsingPost().WithBody(new WireMock.Matchers.RegexMatcher("b\\.mp4"))).AtPriority(1)
            .RespondWith(Json(new { id = "child-2" }));
        _fake.Get($"/{GraphVersion}/child-2").RespondWith(Json(new { status_code = "FINISHED", id = "child-2" }));

        await PublishAsync(Publication("Three moments", [Image("a.jpg", alt: "First"), Video("b.mp4")]));

        var creates = _fake.Calls("POST", Media).Select(Form).ToList();
        Assert.Equal(3, creates.Count);
        Assert.Equal(new Dictionary<string, string>
        {
            ["image_url"] = "https://cdn.example.com/a.jpg",
            ["is_carousel_item"] = "true",
            ["alt_text"] = "First",
        }, creates[0]);
        Assert.Equal(new Dictionary<string, string>
        {
            ["media_type"] = "VIDEO",
            ["video_url"] = "https://cdn.example.com/b.mp4",
            ["is_carousel_item"] = "true",
        }, creates[1]);
        Assert.Equal(new Dictionary<string, string>
        {
            ["media_type"] = "CAROUSEL",
            ["children"] = "child-1,child-2",
            ["caption"] = "Three moments",
        }, creates[2]);
        Assert.Single(_fake.Calls("GET", $"/{GraphVersion}/child-2"));
        Assert.Equal("c-1", Form(Assert.Single(_fake.Calls("POST", MediaPublish)))["creation_id"]);
    }

    [Fact]
    public async Task a_container_that_never_finishes_fails_clearly_after_the_bounded_checks()
    {
        _fake.HappyPublishing();
        _fake.Get($"/{GraphVersion}/c-1").AtPriority(1).RespondWith(Json(new { status_code = "IN_PROGRESS", status = "In Progress", id = "c-1" }));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => PublishAsync(Publication("Slow", [Video()])));

        Assert.Equal(PlatformFailureKind.Transient, failure.Kind);
        Assert.Equal("container:IN_PROGRESS", failure.PlatformCode);
        Assert.Contains("still processing", failure.Message, StringComparison.Ordinal);
        Assert.Equal(3, _fake.Calls("GET", $"/{GraphVersion}/c-1").Count);
        Assert.Empty(_fake.Calls("POST", MediaPublish));
    }

    [Fact]
    public async Task a_container_in_error_is_rejected_with_instagrams_status()
    {
        _fake.HappyPublishing();
        _fake.Get($"/{GraphVersion}/c-1").AtPriority(1).RespondWith(Json(new { status_code = "ERROR", status = "Error: Media upload has failed with error code 2207026", id = "c-1" }));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => PublishAsync(Publication("Bad video", [Video()])));

        Assert.Equal(PlatformFailureKind.Rejected, failure.Kind);
        Assert.Contains("2207026", failure.Message, StringComparison.Ordinal);
        Assert.Empty(_fake.Calls("POST", MediaPublish));
    }

    [Fact]
    public async Task an_exhausted_publishing_quota_is_rate_limited_for_the_window_before_any_container()
    {
        _fake.HappyPublishing(quotaUsage: 100);

        var failure = await Assert.ThrowsAsync<PlatformException>(() => PublishAsync(Publication("One too many", [Image()])));

        Assert.Equal(PlatformFailureKind.RateLimited, failure.Kind);
        Assert.Equal(_fake.Clock.Now.AddSeconds(86400), failure.RetryAt);
        Assert.Contains("100 of 100", failure.Message, StringComparison.Ordinal);
        Assert.Empty(_fake.Calls("POST", Media));
    }

    [Fact]
    public async Task an_expired_token_is_auth_expired()
    {
        _fake.Get(Limit).RespondWith(GraphError(400, 190, 463, "Error validating access token: Session has expired."));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => PublishAsync(Publication("Hello", [Image()])));

        Assert.Equal(PlatformFailureKind.AuthExpired, failure.Kind);
        Assert.Equal("190/463", failure.PlatformCode);
        Assert.Single(_fake.Calls("GET", Limit));
    }

    [Fact]
    public async Task business_use_case_throttling_retries_when_meta_estimates_access_is_back()
    {
        _fake.HappyPublishing();
        _fake.Post(Media).AtPriority(1).RespondWith(GraphError(400, 80002, null, "There have been too many calls to this Instagram account.")
            .WithHeader("X-Business-Use-Case-Usage",
                $$"""{"{{IgUserId}}":[{"type":"instagram","call_count":100,"total_cputime":30,"total_time":40,"estimated_time_to_regain_access":17}]}"""));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => PublishAsync(Publication("Hello", [Image()])));

        Assert.Equal(PlatformFailureKind.RateLimited, failure.Kind);
        Assert.Equal(_fake.Clock.Now.AddMinutes(17), failure.RetryAt);
    }

    [Fact]
    public async Task throttling_without_an_estimate_waits_an_hour()
    {
        _fake.Get(Limit).RespondWith(GraphError(400, 4, null, "(#4) Application request limit reached"));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => PublishAsync(Publication("Hello", [Image()])));

        Assert.Equal(PlatformFailureKind.RateLimited, failure.Kind);
        Assert.Equal(_fake.Clock.Now.AddHours(1), failure.RetryAt);
    }

    [Fact]
    public async Task the_publishing_cap_error_from_media_publish_is_rate_limited()
    {
        _fake.HappyPublishing();
        _fake.Post(MediaPublish).AtPriority(1).RespondWith(GraphError(400, 9, 2207042, "Application request limit reached", "OAuthException"));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => PublishAsync(Publication("Hello", [Image()])));

        Assert.Equal(PlatformFailureKind.RateLimited, failure.Kind);
        Assert.Equal("9/2207042", failure.PlatformCode);
        Assert.NotNull(failure.RetryAt);
    }

    [Fact]
    public async Task media_not_ready_is_transient()
    {
        _fake.HappyPublishing();
        _fake.Post(MediaPublish).AtPriority(1).RespondWith(GraphError(400, 9007, 2207027, "The media is not ready for publishing, please wait for a moment"));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => PublishAsync(Publication("Hello", [Image()])));

        Assert.Equal(PlatformFailureKind.Transient, failure.Kind);
        Assert.Equal("9007/2207027", failure.PlatformCode);
    }

    [Fact]
    public async Task a_media_url_meta_cannot_fetch_is_rejected_with_its_message()
    {
        _fake.HappyPublishing();
        _fake.Post(Media).AtPriority(1).RespondWith(GraphError(400, 9004, 2207052, "The media could not be fetched from this uri: https://cdn.example.com/photo.jpg"));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => PublishAsync(Publication("Hello", [Image()])));

        Assert.Equal(PlatformFailureKind.Rejected, failure.Kind);
        Assert.Equal("The media could not be fetched from this uri: https://cdn.example.com/photo.jpg", failure.Message);
        Assert.Equal("9004/2207052", failure.PlatformCode);
    }

    [Fact]
    public async Task an_invalid_parameter_is_rejected_with_its_message()
    {
        _fake.HappyPublishing();
        _fake.Post(Media).AtPriority(1).RespondWith(GraphError(400, 100, 2207040, "Cannot use more than 20 tags per created media."));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => PublishAsync(Publication("Hello", [Image()])));

        Assert.Equal(PlatformFailureKind.Rejected, failure.Kind);
        Assert.Equal("Cannot use more than 20 tags per created media.", failure.Message);
    }

    [Fact]
    public async Task server_errors_on_reads_are_retried_by_the_pipeline()
    {
        _fake.HappyPublishing();
        _fake.Get(Limit).InScenario("flaky").WillSetStateTo("recovered").AtPriority(1)
            .RespondWith(GraphError(500, 2, null, "Service temporarily unavailable", "OAuthException"));

        var result = await PublishAsync(Publication("Hello", [Image()]));

        Assert.Equal("17900000000000009", result.ExternalId);
        Assert.Equal(2, _fake.Calls("GET", Limit).Count);
    }

    [Fact]
    public async Task a_server_error_on_media_publish_is_transient_and_not_retried()
    {
        _fake.HappyPublishing();
        _fake.Post(MediaPublish).AtPriority(1).RespondWith(GraphError(500, 1, null, "An unknown error has occurred."));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => PublishAsync(Publication("Hello", [Image()])));

        Assert.Equal(PlatformFailureKind.Transient, failure.Kind);
        Assert.Single(_fake.Calls("POST", MediaPublish));
    }

    [Fact]
    public async Task a_media_publish_that_times_out_is_unknown_and_not_retried()
    {
        using var fake = new InstagramFake(attemptTimeout: TimeSpan.FromSeconds(1));
        await fake.WarmUpAsync();
        fake.HappyPublishing();
        var delay = TimeSpan.FromSeconds(2.5);
        fake.Post(MediaPublish).AtPriority(1).RespondWith(Json(new { id = "too-late" }).WithDelay(delay));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => PublishAsync(Publication("Hello", [Image()]), fake));

        Assert.Equal(PlatformFailureKind.Unknown, failure.Kind);
        Assert.Equal("no-answer", failure.PlatformCode);
        Assert.Equal(1, await fake.CountAfterDelayedAnswersAsync("POST", MediaPublish, delay));
    }

    [Fact]
    public async Task a_media_publish_whose_connection_dies_is_unknown()
    {
        _fake.HappyPublishing();
        _fake.Post(MediaPublish).AtPriority(1).RespondWith(Response.Create().WithFault(FaultType.MALFORMED_RESPONSE_CHUNK));

        var failure = await Assert.ThrowsAsync<PlatformException>(() => PublishAsync(Publication("Hello", [Image()])));

        Assert.Equal(PlatformFailureKind.Unknown, failure.Kind);
        Assert.Single(_fake.Calls("POST", MediaPublish));
    }

    [Fact]
    public async Task a_failed_first_comment_does_not_fail_a_live_post()
    {
        _fake.HappyPublishing();
        _fake.Post($"/{GraphVersion}/17900000000000009/comments").AtPriority(1).RespondWith(GraphError(403, 200, null, "(#200) Requires instagram_business_manage_comments"));

        var result = await PublishAsync(Publication("Hello", [Image()], ("firstComment", "First!")));

        Assert.Equal("17900000000000009", result.ExternalId);
        Assert.Contains(_fake.Logs.Entries, e => e.Message.Contains("first comment failed", StringComparison.Ordinal));
        Assert.DoesNotContain(Token, _fake.Logs.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_post_that_breaks_the_rules_is_rejected_before_any_call()
    {
        var failure = await Assert.ThrowsAsync<PlatformException>(() => PublishAsync(Publication("No media", [])));

        Assert.Equal(PlatformFailureKind.Rejected, failure.Kind);
        Assert.StartsWith("media:", failure.Message, StringComparison.Ordinal);
        Assert.Empty(_fake.Requests);
    }
}
