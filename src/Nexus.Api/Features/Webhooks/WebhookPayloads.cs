using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using Nexus.Api.Platforms;

namespace Nexus.Api.Features.Webhooks;

/// <summary>What a delivery tells Nexus, whatever platform said it.</summary>
public abstract record WebhookEffect;

/// <summary>
/// A post of ours is live on the platform. Found by <see cref="TargetId"/> when the platform echoes our idempotency key
/// (the sandbox), else by the platform's id of it (<see cref="ExternalId"/>: TikTok's publish_id, a YouTube video id).
/// <see cref="PublicId"/> is the post's public id when the platform reports one besides.
/// </summary>
public sealed record PublicationConfirmed(PlatformId Platform, string? ExternalId, Guid? TargetId, string? PublicId, string? Url) : WebhookEffect;

/// <summary>The platform gave up on a post it had accepted (TikTok <c>post.publish.failed</c>).</summary>
public sealed record PublicationFailedAtPlatform(PlatformId Platform, string ExternalId, string Reason) : WebhookEffect;

/// <summary>Someone commented on or mentioned an account of ours. Only ids and times are kept: no text, no author.</summary>
public sealed record InteractionReceived(PlatformId[] Platforms, string InteractionId, InteractionKind Kind, string? AccountExternalId, string? PostExternalId, DateTimeOffset At) : WebhookEffect;

/// <summary>The account's owner removed Nexus's access at the platform.</summary>
public sealed record AccessRemoved(PlatformId[] Platforms, string AccountExternalId, string Reason) : WebhookEffect;

public enum InteractionKind
{
    Comment,
    Mention,
}

/// <summary>
/// Reads each platform's payload into <see cref="WebhookEffect"/>s. Pure and tolerant: what it does not know (another
/// event type, a field it does not use) it skips, so a platform adding events never fails a delivery. Called only on
/// bodies whose signature held.
/// </summary>
public static class WebhookPayloads
{
    private static readonly PlatformId[] Meta = [PlatformId.Facebook, PlatformId.Instagram];

    public static IReadOnlyList<WebhookEffect> Parse(WebhookSource source, string body) => source switch
    {
        WebhookSource.Meta when body.StartsWith("signed_request=", StringComparison.Ordinal) => MetaCallbacks.ParseDeauthorize(body),
        WebhookSource.Meta => ParseMeta(body),
        WebhookSource.X => ParseX(body),
        WebhookSource.TikTok => ParseTikTok(body),
        WebhookSource.LinkedIn => ParseLinkedIn(body),
        WebhookSource.YouTube => ParseYouTube(body),
        WebhookSource.Sandbox => ParseSandbox(body),
        _ => [],
    };

    /// <summary>
    /// The delivery key for platforms that give ids in the body (X's event ids, LinkedIn's notificationIds); null when
    /// there is none to take (the caller falls back to the body's hash).
    /// </summary>
    public static string? DeliveryKey(WebhookSource source, string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            var ids = new List<string>();
            if (source == WebhookSource.X && root.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in root.EnumerateObject().Where(p => p.Name.EndsWith("_events", StringComparison.Ordinal) && p.Value.ValueKind == JsonValueKind.Array))
                {
                    ids.AddRange(property.Value.EnumerateArray().Select(e => $"{property.Name}/{Str(e, "id_str") ?? Str(e, "id")}"));
                }
            }
            else if (source == WebhookSource.LinkedIn)
            {
                ids.AddRange(Array(root, "notifications").Select(n => Str(n, "notificationId")).OfType<string>());
                if (Str(root, "notificationId") is { } single)
                {
                    ids.Add(single);
                }
            }

