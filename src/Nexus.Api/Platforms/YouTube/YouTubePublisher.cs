using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Nexus.Api.Platforms.YouTube;

/// <summary>
/// Uploads a video to the channel with YouTube's resumable protocol: the video is downloaded, a session is opened
/// with <c>POST /upload/youtube/v3/videos?uploadType=resumable&amp;part=snippet,status</c> (metadata as JSON,
/// <c>X-Upload-Content-Length</c>/<c>-Type</c>) whose <c>Location</c> is the session URI, and the bytes are PUT
/// there in chunks, resuming after interruptions (see <see cref="YouTubeMediaTransfer"/>). The result is the video id
/// and <c>https://www.youtube.com/watch?v=ID</c>.
/// <para>
/// Quota: <c>videos.insert</c> has its own bucket of 100 calls a day; when it or the 10,000-unit daily quota runs
/// out, the failure is RateLimited until the next midnight Pacific time. Videos uploaded by an API project that has
/// not passed Google's audit are forced to private, whatever <c>privacyStatus</c> asks.
/// </para>
/// Options (<see cref="PublishRequest.Options"/>); the post text is the description:
/// <list type="bullet">
/// <item><c>title</c>: ≤100 characters, no &lt; or &gt;; default: the text's first line, cut to 100 characters.</item>
/// <item><c>privacyStatus</c>: public (default), unlisted or private.</item>
/// <item><c>tags</c>: comma-separated; ≤500 characters in all.</item>
/// <item><c>categoryId</c>: a numeric video category (e.g. 22 People &amp; Blogs); YouTube's default when absent.</item>
/// <item><c>notifySubscribers</c>: true (default) or false.</item>
/// <item><c>madeForKids</c>: true or false, the COPPA self-declaration (<c>status.selfDeclaredMadeForKids</c>).</item>
/// </list>
/// </summary>
public sealed class YouTubePublisher(
    HttpClient http,
    YouTubeMediaTransfer transfer,
    YouTubeRules rules,
    IOptions<YouTubeOptions> options,
    TimeProvider time,
    ILogger<YouTubePublisher> logger) : IPlatformPublisher
{

    private readonly YouTubeOptions _options = options.Value;

    public PlatformId Platform => PlatformId.YouTube;

    public async Task<PublishResult> PublishAsync(PlatformAccount account, string accessToken, PublishRequest request, CancellationToken cancellationToken)
    {
        if (rules.Check(request) is { Count: > 0 } violations)
        {
            throw new PlatformException(PlatformId.YouTube, PlatformFailureKind.Rejected,
                string.Join(" ", violations.Select(v => $"{v.Field}: {v.Message}")), "rule_violation");
        }

        using var file = await transfer.DownloadAsync(request.Media[0], YouTubeRules.MaxVideoBytes, cancellationToken);
        var privacy = YouTubePostOptions.PrivacyStatus.Get(request, "public");
        var session = await OpenSessionAsync(accessToken, request, privacy, file, cancellationToken);
        logger.SessionStarted(account.ExternalId, file.Length);

        var video = await transfer.UploadAsync(session, accessToken, file, cancellationToken);
        var id = PlatformErrors.Text(video["id"])
            ?? throw new PlatformException(PlatformId.YouTube, PlatformFailureKind.Unknown, "YouTube finished the upload without returning a video id.");
        logger.Uploaded(id, account.ExternalId);
        if (PlatformErrors.Text(video["status"]?["privacyStatus"]) is { } actual && actual != privacy)
        {
            logger.PrivacyChanged(id, actual, privacy);
        }

        return new PublishResult(id, new Uri($"https://www.youtube.com/watch?v={Uri.EscapeDataString(id)}"));
    }

    /// <summary>The title: the <c>title</c> option, else the text's first non-blank line cut to 100 characters.</summary>
    internal static string TitleOf(PublishRequest post)
    {
        if (YouTubePostOptions.Title.TryGet(post, out var title))
        {
            return title.Trim();
        }

        var line = post.Text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? string.Empty;
        if (line.Length <= YouTubeRules.MaxTitleLength)
        {
            return line;
        }

        var cut = char.IsHighSurrogate(line[YouTubeRules.MaxTitleLength - 1]) ? YouTubeRules.MaxTitleLength - 1 : YouTubeRules.MaxTitleLength;
        return line[..cut].TrimEnd();
    }

    internal static IReadOnlyList<string> TagsOf(PublishRequest post) =>
        YouTubePostOptions.Tags.TryGet(post, out var tags)
            ? tags.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];

    private async Task<Uri> OpenSessionAsync(string accessToken, PublishRequest request, string privacy, TempMediaFile file, CancellationToken cancellationToken)
    {
        var snippet = new JsonObject { ["title"] = TitleOf(request), ["description"] = request.Text };
        if (TagsOf(request) is { Count: > 0 } tags)
        {
            snippet["tags"] = new JsonArray([.. tags.Select(t => (JsonNode)JsonValue.Create(t)!)]);
        }

        if (YouTubePostOptions.CategoryId.TryGet(request, out var category))
        {
            snippet["categoryId"] = category;
        }

        var status = new JsonObject { ["privacyStatus"] = privacy };
        if (YouTubePostOptions.MadeForKids.TryGet(request, out var kids))
        {
            status["selfDeclaredMadeForKids"] = bool.Parse(kids);
        }

        var query = "/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status";
        if (YouTubePostOptions.NotifySubscribers.TryGet(request, out var notify))
        {
            query += "&notifySubscribers=" + (bool.Parse(notify) ? "true" : "false");
        }

        var content = new StringContent(new JsonObject { ["snippet"] = snippet, ["status"] = status }.ToJsonString(), Encoding.UTF8, "application/json");
        var call = YouTubeApi.Request(HttpMethod.Post, _options.Api(query), accessToken, content);
        call.Headers.Add("X-Upload-Content-Length", file.Length.ToString(CultureInfo.InvariantCulture));
        call.Headers.Add("X-Upload-Content-Type", file.ContentType);
        // Opening a session creates no video, so a lost answer here is only transient.
        var (_, location) = await YouTubeApi.SendAsync(http, call, time, "Opening the YouTube upload session", tokenEndpoint: false, refreshing: false, cancellationToken);
        return location is { IsAbsoluteUri: true }
            ? location
            : throw new PlatformException(PlatformId.YouTube, PlatformFailureKind.Transient, "YouTube opened no upload session (no Location header).", "no_upload_session");
    }
}
