using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Alba;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Connections;
using Nexus.Api.Features.Posts;
using Nexus.Api.Features.Webhooks;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Platforms.Sandbox;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Posts;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Webhooks;

/// <summary>The platforms' secrets set, and a fake WebSub hub.</summary>
public sealed class WebhooksFixture : ApiFixture, IDisposable
{
    public const string MetaSecret = "meta-app-secret";
    public const string TikTokSecret = "tiktok-client-secret";
    public const string LinkedInSecret = "linkedin-client-secret";
    public const string XSecret = "x-consumer-secret";
    public const string VerifyToken = "meta-verify-token";

    public WireMock.Server.WireMockServer Hub { get; } = WireMock.Server.WireMockServer.Start();

    protected override string Purpose => "webhooks";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Nexus:Platforms:Facebook:ClientSecret"] = MetaSecret,
        ["Nexus:Platforms:TikTok:ClientSecret"] = TikTokSecret,
        ["Nexus:Platforms:LinkedIn:ClientSecret"] = LinkedInSecret,
        ["Nexus:Webhooks:XConsumerSecret"] = XSecret,
        ["Nexus:Webhooks:MetaVerifyToken"] = VerifyToken,
        ["Nexus:Webhooks:MaxBodyBytes"] = "65536",
        ["Nexus:Webhooks:YouTubeSweepInterval"] = "01:00:00",
        ["Nexus:Platforms:YouTube:WebSubHubUrl"] = Hub.Url + "/subscribe",
        ["Nexus:Platforms:Sandbox:Webhooks:PublishedDelay"] = "00:00:00.100",
    };

    public void Dispose() => Hub.Stop();
}

public sealed class WebhookEndpointTests(WebhooksFixture api) : IClassFixture<WebhooksFixture>
{
    private IAlbaHost Host => api.Host;

