using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Platforms;
using Nexus.Api.Platforms.Pinterest;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Nexus.Api.Tests.Platforms.Pinterest;

public sealed class PinterestPublisherTests : IDisposable
{
    private static readonly PlatformAccount User = new("549755885175", "Nexus Bakery", "nexusbakery", null, AccountKind.Person);
    private readonly PinterestFake _pinterest = new();

    public void Dispose() => _pinterest.Dispose();

    private static PublishRequest ImagePin(MediaItem? media = null, Dictionary<string, string>? options = null) =>
        new("key-1", "Sourdough, step by step", [media ?? new MediaItem(new Uri("https://cdn.nexus.example/bread.jpg"), MediaKind.Image, MimeType: "image/jpeg")],
            options ?? new Dictionary<string, string> { [PinterestPostOptions.BoardId] = "board-1" });

    private void PinCreated(string id = "813744226420795884") =>
        _pinterest.Json("/v5/pins", 201, new JsonObject { ["id"] = id, ["board_id"] = "board-1" });

    private PublishRequest VideoPin()
    {
        var video = Encoding.ASCII.GetBytes("fake-mp4-bytes-" + new string('v', 5000));
        _pinterest.Server.Given(Request.Create().WithPath("/media/clip.mp4").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "video/mp4").WithBody(video));
        _pinterest.Json("/v5/media", 201, new JsonObject
        {
            ["media_id"] = "12345",
            ["media_type"] = "video",
            ["upload_url"] = _pinterest.Server.Url + "/storage/",
            ["upload_parameters"] = new JsonObject
            {
                ["x-amz-date"] = "20260310T120000Z",
                ["x-amz-signature"] = "signature-secret",
                ["key"] = "uploads/12345",
                ["policy"] = "policy-secret",
                ["Content-Type"] = "multipart/form-data",
            },
        });
        _pinterest.Server.Given(Request.Create().WithPath("/storage/").UsingPost()).RespondWith(Response.Create().WithStatusCode(204));
        return new PublishRequest("key-2", "Shaping a boule", [new MediaItem(new Uri(_pinterest.Server.Url + "/media/clip.mp4"), MediaKind.Video, MimeType: "video/mp4")],
            new Dictionary<string, string>
            {
                [PinterestPostOptions.BoardId] = "board-1",
                [PinterestPostOptions.CoverImageUrl] = "https://cdn.nexus.example/cover.jpg",
            });
    }

    [Fact]
    public async Task an_image_pin_is_created_from_the_image_url()
    {
        PinCreated();

        var result = await _pinterest.Publisher.PublishAsync(User, PinterestFake.AccessToken, ImagePin(
            new MediaItem(new Uri("https://cdn.nexus.example/bread.jpg"), MediaKind.Image, AltText: "A loaf on a board"),
            new Dictionary<string, string>
            {
                [PinterestPostOptions.BoardId] = "board-1",
                [PinterestPostOptions.BoardSectionId] = "section-9",
                [PinterestPostOptions.Title] = "Sourdough",
                [PinterestPostOptions.Link] = "https://nexus.example/recipes/sourdough",
                [PinterestPostOptions.AltText] = "ignored: the media's own alt text wins",
            }), CancellationToken.None);

        Assert.Equal(new PublishResult("813744226420795884", new Uri("https://www.pinterest.com/pin/813744226420795884/")), result);
        var sent = Assert.Single(_pinterest.Requests("/v5/pins"));
        Assert.Equal("POST", sent.Method);
        Assert.Equal("Bearer " + PinterestFake.AccessToken, PinterestFake.Header(sent, "Authorization"));
        Assert.StartsWith("application/json", PinterestFake.Header(sent, "Content-Type"));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {
              "board_id": "board-1",
              "board_section_id": "section-9",
              "title": "Sourdough",
              "description": "Sourdough, step by step",
              "link": "https://nexus.example/recipes/sourdough",
              "alt_text": "A loaf on a board",
              "media_source": { "source_type": "image_url", "url": "https://cdn.nexus.example/bread.jpg" }
            }
            """), PinterestFake.Body(sent)), sent.Body);
        Assert.DoesNotContain(PinterestFake.AccessToken, _pinterest.Logs.Text);
    }

    [Fact]
    public async Task a_video_pin_registers_media_uploads_it_waits_for_processing_then_pins_it()
    {
        var post = VideoPin();
        _pinterest.MediaStatuses("12345", "registered", "processing", "succeeded");
        PinCreated("900");

        var result = await _pinterest.Publisher.PublishAsync(User, PinterestFake.AccessToken, post, CancellationToken.None);

        Assert.Equal("900", result.ExternalId);
        Assert.Equal(
            ["/media/clip.mp4", "/v5/media", "/storage/", "/v5/media/12345", "/v5/media/12345", "/v5/media/12345", "/v5/pins"],
            _pinterest.All.Select(r => r.Path));
        Assert.Equal("""{"media_type":"video"}""", Assert.Single(_pinterest.Requests("/v5/media")).Body);
        var upload = Assert.Single(_pinterest.Requests("/storage/"));
        Assert.Null(PinterestFake.Header(upload, "Authorization"));
        Assert.StartsWith("multipart/form-data", PinterestFake.Header(upload, "Content-Type"));
        var form = Encoding.ASCII.GetString(upload.BodyAsBytes ?? Encoding.UTF8.GetBytes(upload.Body ?? string.Empty));
        foreach (var field in new[] { "x-amz-date", "x-amz-signature", "key", "policy", "Content-Type" })
        {
            Assert.Contains($"name={field}", form.Replace("\"", string.Empty, StringComparison.Ordinal));
        }

        Assert.True(form.IndexOf("policy-secret", StringComparison.Ordinal) < form.IndexOf("fake-mp4-bytes-", StringComparison.Ordinal), "the file goes last");
        Assert.Contains("fake-mp4-bytes-" + new string('v', 5000), form);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {
              "board_id": "board-1",
              "description": "Shaping a boule",
              "media_source": { "source_type": "video_id", "media_id": "12345", "cover_image_url": "https://cdn.nexus.example/cover.jpg" }
            }
            """), PinterestFake.Body(Assert.Single(_pinterest.Requests("/v5/pins")))));
        Assert.DoesNotContain("signature-secret", _pinterest.Logs.Text);
        Assert.DoesNotContain("policy-secret", _pinterest.Logs.Text);
    }

    [Fact]
    public async Task a_video_pinterest_never_finishes_processing_fails_after_the_bounded_checks_without_pinning()
    {
        var post = VideoPin();
        _pinterest.MediaStatuses("12345", "processing");

        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            _pinterest.Publisher.PublishAsync(User, PinterestFake.AccessToken, post, CancellationToken.None));

        Assert.Equal(PlatformFailureKind.Transient, error.Kind);
        Assert.Equal("media_processing_timeout", error.PlatformCode);
        Assert.Contains("processing", error.Message);
        Assert.Equal(3, _pinterest.Requests("/v5/media/12345").Count);
        Assert.Empty(_pinterest.Requests("/v5/pins"));
    }

    [Fact]
    public async Task a_video_pinterest_cannot_process_is_rejected()
    {
        var post = VideoPin();
        _pinterest.MediaStatuses("12345", "processing", "failed");

        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            _pinterest.Publisher.PublishAsync(User, PinterestFake.AccessToken, post, CancellationToken.None));

        Assert.Equal(PlatformFailureKind.Rejected, error.Kind);
        Assert.Equal("media_failed", error.PlatformCode);
        Assert.Empty(_pinterest.Requests("/v5/pins"));
    }

    [Theory]
    [InlineData("30", "2026-03-10T12:00:30Z")]
    [InlineData("1773147600", "2026-03-10T13:00:00Z")]
    public async Task too_many_requests_is_rate_limited_until_the_reset(string reset, string retryAt)
    {
        _pinterest.Server.Given(Request.Create().WithPath("/v5/pins").UsingPost()).RespondWith(Response.Create().WithStatusCode(429)
            .WithHeader("Content-Type", "application/json").WithHeader("x-ratelimit-reset", reset)
            .WithBody(PinterestFake.Error(8, "You have exceeded your rate limit. Try again later.").ToJsonString()));

        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            _pinterest.Publisher.PublishAsync(User, PinterestFake.AccessToken, ImagePin(), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.RateLimited, error.Kind);
        Assert.Equal(DateTimeOffset.Parse(retryAt, System.Globalization.CultureInfo.InvariantCulture), error.RetryAt);
        Assert.Equal("You have exceeded your rate limit. Try again later.", error.Message);
        Assert.Single(_pinterest.Requests("/v5/pins"));
    }

    [Theory]
    [InlineData(400, "Invalid board_id.")]
    [InlineData(409, "Conflict: the Pin could not be saved.")]
    [InlineData(403, "Not authorized to write to this board.")]
    public async Task a_refused_pin_is_rejected_with_pinterests_message(int status, string message)
    {
        _pinterest.Json("/v5/pins", status, PinterestFake.Error(status == 400 ? 1 : 2, message));

        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            _pinterest.Publisher.PublishAsync(User, PinterestFake.AccessToken, ImagePin(), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.Rejected, error.Kind);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public async Task an_expired_token_is_auth_expired()
    {
        _pinterest.Json("/v5/pins", 401, PinterestFake.Error(2, "Authentication failed."));

        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            _pinterest.Publisher.PublishAsync(User, "pina_old", ImagePin(), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.AuthExpired, error.Kind);
    }

    [Fact]
    public async Task a_server_error_creating_the_pin_is_transient_and_not_repeated_by_the_pipeline()
    {
        _pinterest.Json("/v5/pins", 503, PinterestFake.Error(0, "Service unavailable."));

        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            _pinterest.Publisher.PublishAsync(User, PinterestFake.AccessToken, ImagePin(), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.Transient, error.Kind);
        Assert.Single(_pinterest.Requests("/v5/pins"));
    }

    [Fact]
    public async Task a_pin_request_that_times_out_mid_flight_has_an_unknown_outcome()
    {
        using var pinterest = new PinterestFake(new() { ["Nexus:Platforms:Pinterest:AttemptTimeout"] = "00:00:00.500" });
        pinterest.Server.Given(Request.Create().WithPath("/v5/pins").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(201).WithDelay(TimeSpan.FromSeconds(3)).WithBody("""{"id":"late"}"""));

        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            pinterest.Publisher.PublishAsync(User, PinterestFake.AccessToken, ImagePin(), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.Unknown, error.Kind);
        Assert.Contains("may or may not have been created", error.Message);
    }

    [Fact]
    public async Task a_pin_without_a_board_is_rejected_before_calling_pinterest()
    {
        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            _pinterest.Publisher.PublishAsync(User, PinterestFake.AccessToken, ImagePin(options: []), CancellationToken.None));

        Assert.Equal(PlatformFailureKind.Rejected, error.Kind);
        Assert.Contains("options.boardId", error.Message);
        Assert.Empty(_pinterest.All);
    }

    [Fact]
    public async Task boards_are_listed_page_by_page_and_failing_reads_are_retried()
    {
        _pinterest.Server.Given(Request.Create().WithPath("/v5/boards").UsingGet().WithParam("bookmark", "page2")).InScenario("boards").WillSetStateTo("up")
            .RespondWith(Response.Create().WithStatusCode(502));
        _pinterest.Server.Given(Request.Create().WithPath("/v5/boards").UsingGet().WithParam("bookmark", "page2")).InScenario("boards").WhenStateIs("up")
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json")
                .WithBody("""{"items":[{"id":"b3","name":"Cakes","privacy":"SECRET"}],"bookmark":null}"""));
        _pinterest.Server.Given(Request.Create().WithPath("/v5/boards").UsingGet()).AtPriority(10)
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json")
                .WithBody("""{"items":[{"id":"b1","name":"Bread","privacy":"PUBLIC"},{"id":"b2","name":"Pastry","privacy":"PUBLIC"}],"bookmark":"page2"}"""));
        var publisher = _pinterest.Services.GetRequiredService<PinterestPublisher>();

        var boards = await publisher.GetBoardsAsync(PinterestFake.AccessToken, CancellationToken.None);

        Assert.Equal([new("b1", "Bread", "PUBLIC"), new("b2", "Pastry", "PUBLIC"), new PinterestBoard("b3", "Cakes", "SECRET")], boards);
        Assert.Equal(3, _pinterest.Requests("/v5/boards").Count);
        Assert.All(_pinterest.Requests("/v5/boards"), r => Assert.Equal("250", r.Query!["page_size"].Single()));
    }
}