            return ids.Count == 0 ? null : string.Join(",", ids.Order(StringComparer.Ordinal));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Instagram (<c>object: instagram</c>: <c>comments</c>, <c>mentions</c>) and Pages (<c>object: page</c>: <c>feed</c>
    /// items of kind comment, with a <c>message_tags</c> mention or not). <c>entry[].id</c> is the account.
    /// </summary>
    private static List<WebhookEffect> ParseMeta(string body)
    {
        var effects = new List<WebhookEffect>();
        using var document = JsonDocument.Parse(body);
        foreach (var entry in Array(document.RootElement, "entry"))
        {
            var account = Str(entry, "id");
            var at = entry.TryGetProperty("time", out var time) && time.TryGetInt64(out var seconds) ? FromUnix(seconds) : DateTimeOffset.UnixEpoch;
            foreach (var change in Array(entry, "changes"))
            {
                var value = change.TryGetProperty("value", out var v) ? v : default;
                switch (Str(change, "field"))
                {
                    case "comments" or "live_comments" when Str(value, "id") is { } id:
                        effects.Add(new InteractionReceived([PlatformId.Instagram], id, InteractionKind.Comment, account,
                            value.TryGetProperty("media", out var media) ? Str(media, "id") : null, at));
                        break;
                    case "mentions" when (Str(value, "comment_id") ?? Str(value, "media_id")) is { } id:
                        effects.Add(new InteractionReceived([PlatformId.Instagram], id, InteractionKind.Mention, account, Str(value, "media_id"), at));
                        break;
                    case "feed" when Str(value, "item") == "comment" && Str(value, "verb") == "add" && Str(value, "comment_id") is { } id:
                        effects.Add(new InteractionReceived([PlatformId.Facebook], id, InteractionKind.Comment, account, Str(value, "post_id"), at));
                        break;
                    case "feed" when Str(value, "item") is "post" or "status" && Str(value, "verb") == "add" && Str(value, "post_id") is { } id
                        && Str(value.TryGetProperty("from", out var from) ? from : default, "id") != account:
                        // Someone else's post on the Page: a mention of it.
                        effects.Add(new InteractionReceived([PlatformId.Facebook], id, InteractionKind.Mention, account, null, at));
                        break;
                }
            }
        }

        return effects;
    }

    /// <summary>
    /// Account Activity: <c>tweet_create_events</c> for the subscribed user (<c>for_user_id</c>). A reply to one of its
    /// posts is a comment on that post; a post naming it is a mention; its own posts are neither.
    /// </summary>
    private static List<WebhookEffect> ParseX(string body)
    {
        var effects = new List<WebhookEffect>();
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var user = Str(root, "for_user_id");
        foreach (var tweet in Array(root, "tweet_create_events"))
        {
            var id = Str(tweet, "id_str");
            var author = tweet.TryGetProperty("user", out var u) ? Str(u, "id_str") : null;
            if (id is null || user is null || author == user)
            {
                continue;
            }

            var at = DateTimeOffset.TryParseExact(Str(tweet, "created_at"), "ddd MMM dd HH:mm:ss zzz yyyy", CultureInfo.InvariantCulture, DateTimeStyles.None, out var created)
                ? created : tweet.TryGetProperty("timestamp_ms", out var ms) && long.TryParse(ms.ToString(), CultureInfo.InvariantCulture, out var millis) ? DateTimeOffset.FromUnixTimeMilliseconds(millis) : DateTimeOffset.UnixEpoch;
            if (Str(tweet, "in_reply_to_user_id_str") == user)
            {
                effects.Add(new InteractionReceived([PlatformId.X], id, InteractionKind.Comment, user, Str(tweet, "in_reply_to_status_id_str"), at));
            }
            else if (tweet.TryGetProperty("entities", out var entities) && Array(entities, "user_mentions").Any(m => Str(m, "id_str") == user))
            {
                effects.Add(new InteractionReceived([PlatformId.X], id, InteractionKind.Mention, user, null, at));
            }
        }

        return effects;
    }

    /// <summary><c>{client_key, event, create_time, user_openid, content: "&lt;JSON string&gt;"}</c>.</summary>
    private static List<WebhookEffect> ParseTikTok(string body)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var user = Str(root, "user_openid");
        using var content = JsonDocument.Parse(Str(root, "content") is { Length: > 0 } text ? text : "{}");
        var data = content.RootElement;
        var publishId = Str(data, "publish_id");
        return Str(root, "event") switch
        {
            "post.publish.complete" or "post.publish.publicly_available" or "video.publish.completed" when publishId is not null =>
                [new PublicationConfirmed(PlatformId.TikTok, publishId, null, Str(data, "post_id"), null)],
            "post.publish.failed" or "video.upload.failed" when publishId is not null =>
                [new PublicationFailedAtPlatform(PlatformId.TikTok, publishId, $"TikTok could not publish the post ({Str(data, "reason") ?? "no reason given"}).")],
            "authorization.removed" when user is not null =>
                [new AccessRemoved([PlatformId.TikTok], user, "The account's owner removed Nexus's access on TikTok. Reconnect the account to publish to it again.")],
            _ => [],
        };
    }

