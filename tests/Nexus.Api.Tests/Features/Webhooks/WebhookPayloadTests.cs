using Nexus.Api.Features.Webhooks;
using Nexus.Api.Platforms;

namespace Nexus.Api.Tests.Features.Webhooks;

/// <summary>The platforms' documented payloads, read into effects.</summary>
public sealed class WebhookPayloadTests
{
    [Fact]
    public void instagram_comments_and_mentions_and_page_feed_comments_are_interactions()
    {
        var effects = WebhookPayloads.Parse(WebhookSource.Meta, """
            {"object":"instagram","entry":[{"id":"17841400000","time":1733400000,"changes":[
              {"field":"comments","value":{"from":{"id":"232323","username":"someone"},"media":{"id":"18000111","media_product_type":"FEED"},"id":"17865799348089039","text":"Nice"}},
              {"field":"mentions","value":{"media_id":"18000222","comment_id":"17894227972186120"}}]},
             {"id":"page-1","time":1733400001,"changes":[{"field":"feed","value":{"item":"comment","verb":"add","post_id":"page-1_55","comment_id":"55_66","from":{"id":"9"}}}]}]}
            """);
        Assert.Equal(
            [
                new InteractionReceived([PlatformId.Instagram], "17865799348089039", InteractionKind.Comment, "17841400000", "18000111", DateTimeOffset.FromUnixTimeSeconds(1733400000)),
                new InteractionReceived([PlatformId.Instagram], "17894227972186120", InteractionKind.Mention, "17841400000", "18000222", DateTimeOffset.FromUnixTimeSeconds(1733400000)),
                new InteractionReceived([PlatformId.Facebook], "55_66", InteractionKind.Comment, "page-1", "page-1_55", DateTimeOffset.FromUnixTimeSeconds(1733400001)),
            ],
            effects.Cast<InteractionReceived>().Select(e => e with { Platforms = e.Platforms }).ToList(), new InteractionComparer());
    }

    [Fact]
    public void x_replies_and_mentions_count_and_the_accounts_own_posts_do_not()
    {
        var effects = WebhookPayloads.Parse(WebhookSource.X, """
            {"for_user_id":"42","tweet_create_events":[
              {"id_str":"100","created_at":"Thu Dec 05 10:00:00 +0000 2026","in_reply_to_status_id_str":"7","in_reply_to_user_id_str":"42","user":{"id_str":"5"}},
              {"id_str":"101","created_at":"Thu Dec 05 10:01:00 +0000 2026","user":{"id_str":"6"},"entities":{"user_mentions":[{"id_str":"42"}]}},
              {"id_str":"102","created_at":"Thu Dec 05 10:02:00 +0000 2026","user":{"id_str":"42"}}]}
            """).Cast<InteractionReceived>().ToList();
        Assert.Equal([("100", InteractionKind.Comment, "7"), ("101", InteractionKind.Mention, null)], effects.Select(e => (e.InteractionId, e.Kind, e.PostExternalId)));
        Assert.Equal("tweet_create_events/100,tweet_create_events/101,tweet_create_events/102",
            WebhookPayloads.DeliveryKey(WebhookSource.X, """{"for_user_id":"42","tweet_create_events":[{"id_str":"102"},{"id_str":"100"},{"id_str":"101"}]}"""));
    }

    [Fact]
    public void tiktok_publish_events_and_deauthorization()
    {
        static WebhookEffect One(string e, string content) =>
            Assert.Single(WebhookPayloads.Parse(WebhookSource.TikTok, $$"""{"client_key":"ck","event":"{{e}}","create_time":1733400000,"user_openid":"open-1","content":{{System.Text.Json.JsonSerializer.Serialize(content)}}}"""));

        Assert.Equal(new PublicationConfirmed(PlatformId.TikTok, "v_pub_1", null, null, null), One("post.publish.complete", """{"publish_id":"v_pub_1","publish_type":"DIRECT_PUBLISH"}"""));
        Assert.Equal(new PublicationConfirmed(PlatformId.TikTok, "v_pub_1", null, "7300", null), One("post.publish.publicly_available", """{"publish_id":"v_pub_1","post_id":"7300"}"""));
        Assert.IsType<PublicationFailedAtPlatform>(One("post.publish.failed", """{"publish_id":"v_pub_1","reason":"spam_risk"}"""));
        var removed = Assert.IsType<AccessRemoved>(One("authorization.removed", """{"reason":1}"""));
        Assert.Equal("open-1", removed.AccountExternalId);
        Assert.Empty(WebhookPayloads.Parse(WebhookSource.TikTok, """{"event":"post.publish.inbox_delivered","content":"{\"publish_id\":\"p\"}"}"""));
    }