    [Fact]
    public async Task meta_echoes_the_challenge_only_for_its_verify_token()
    {
        var ok = await GetAsync($"/webhooks/meta?hub.mode=subscribe&hub.verify_token={WebhooksFixture.VerifyToken}&hub.challenge=1158201444");
        Assert.Equal((HttpStatusCode.OK, "1158201444"), (ok.StatusCode, await ok.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync("/webhooks/meta?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("/webhooks/myspace?hub.mode=subscribe")).StatusCode);
    }

    [Fact]
    public async Task x_answers_the_crc_and_linkedin_the_challenge()
    {
        var crc = JsonDocument.Parse(await (await GetAsync("/webhooks/x?crc_token=abc123")).Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("sha256=" + Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(WebhooksFixture.XSecret), "abc123"u8)), crc.GetProperty("response_token").GetString());

        var li = JsonDocument.Parse(await (await GetAsync("/webhooks/linkedin?challengeCode=890e4bd6")).Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("890e4bd6", li.GetProperty("challengeCode").GetString());
        Assert.Equal(Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(WebhooksFixture.LinkedInSecret), "890e4bd6"u8)), li.GetProperty("challengeResponse").GetString());
    }

    [Fact]
    public async Task a_meta_delivery_is_stored_once_however_often_it_comes_and_a_bad_one_not_at_all()
    {
        var body = """{"object":"instagram","entry":[{"id":"ig-@0@","time":1733400000,"changes":[{"field":"comments","value":{"id":"c-@1@","media":{"id":"m1"}}}]}]}""".Replace("@0@", Guid.NewGuid().ToString("N")).Replace("@1@", Guid.NewGuid().ToString("N"));
        var signature = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(WebhooksFixture.MetaSecret), Encoding.UTF8.GetBytes(body)));

        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync("/webhooks/meta", body, ("X-Hub-Signature-256", "sha256=" + new string('0', 64)))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync("/webhooks/meta", body)).StatusCode);
        Assert.Equal(0, await DeliveriesAsync(body));

        Assert.Equal(HttpStatusCode.OK, (await PostAsync("/webhooks/meta", body, ("X-Hub-Signature-256", signature))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("/webhooks/meta", body, ("X-Hub-Signature-256", signature))).StatusCode);
        Assert.Equal(1, await DeliveriesAsync(body));
        await Eventually.TrueAsync(async () => (await DeliveryAsync(body))?.ProcessedAt is not null, "the delivery was not processed");
    }

    [Fact]
    public async Task a_body_over_the_cap_is_413_and_stored_nowhere()
    {
        var body = new string('x', 70_000);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await PostAsync("/webhooks/meta", body, ("X-Hub-Signature-256", "sha256=00"))).StatusCode);
        Assert.Equal(0, await DeliveriesAsync(body));
    }

    [Fact]
    public async Task tiktok_refuses_a_stale_timestamp_and_keeps_a_fresh_one_once()
    {
        var body = $$"""{"client_key":"ck","event":"post.publish.complete","create_time":1733400000,"user_openid":"open-{{Guid.NewGuid():N}}","content":"{\"publish_id\":\"v_pub_{{Guid.NewGuid():N}}\"}"}""";
        string Sign(DateTimeOffset at, string secret)
        {
            var t = at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
            return $"t={t},s={Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{t}.{body}")))}";
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync("/webhooks/tiktok", body, ("TikTok-Signature", Sign(DateTimeOffset.UtcNow.AddMinutes(-6), WebhooksFixture.TikTokSecret)))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync("/webhooks/tiktok", body, ("TikTok-Signature", Sign(DateTimeOffset.UtcNow, "wrong")))).StatusCode);
        Assert.Equal(0, await DeliveriesAsync(body));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await PostAsync("/webhooks/tiktok", body, ("TikTok-Signature", Sign(DateTimeOffset.UtcNow, WebhooksFixture.TikTokSecret)))).StatusCode);
        }

        Assert.Equal(1, await DeliveriesAsync(body));
    }

    [Fact]
    public async Task x_and_linkedin_deliveries_are_keyed_by_their_event_ids()
    {
        var tweet = Guid.NewGuid().ToString("N");
        var x = $$"""{"for_user_id":"42","tweet_create_events":[{"id_str":"{{tweet}}","user":{"id_str":"5"},"in_reply_to_user_id_str":"42"}]}""";
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync("/webhooks/x", x, ("x-twitter-webhooks-signature", "sha256=AAAA"))).StatusCode);
        var xSignature = "sha256=" + Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(WebhooksFixture.XSecret), Encoding.UTF8.GetBytes(x)));
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("/webhooks/x", x, ("x-twitter-webhooks-signature", xSignature))).StatusCode);
        Assert.NotNull(await LoadAsync<PlatformWebhookDelivery>(PlatformWebhookDelivery.IdOf(WebhookSource.X, $"tweet_create_events/{tweet}")));

        var notification = Random.Shared.NextInt64(1, long.MaxValue);
        var li = $$"""{"type":"ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS","notifications":[{"notificationId":{{notification}},"action":"COMMENT","organizationalEntity":"urn:li:organization:5","sourcePost":"urn:li:share:9"}]}""";
        var liSignature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(WebhooksFixture.LinkedInSecret), Encoding.UTF8.GetBytes("hmacsha256=" + li)));
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync("/webhooks/linkedin", li, ("X-LI-Signature", new string('a', 64)))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("/webhooks/linkedin", li, ("X-LI-Signature", liSignature))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("/webhooks/linkedin", li, ("X-LI-Signature", liSignature))).StatusCode);
        Assert.NotNull(await LoadAsync<PlatformWebhookDelivery>(PlatformWebhookDelivery.IdOf(WebhookSource.LinkedIn, notification.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        Assert.Equal(1, await DeliveriesAsync(li));
    }

    [Fact]
    public async Task a_sandbox_confirmation_publishes_an_unconfirmed_target_once()
    {
        var owner = await Host.PersonAsync("Owner");
        var workspace = await Host.CreateWorkspaceAsync(owner);
        var connection = await Host.ConnectSandboxAsync(owner, workspace);
        // Keeps failing, so the target waits between attempts; the platform's outcome is then made unknown.
        var post = await Host.DraftAsync(owner, workspace, "unknown outcome [sandbox:transient]", connection);
        await Host.PostMutationAsync(owner, "publishPostNow", new { postId = post });
        GlobalId.TryParse(post, PostType.TypeName, out var postId);
        var target = (await WaitAsync(postId, p => p.Targets[0].Attempts >= 1 && p.Targets[0].NextAttemptAt is not null)).Targets[0];
        await using (var session = Host.Services.GetRequiredService<IDocumentStore>().LightweightSession())
        {
            session.Events.Append(postId, new TargetUnconfirmed(postId, target.Id, target.Attempts, "the platform did not answer", DateTimeOffset.UtcNow));
            await session.SaveChangesAsync();
        }

        var body = """{"id":"evt-@0@","type":"post.published","created_at":"@1@","data":{"post_id":"sbx-post-late","account_id":"a","idempotency_key":"@2@","url":"http://localhost/sandbox/posts/sbx-post-late"}}""".Replace("@0@", Guid.NewGuid().ToString("N")).Replace("@1@", DateTimeOffset.UtcNow.ToString("O")).Replace("@2@", target.IdempotencyKey);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await SandboxAsync(body, "delivery-" + target.Id)).StatusCode);
        }

        var published = await WaitAsync(postId, p => p.Targets[0].Status == TargetStatus.Published);
        Assert.Equal(("sbx-post-late", PostStatus.Published), (published.Targets[0].ExternalId, published.Status));
        await using var query = Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var events = await query.Events.FetchStreamAsync(postId);
        var confirmation = Assert.Single(events.Select(e => e.Data).OfType<TargetPublished>());
        Assert.True(confirmation.Reconciled);
    }

    [Fact]
    public async Task the_sandbox_reports_its_own_publications_and_simulated_comments_are_counted_on_the_target()
    {
        var owner = await Host.PersonAsync("Owner");
        var workspace = await Host.CreateWorkspaceAsync(owner);
        var connection = await Host.ConnectSandboxAsync(owner, workspace);
        var post = await Host.DraftAsync(owner, workspace, "comment on me " + Guid.NewGuid().ToString("N"), connection);
        await Host.PostMutationAsync(owner, "publishPostNow", new { postId = post });
        var published = await Host.WaitForStatusAsync(owner, post, TimeSpan.FromSeconds(30), "PUBLISHED");
        var externalId = published.GetProperty("targets")[0].GetProperty("externalId").GetString()!;

        // The sandbox's own "post published" arrives and finds the target published already: nothing more happens.
        await Eventually.TrueAsync(async () => await ProcessedSandboxEventsAsync(externalId) >= 1, "the sandbox's publication webhook was not processed");

        foreach (var kind in new[] { "comment", "comment", "mention" })
        {
            Assert.Equal(HttpStatusCode.Created, (await PostAsync($"/sandbox/api/posts/{externalId}/comments?kind={kind}", "")).StatusCode);
        }

        await Eventually.TrueAsync(async () =>
        {
            var response = await Host.AsAsync(owner, "query ($id: ID!) { post(id: $id) { targets { interactions { comments mentions lastAt } } } }", new { id = post });
            var counts = response.Data.GetProperty("post").GetProperty("targets")[0].GetProperty("interactions");
            return counts.GetProperty("comments").GetInt32() == 2 && counts.GetProperty("mentions").GetInt32() == 1 && counts.GetProperty("lastAt").ValueKind == JsonValueKind.String;
        }, "the comments were not counted", TimeSpan.FromSeconds(20));

        GlobalId.TryParse(post, PostType.TypeName, out var postId);
        await using var session = Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        Assert.Single((await session.Events.FetchStreamAsync(postId)).Select(e => e.Data).OfType<TargetPublished>());
    }

    [Fact]
    public async Task a_revoked_sandbox_grant_marks_its_connection_for_reconnection()
    {
        var owner = await Host.PersonAsync("Owner");
        var workspace = await Host.CreateWorkspaceAsync(owner);
        var connection = await Host.ConnectSandboxAsync(owner, workspace);
        GlobalId.TryParse(connection, "Connection", out var connectionId);
        var account = (await LoadAsync<Connection>(connectionId))!.ExternalId;
        var body = """{"id":"evt-@0@","type":"authorization.removed","created_at":"@1@","data":{"account_ids":["@2@"]}}""".Replace("@0@", Guid.NewGuid().ToString("N")).Replace("@1@", DateTimeOffset.UtcNow.ToString("O")).Replace("@2@", (account).ToString());

        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync("/webhooks/sandbox", body, (SandboxWebhooks.SignatureHeader,
            WebhookSignatures.SandboxHeader(Encoding.UTF8.GetBytes(body), SandboxWebhooks.DefaultSecret, DateTimeOffset.UtcNow.AddMinutes(-10))))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SandboxAsync(body, "revoked-" + account)).StatusCode);

        await Eventually.TrueAsync(async () => (await LoadAsync<Connection>(connectionId))!.Status == ConnectionStatus.NeedsReauth, "the connection was not marked");
        var listed = (await Host.ConnectionsAsync(owner, workspace)).EnumerateArray().Single();
        Assert.Equal("NEEDS_REAUTH", listed.GetProperty("status").GetString());
        Assert.Contains("revoked", listed.GetProperty("statusReason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task meta_data_deletion_answers_a_status_url_and_erases_the_users_tokens()
    {
        var user = "meta-user-" + Guid.NewGuid().ToString("N");
        var connectionId = Guid.CreateVersion7();
        await using (var session = Host.Services.GetRequiredService<IDocumentStore>().LightweightSession())
        {
            // An Instagram account of this Meta user (no fake Meta consent here): its stream and its sealed tokens.
            session.Events.StartStream<Connection>(connectionId, new AccountConnected(connectionId, Guid.NewGuid(), Nexus.Api.Platforms.PlatformId.Instagram, user, "IG", null, null,
                Nexus.Api.Platforms.AccountKind.BusinessAccount, [], null, Guid.NewGuid(), DateTimeOffset.UtcNow));
            session.Store(ConnectionSecrets.Seal(Host.Services.GetRequiredService<Nexus.Api.Infrastructure.TokenVault.TokenVault>(), connectionId,
                new ConnectionTokens(new Nexus.Api.Platforms.OAuthTokens("at", null, null, null, []), null), DateTimeOffset.UtcNow));
            session.Store(new PlatformInteraction("instagram:comment:" + Guid.NewGuid().ToString("N"), Nexus.Api.Platforms.PlatformId.Instagram, InteractionKind.Comment, user, null,
                connectionId, null, null, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow));
            await session.SaveChangesAsync();
        }

        var forged = WebhookSignatureTests.MetaSignedRequest($$"""{"algorithm":"HMAC-SHA256","issued_at":1,"user_id":"{{user}}"}""", "not-the-secret");
        Assert.Equal(HttpStatusCode.Unauthorized, (await FormAsync("/webhooks/meta/data-deletion", forged)).StatusCode);

        var signed = WebhookSignatureTests.MetaSignedRequest($$"""{"algorithm":"HMAC-SHA256","issued_at":1,"user_id":"{{user}}"}""", WebhooksFixture.MetaSecret);
        var answer = await FormAsync("/webhooks/meta/data-deletion", signed);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var json = JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement;
        var code = json.GetProperty("confirmation_code").GetString()!;
        Assert.Equal($"http://localhost/webhooks/meta/data-deletion/{code}", json.GetProperty("url").GetString());

        await Eventually.TrueAsync(async () =>
        {
            var status = await GetAsync($"/webhooks/meta/data-deletion/{code}");
            return JsonDocument.Parse(await status.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString() == "completed";
        }, "the deletion did not complete");
        Assert.Null(await LoadAsync<ConnectionSecrets>(connectionId));
        Assert.Equal(ConnectionStatus.NeedsReauth, (await LoadAsync<Connection>(connectionId))!.Status);
        await using var query = Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        Assert.Equal(0, await query.Query<PlatformInteraction>().CountAsync(i => i.ConnectionId == connectionId));
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("/webhooks/meta/data-deletion/unknown")).StatusCode);
    }

    [Fact]
    public async Task meta_deauthorization_marks_the_users_connection()
    {
        var user = "meta-user-" + Guid.NewGuid().ToString("N");
        var connectionId = Guid.CreateVersion7();
        await using (var session = Host.Services.GetRequiredService<IDocumentStore>().LightweightSession())
        {
            session.Events.StartStream<Connection>(connectionId, new AccountConnected(connectionId, Guid.NewGuid(), Nexus.Api.Platforms.PlatformId.Facebook, user, "Me", null, null,
                Nexus.Api.Platforms.AccountKind.Person, [], null, Guid.NewGuid(), DateTimeOffset.UtcNow));
            await session.SaveChangesAsync();
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await FormAsync("/webhooks/meta/deauthorize", "garbage.garbage")).StatusCode);
        var signed = WebhookSignatureTests.MetaSignedRequest($$"""{"algorithm":"HMAC-SHA256","issued_at":1,"user_id":"{{user}}"}""", WebhooksFixture.MetaSecret);
        Assert.Equal(HttpStatusCode.OK, (await FormAsync("/webhooks/meta/deauthorize", signed)).StatusCode);
        await Eventually.TrueAsync(async () => (await LoadAsync<Connection>(connectionId))!.Status == ConnectionStatus.NeedsReauth, "the connection was not marked");
    }

    [Fact]
    public async Task youtube_subscribes_a_channel_verifies_the_hub_and_accepts_only_notifications_signed_with_its_secret()
    {
        api.Hub.Given(WireMock.RequestBuilders.Request.Create().WithPath("/subscribe").UsingPost())
            .RespondWith(WireMock.ResponseBuilders.Response.Create().WithStatusCode(202));
        var channel = "UC" + Guid.NewGuid().ToString("N");
        var connectionId = Guid.CreateVersion7();
        await using (var session = Host.Services.GetRequiredService<IDocumentStore>().LightweightSession())
        {
            session.Events.StartStream<Connection>(connectionId, new AccountConnected(connectionId, Guid.NewGuid(), Nexus.Api.Platforms.PlatformId.YouTube, channel, "Channel", null, null,
                Nexus.Api.Platforms.AccountKind.Channel, [], null, Guid.NewGuid(), DateTimeOffset.UtcNow));
            await session.SaveChangesAsync();
        }

        await Host.Services.GetRequiredService<YouTubeSubscriptionSweep>().SweepAsync(CancellationToken.None);
        Dictionary<string, string>? form = null;
        await Eventually.TrueAsync(() =>
        {
            form = api.Hub.LogEntries.Select(e => Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(e.RequestMessage?.Body ?? ""))
                .Select(q => q.ToDictionary(p => p.Key, p => p.Value.ToString()))
                .FirstOrDefault(q => q.GetValueOrDefault("hub.topic", "").EndsWith(channel, StringComparison.Ordinal));
            return form is not null;
        }, "the hub was not asked to subscribe");
        Assert.Equal("subscribe", form!["hub.mode"]);
        var callback = new Uri(form["hub.callback"]);
        Assert.StartsWith("http://localhost/webhooks/youtube?subscription=", callback.ToString(), StringComparison.Ordinal);
        var topic = Uri.EscapeDataString(form["hub.topic"]);

        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync($"{callback.PathAndQuery}&hub.mode=subscribe&hub.topic={Uri.EscapeDataString("https://www.youtube.com/xml/feeds/videos.xml?channel_id=other")}&hub.challenge=x")).StatusCode);
        var verified = await GetAsync($"{callback.PathAndQuery}&hub.mode=subscribe&hub.topic={topic}&hub.challenge=challenge-42&hub.lease_seconds=432000");
        Assert.Equal((HttpStatusCode.OK, "challenge-42"), (verified.StatusCode, await verified.Content.ReadAsStringAsync()));
        var subscription = (await LoadAsync<YouTubeSubscription>(connectionId))!;
        Assert.Equal(YouTubeSubscriptionState.Active, subscription.State);
        Assert.InRange(subscription.LeaseExpiresAt!.Value, DateTimeOffset.UtcNow.AddDays(4.9), DateTimeOffset.UtcNow.AddDays(5.1));
        Assert.True(subscription.RenewAt < subscription.LeaseExpiresAt);

        var atom = $"""<feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" xmlns="http://www.w3.org/2005/Atom"><entry><yt:videoId>v-{Guid.NewGuid():N}</yt:videoId><yt:channelId>{channel}</yt:channelId></entry></feed>""";
#pragma warning disable CA5350 // The hub's scheme.
        var signature = "sha1=" + Convert.ToHexStringLower(HMACSHA1.HashData(Encoding.UTF8.GetBytes(form["hub.secret"]), Encoding.UTF8.GetBytes(atom)));
#pragma warning restore CA5350
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(callback.PathAndQuery, atom, ("X-Hub-Signature", "sha1=" + new string('0', 40)))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync("/webhooks/youtube", atom, ("X-Hub-Signature", signature))).StatusCode);
        Assert.Equal(0, await DeliveriesAsync(atom));
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(callback.PathAndQuery, atom, ("X-Hub-Signature", signature))).StatusCode);
        Assert.Equal(1, await DeliveriesAsync(atom));
    }

    private async Task<Post> WaitAsync(Guid postId, Func<Post, bool> condition)
    {
        Post? post = null;
        await Eventually.TrueAsync(async () => (post = await LoadAsync<Post>(postId)) is { } p && condition(p), "the post did not get there", TimeSpan.FromSeconds(20));
        return post!;
    }

    private async Task<int> ProcessedSandboxEventsAsync(string externalId)
    {
        await using var session = Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return await session.Query<PlatformWebhookDelivery>().CountAsync(d => d.Source == WebhookSource.Sandbox && d.Body.Contains(externalId) && d.ProcessedAt != null);
    }

    private async Task<T?> LoadAsync<T>(object id) where T : notnull
    {
        await using var session = Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return id switch
        {
            Guid g => await session.LoadAsync<T>(g),
            string s => await session.LoadAsync<T>(s),
            _ => throw new ArgumentException("A document id is a Guid or a string.", nameof(id)),
        };
    }

    private async Task<int> DeliveriesAsync(string body)
    {
        await using var session = Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return await session.Query<PlatformWebhookDelivery>().CountAsync(d => d.Body == body);
    }

    private async Task<PlatformWebhookDelivery?> DeliveryAsync(string body)
    {
        await using var session = Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return await session.Query<PlatformWebhookDelivery>().FirstOrDefaultAsync(d => d.Body == body);
    }

    private Task<HttpResponseMessage> SandboxAsync(string body, string delivery) =>
        PostAsync("/webhooks/sandbox", body, (SandboxWebhooks.SignatureHeader, WebhookSignatures.SandboxHeader(Encoding.UTF8.GetBytes(body), SandboxWebhooks.DefaultSecret, DateTimeOffset.UtcNow)),
            (SandboxWebhooks.DeliveryHeader, delivery));

    private async Task<HttpResponseMessage> GetAsync(string url)
    {
        using var client = Host.Server.CreateClient();
        return await client.GetAsync(url);
    }

    private async Task<HttpResponseMessage> PostAsync(string url, string body, params (string Name, string Value)[] headers)
    {
        using var client = Host.Server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(body.StartsWith('<') ? "application/atom+xml" : "application/json");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await client.SendAsync(request);
    }

    private async Task<HttpResponseMessage> FormAsync(string url, string signedRequest)
    {
        using var client = Host.Server.CreateClient();
        return await client.PostAsync(url, new FormUrlEncodedContent(new Dictionary<string, string> { ["signed_request"] = signedRequest }));
    }
}