    /// <summary>
    /// Organization social action notifications: <c>COMMENT</c> on a post of the organization is a comment,
    /// <c>SHARE_MENTION</c> and <c>COMMENT_MENTION</c> are mentions. <c>organizationalEntity</c> is the account.
    /// </summary>
    private static List<WebhookEffect> ParseLinkedIn(string body)
    {
        var effects = new List<WebhookEffect>();
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var notifications = root.TryGetProperty("notifications", out _) ? Array(root, "notifications") : [root];
        foreach (var notification in notifications)
        {
            var id = Str(notification, "notificationId");
            var kind = Str(notification, "action") switch
            {
                "COMMENT" => InteractionKind.Comment,
                "SHARE_MENTION" or "COMMENT_MENTION" => InteractionKind.Mention,
                _ => (InteractionKind?)null,
            };
            if (id is null || kind is null)
            {
                continue;
            }

            var at = notification.TryGetProperty("lastModifiedAt", out var modified) && modified.TryGetInt64(out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : DateTimeOffset.UnixEpoch;
            effects.Add(new InteractionReceived([PlatformId.LinkedIn], id, kind.Value, Str(notification, "organizationalEntity"), Str(notification, "sourcePost"), at));
        }

        return effects;
    }

    /// <summary>Atom: every <c>entry</c> names a video (<c>yt:videoId</c>) of the channel that was uploaded or changed.</summary>
    private static List<WebhookEffect> ParseYouTube(string body)
    {
        XNamespace atom = "http://www.w3.org/2005/Atom";
        XNamespace yt = "http://www.youtube.com/xml/schemas/2015";
        // The hub's Atom has no DTD; none is read (XDocument.Parse prohibits DTD processing by default).
        var feed = XDocument.Parse(body);
        return [.. feed.Descendants(atom + "entry")
            .Select(e => (Video: (string?)e.Element(yt + "videoId"), Url: (string?)e.Elements(atom + "link").FirstOrDefault(l => (string?)l.Attribute("rel") == "alternate")?.Attribute("href")))
            .Where(e => e.Video is { Length: > 0 })
            .Select(e => new PublicationConfirmed(PlatformId.YouTube, e.Video, null, null, e.Url))];
    }

    /// <summary>The sandbox's own events (see <c>SandboxWebhooks</c>): <c>{id, type, created_at, data}</c>.</summary>
    private static List<WebhookEffect> ParseSandbox(string body)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var data = root.TryGetProperty("data", out var d) ? d : default;
        var at = root.TryGetProperty("created_at", out var created) && created.TryGetDateTimeOffset(out var c) ? c : DateTimeOffset.UnixEpoch;
        switch (Str(root, "type"))
        {
            case "post.published":
                var key = Str(data, "idempotency_key");
                Guid? target = key is not null && key.StartsWith("nexus-", StringComparison.Ordinal) && Guid.TryParseExact(key["nexus-".Length..], "N", out var t) ? t : null;
                return [new PublicationConfirmed(PlatformId.Sandbox, Str(data, "post_id"), target, null, Str(data, "url"))];
            case "comment.created" when Str(data, "comment_id") is { } comment:
                return [new InteractionReceived([PlatformId.Sandbox], comment, Str(data, "kind") == "mention" ? InteractionKind.Mention : InteractionKind.Comment,
                    Str(data, "account_id"), Str(data, "post_id"), at)];
            case "authorization.removed":
                return [.. Array(data, "account_ids").Select(a => a.GetString()).OfType<string>()
                    .Select(a => new AccessRemoved([PlatformId.Sandbox], a, "The account's owner revoked Nexus's access on the sandbox. Reconnect the account to publish to it again."))];
            default:
                return [];
        }
    }

    private static List<JsonElement> Array(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array ? [.. array.EnumerateArray()] : [];

    private static string? Str(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number => value.GetRawText(),
                _ => null,
            }
            : null;

    private static DateTimeOffset FromUnix(long seconds) =>
        seconds > 100_000_000_000 ? DateTimeOffset.FromUnixTimeMilliseconds(seconds) : DateTimeOffset.FromUnixTimeSeconds(seconds);
}