    [Fact]
    public void linkedin_comments_and_mentions_keyed_by_notification_id()
    {
        const string body = """
            {"type":"ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS","notifications":[
              {"notificationId":2001,"action":"COMMENT","organizationalEntity":"urn:li:organization:5","sourcePost":"urn:li:share:9","lastModifiedAt":1733400000000},
              {"notificationId":2002,"action":"SHARE_MENTION","organizationalEntity":"urn:li:organization:5","sourcePost":"urn:li:share:10","lastModifiedAt":1733400000000},
              {"notificationId":2003,"action":"LIKE","organizationalEntity":"urn:li:organization:5"}]}
            """;
        var effects = WebhookPayloads.Parse(WebhookSource.LinkedIn, body).Cast<InteractionReceived>().ToList();
        Assert.Equal([("2001", InteractionKind.Comment), ("2002", InteractionKind.Mention)], effects.Select(e => (e.InteractionId, e.Kind)));
        Assert.Equal("2001,2002,2003", WebhookPayloads.DeliveryKey(WebhookSource.LinkedIn, body));
    }

    [Fact]
    public void a_youtube_atom_entry_confirms_its_video()
    {
        var effect = Assert.Single(WebhookPayloads.Parse(WebhookSource.YouTube, """
            <feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" xmlns="http://www.w3.org/2005/Atom">
              <link rel="hub" href="https://pubsubhubbub.appspot.com"/>
              <title>YouTube video feed</title>
              <entry>
                <id>yt:video:VIDEO_ID</id>
                <yt:videoId>VIDEO_ID</yt:videoId>
                <yt:channelId>CHANNEL_ID</yt:channelId>
                <title>Video title</title>
                <link rel="alternate" href="http://www.youtube.com/watch?v=VIDEO_ID"/>
                <published>2015-03-06T21:40:57+00:00</published>
                <updated>2015-03-09T19:05:24.552394234+00:00</updated>
              </entry>
            </feed>
            """));
        Assert.Equal(new PublicationConfirmed(PlatformId.YouTube, "VIDEO_ID", null, null, "http://www.youtube.com/watch?v=VIDEO_ID"), effect);
    }

    [Fact]
    public void the_sandbox_names_the_target_by_its_idempotency_key()
    {
        var target = Guid.NewGuid();
        var effect = Assert.Single(WebhookPayloads.Parse(WebhookSource.Sandbox,
            """{"id":"e1","type":"post.published","created_at":"2026-12-05T12:00:00Z","data":{"post_id":"sbx-post-1","account_id":"a","idempotency_key":"nexus-@0@","url":"http://localhost/sandbox/posts/sbx-post-1"}}""".Replace("@0@", target.ToString("N"))));
        Assert.Equal(new PublicationConfirmed(PlatformId.Sandbox, "sbx-post-1", target, null, "http://localhost/sandbox/posts/sbx-post-1"), effect);
        Assert.Empty(WebhookPayloads.Parse(WebhookSource.Sandbox, """{"id":"e2","type":"something.else","data":{}}"""));
    }

    private sealed class InteractionComparer : IEqualityComparer<InteractionReceived>
    {
        public bool Equals(InteractionReceived? x, InteractionReceived? y) =>
            x is not null && y is not null && x.Platforms.SequenceEqual(y.Platforms) && (x with { Platforms = [] }) == (y with { Platforms = [] });

        public int GetHashCode(InteractionReceived obj) => obj.InteractionId.GetHashCode(StringComparison.Ordinal);
    }
}
