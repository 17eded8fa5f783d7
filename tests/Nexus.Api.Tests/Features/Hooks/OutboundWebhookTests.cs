using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Hooks;
using Nexus.Api.Infrastructure.Email;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Posts;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;
using Npgsql;

namespace Nexus.Api.Tests.Features.Hooks;

public sealed class OutboundWebhookTests(HooksFixture api) : IClassFixture<HooksFixture>
{
    private HookReceiver Receiver => api.Receiver;

    private async Task<(Person Owner, string Workspace)> WorkspaceAsync()
    {
        api.Clock.Reset();
        var owner = await api.Host.PersonAsync("Owner");
        return (owner, await api.Host.CreateWorkspaceAsync(owner));
    }

    [Fact]
    public async Task the_secret_is_answered_once_in_the_standard_webhooks_form_and_stored_sealed()
    {
        var (owner, workspace) = await WorkspaceAsync();
        var (endpoint, secret) = await api.Host.CreateEndpointAsync(owner, workspace, Receiver.NewUrl(out _), "post.published");

        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.Equal(32, Convert.FromBase64String(secret["whsec_".Length..]).Length);

        var listed = await api.Host.AsAsync(owner,
            "query ($id: ID!) { workspace(id: $id) { webhookEndpoints { edges { node { id url eventTypes enabled disabledReason createdAt failingSince } } } } }", new { id = workspace });
        Assert.Empty(listed.Errors);
        Assert.DoesNotContain(secret["whsec_".Length..], listed.Body.ToString(), StringComparison.Ordinal);
        Assert.Contains(endpoint, listed.Body.ToString(), StringComparison.Ordinal);

        await using var db = new NpgsqlConnection(api.ConnectionString);
        await db.OpenAsync();
        await using var row = new NpgsqlCommand($"select row_to_json(e)::text from {HookTables.Endpoints} e", db);
        var stored = string.Join("\n", await ReadAllAsync(row));
        Assert.DoesNotContain(secret["whsec_".Length..], stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_ping_is_signed_so_the_standard_webhooks_verifier_accepts_it_and_its_result_is_answered_with_the_body_truncated()
    {
        var (owner, workspace) = await WorkspaceAsync();
        var url = Receiver.NewUrl(out var path);
        Receiver.Answer(path, 200, new string('é', 3000));
        var (endpoint, secret) = await api.Host.CreateEndpointAsync(owner, workspace, url, "post.published");

        var delivery = (await api.Host.PingAsync(owner, endpoint)).GetProperty("delivery");

        var received = Assert.Single(Receiver.At(path));
        HookScenarios.Verify(secret, received);
        Assert.Equal("webhook.ping", JsonDocument.Parse(received.Body).RootElement.GetProperty("type").GetString());
        Assert.Equal(received.Headers["webhook-id"], delivery.GetProperty("webhookId").GetString());
        Assert.Equal("DELIVERED", delivery.GetProperty("state").GetString());
        Assert.Equal(200, delivery.GetProperty("responseStatus").GetInt32());
        Assert.Equal(received.Body, delivery.GetProperty("requestBody").GetString());
        var body = delivery.GetProperty("responseBody").GetString()!;
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(body) <= 2048, $"{System.Text.Encoding.UTF8.GetByteCount(body)} bytes kept");
        Assert.True(body.Length >= 1000 && body.All(c => c == 'é'));
        Assert.True(delivery.GetProperty("durationMs").GetInt32() >= 0);

        // Another key does not verify it.
        Assert.ThrowsAny<Exception>(() => HookScenarios.Verify("whsec_" + Convert.ToBase64String(new byte[32]), received));
    }

    [Fact]
    public async Task post_published_arrives_signed_after_a_sandbox_publication_and_only_subscribed_types_are_sent()
    {
        var (owner, workspace) = await WorkspaceAsync();
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var publishedUrl = Receiver.NewUrl(out var publishedPath);
        var (_, secret) = await api.Host.CreateEndpointAsync(owner, workspace, publishedUrl, "post.published", "target.published");
        var otherUrl = Receiver.NewUrl(out var otherPath);
        await api.Host.CreateEndpointAsync(owner, workspace, otherUrl, "post.failed", "connection.disconnected");

        var postId = await api.Host.DraftAsync(owner, workspace, "webhooks end to end", connection);
        await api.Host.PostMutationAsync(owner, "publishPostNow", new { postId });
        await api.Host.WaitForStatusAsync(owner, postId, TimeSpan.FromSeconds(20), "PUBLISHED");

        await Eventually.TrueAsync(async () =>
        {
            await api.Host.SweepAllAsync();
            return Receiver.At(publishedPath).Count >= 2;
        }, "post.published and target.published never arrived", TimeSpan.FromSeconds(30));

        var received = Receiver.At(publishedPath);
        foreach (var hook in received)
        {
            HookScenarios.Verify(secret, hook);
        }

        var bodies = received.Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
        var published = Assert.Single(bodies, b => b.GetProperty("type").GetString() == "post.published");
        Assert.Equal(postId, published.GetProperty("data").GetProperty("postId").GetString());
        Assert.Equal(workspace, published.GetProperty("data").GetProperty("workspaceId").GetString());
        Assert.Equal("PUBLISHED", published.GetProperty("data").GetProperty("status").GetString());
        Assert.True(published.TryGetProperty("timestamp", out _));
        var target = Assert.Single(bodies, b => b.GetProperty("type").GetString() == "target.published");
        Assert.Equal(connection, target.GetProperty("data").GetProperty("connectionId").GetString());
        Assert.Equal("SANDBOX", target.GetProperty("data").GetProperty("platform").GetString());

        await api.Host.SweepAllAsync();
        Assert.Empty(Receiver.At(otherPath));
    }

    [Fact]
    public async Task retries_follow_the_schedule_with_one_webhook_id_and_then_fail()
    {
        var (owner, workspace) = await WorkspaceAsync();
        var url = Receiver.NewUrl(out var path);
        Receiver.Answer(path, 500, "down");
        var (endpoint, _) = await api.Host.CreateEndpointAsync(owner, workspace, url, "post.scheduled");
        var t0 = DateTimeOffset.UtcNow.AddMinutes(1);
        api.Clock.SetTo(t0);
        await api.Host.QueueEventAsync(workspace, "post.scheduled");

        await api.Host.SweepAllAsync();
        Assert.Single(Receiver.At(path));
        var now = t0;
        foreach (var wait in HooksOptions.DefaultSchedule)
        {
            var attempts = Receiver.At(path).Count;
            api.Clock.SetTo(now + wait - TimeSpan.FromSeconds(1));
            await api.Host.SweepAllAsync();
            Assert.Equal(attempts, Receiver.At(path).Count);
            now += wait;
            api.Clock.SetTo(now);
            await api.Host.SweepAllAsync();
            Assert.Equal(attempts + 1, Receiver.At(path).Count);
        }

        Assert.Equal(8, Receiver.At(path).Count);
        Assert.Single(Receiver.At(path).Select(r => r.Headers["webhook-id"]).Distinct());
        api.Clock.SetTo(now + TimeSpan.FromDays(1));
        await api.Host.SweepAllAsync();
        Assert.Equal(8, Receiver.At(path).Count);
        api.Clock.Reset();

        var delivery = Assert.Single(await api.Host.DeliveriesAsync(owner, workspace, endpoint));
        Assert.Equal("FAILED", delivery.GetProperty("state").GetString());
        Assert.Equal(8, delivery.GetProperty("attempts").GetInt32());
        Assert.Equal(500, delivery.GetProperty("responseStatus").GetInt32());
        Assert.Equal("down", delivery.GetProperty("responseBody").GetString());
        Assert.Equal(JsonValueKind.Null, delivery.GetProperty("nextAttemptAt").ValueKind);
        api.Clock.Reset();
    }

    [Fact]
    public async Task a_success_stops_the_retries()
    {
        var (owner, workspace) = await WorkspaceAsync();
        var url = Receiver.NewUrl(out var path);
        Receiver.Answer(path, 503);
        var (endpoint, _) = await api.Host.CreateEndpointAsync(owner, workspace, url, "post.scheduled");
        var t0 = DateTimeOffset.UtcNow.AddMinutes(1);
        api.Clock.SetTo(t0);
        await api.Host.QueueEventAsync(workspace, "post.scheduled");
        await api.Host.SweepAllAsync();
        Receiver.Answer(path, 204);
        api.Clock.SetTo(t0 + TimeSpan.FromSeconds(5));
        await api.Host.SweepAllAsync();
        api.Clock.SetTo(t0 + TimeSpan.FromDays(2));
        await api.Host.SweepAllAsync();
        api.Clock.Reset();

        Assert.Equal(2, Receiver.At(path).Count);
        var delivery = Assert.Single(await api.Host.DeliveriesAsync(owner, workspace, endpoint));
        Assert.Equal("DELIVERED", delivery.GetProperty("state").GetString());
        Assert.Equal(2, delivery.GetProperty("attempts").GetInt32());
        api.Clock.Reset();
    }

    [Fact]
    public async Task an_endpoint_failing_for_five_days_is_disabled_and_its_admins_are_emailed()
    {
        var (owner, workspace) = await WorkspaceAsync();
        var url = Receiver.NewUrl(out var path);
        Receiver.Answer(path, 500);
        var (endpoint, _) = await api.Host.CreateEndpointAsync(owner, workspace, url, "post.scheduled");
        var t0 = DateTimeOffset.UtcNow.AddMinutes(1);
        foreach (var day in new[] { 0, 2, 4 })
        {
            api.Clock.SetTo(t0 + TimeSpan.FromDays(day));
            await api.Host.QueueEventAsync(workspace, "post.scheduled");
            await api.Host.SweepAllAsync();
        }

        api.Clock.Reset();
        Assert.True(await EnabledAsync(owner, workspace, endpoint));
        api.Clock.SetTo(t0 + TimeSpan.FromDays(5));
        await api.Host.QueueEventAsync(workspace, "post.scheduled");
        await api.Host.SweepAllAsync();

        api.Clock.Reset();
        Assert.False(await EnabledAsync(owner, workspace, endpoint));
        var drop = api.Host.Services.GetRequiredService<MailDrop>();
        await Eventually.TrueAsync(() => drop.For(owner.Email).Any(m => m.Kind == "webhook-disabled"), "no email told the owner", TimeSpan.FromSeconds(20));

        // Nothing more is sent to it, until a person enables it again.
        var sent = Receiver.At(path).Count;
        api.Clock.SetTo(t0 + TimeSpan.FromDays(7));
        await api.Host.QueueEventAsync(workspace, "post.scheduled");
        await api.Host.SweepAllAsync();
        Assert.Equal(sent, Receiver.At(path).Count);
        api.Clock.Reset();
    }

    [Fact]
    public async Task gone_disables_the_endpoint_at_once()
    {
        var (owner, workspace) = await WorkspaceAsync();
        var url = Receiver.NewUrl(out var path);
        Receiver.Answer(path, 410);
        var (endpoint, _) = await api.Host.CreateEndpointAsync(owner, workspace, url, "post.scheduled");
        await api.Host.QueueEventAsync(workspace, "post.scheduled");
        await api.Host.SweepAllAsync();

        Assert.False(await EnabledAsync(owner, workspace, endpoint));
        var delivery = Assert.Single(await api.Host.DeliveriesAsync(owner, workspace, endpoint));
        Assert.Equal("FAILED", delivery.GetProperty("state").GetString());
        var ping = await api.Host.PingAsync(owner, endpoint);
        Assert.Equal(["ENDPOINT_DISABLED"], HookScenarios.Codes(ping));

        var enabled = await api.Host.MutateAsync(owner, "updateWebhookEndpoint", "UpdateWebhookEndpointInput", new { endpointId = endpoint, enabled = true },
            "endpoint { enabled disabledReason }");
        Assert.True(enabled.GetProperty("endpoint").GetProperty("enabled").GetBoolean());
    }

    [Fact]
    public async Task redirects_are_not_followed()
    {
        var (owner, workspace) = await WorkspaceAsync();
        var url = Receiver.NewUrl(out var path);
        var elsewhere = Receiver.NewUrl(out var elsewherePath);
        Receiver.Answer(path, context =>
        {
            context.Response.StatusCode = 307;
            context.Response.Headers.Location = elsewhere;
            return Task.CompletedTask;
        });
        var (endpoint, _) = await api.Host.CreateEndpointAsync(owner, workspace, url, "post.scheduled");

        var delivery = (await api.Host.PingAsync(owner, endpoint)).GetProperty("delivery");

        Assert.Equal(307, delivery.GetProperty("responseStatus").GetInt32());
        Assert.Equal("FAILED", delivery.GetProperty("state").GetString());
        Assert.Empty(Receiver.At(elsewherePath));
    }

    [Fact]
    public async Task an_attempt_that_outlives_the_timeout_fails()
    {
        var (owner, workspace) = await WorkspaceAsync();
        var url = Receiver.NewUrl(out var path);
        Receiver.Answer(path, async context =>
        {
            await Task.Delay(TimeSpan.FromSeconds(5), context.RequestAborted);
            context.Response.StatusCode = 200;
        });
        var (endpoint, _) = await api.Host.CreateEndpointAsync(owner, workspace, url, "post.scheduled");

        var delivery = (await api.Host.PingAsync(owner, endpoint)).GetProperty("delivery");

        Assert.Equal("FAILED", delivery.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, delivery.GetProperty("responseStatus").ValueKind);
        Assert.Contains("in time", delivery.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_redelivery_sends_the_same_message_again_now()
    {
        var (owner, workspace) = await WorkspaceAsync();
        var url = Receiver.NewUrl(out var path);
        Receiver.Answer(path, 500);
        var (endpoint, secret) = await api.Host.CreateEndpointAsync(owner, workspace, url, "post.scheduled");
        await api.Host.QueueEventAsync(workspace, "post.scheduled");
        await api.Host.SweepAllAsync();
        var failed = Assert.Single(await api.Host.DeliveriesAsync(owner, workspace, endpoint));
        Receiver.Answer(path, 200, "thanks");

        var redelivered = (await api.Host.MutateAsync(owner, "redeliverWebhook", "RedeliverWebhookInput", new { deliveryId = failed.GetProperty("id").GetString() },
            $"delivery {{ {HookScenarios.DeliverySelection} }}")).GetProperty("delivery");

        Assert.Equal("DELIVERED", redelivered.GetProperty("state").GetString());
        Assert.Equal("thanks", redelivered.GetProperty("responseBody").GetString());
        var attempts = Receiver.At(path);
        Assert.Equal(2, attempts.Count);
        Assert.Equal(attempts[0].Headers["webhook-id"], attempts[1].Headers["webhook-id"]);
        Assert.Equal(attempts[0].Body, attempts[1].Body);
        HookScenarios.Verify(secret, attempts[1]);
    }

    [Fact]
    public async Task an_event_seen_twice_makes_one_delivery()
    {
        var (owner, workspace) = await WorkspaceAsync();
        var url = Receiver.NewUrl(out var path);
        var (endpoint, _) = await api.Host.CreateEndpointAsync(owner, workspace, url, "post.scheduled");
        var eventId = await api.Host.QueueEventAsync(workspace, "post.scheduled");
        await api.Host.QueueEventAsync(workspace, "post.scheduled", eventId);
        await api.Host.SweepAllAsync();
        await api.Host.QueueEventAsync(workspace, "post.scheduled", eventId);
        await api.Host.SweepAllAsync();

        Assert.Single(Receiver.At(path));
        Assert.Single(await api.Host.DeliveriesAsync(owner, workspace, endpoint));
    }

    [Fact]
    public async Task a_rotated_secret_signs_from_then_on_and_unknown_event_types_are_refused()
    {
        var (owner, workspace) = await WorkspaceAsync();
        var url = Receiver.NewUrl(out var path);
        var (endpoint, first) = await api.Host.CreateEndpointAsync(owner, workspace, url, "post.scheduled");
        var rotated = await api.Host.MutateAsync(owner, "rotateWebhookSecret", "RotateWebhookSecretInput", new { endpointId = endpoint }, "endpoint { id } secret");
        var second = rotated.GetProperty("secret").GetString()!;
        Assert.NotEqual(first, second);

        await api.Host.PingAsync(owner, endpoint);
        var ping = Assert.Single(Receiver.At(path));
        HookScenarios.Verify(second, ping);
        Assert.ThrowsAny<Exception>(() => HookScenarios.Verify(first, ping));

        var refused = await api.Host.MutateAsync(owner, "createWebhookEndpoint", "CreateWebhookEndpointInput",
            new { workspaceId = workspace, url, eventTypes = new[] { "post.deleted" } }, "endpoint { id } secret");
        Assert.Equal(["VALIDATION"], HookScenarios.Codes(refused));
        Assert.Equal(JsonValueKind.Null, refused.GetProperty("secret").ValueKind);

        var deleted = await api.Host.MutateAsync(owner, "deleteWebhookEndpoint", "DeleteWebhookEndpointInput", new { endpointId = endpoint }, "done");
        Assert.True(deleted.GetProperty("done").GetBoolean());
    }

    private async Task<bool> EnabledAsync(Person owner, string workspace, string endpoint)
    {
        var response = await api.Host.AsAsync(owner, "query ($id: ID!) { workspace(id: $id) { webhookEndpoints { edges { node { id enabled } } } } }", new { id = workspace });
        return response.Data.GetProperty("workspace").GetProperty("webhookEndpoints").GetProperty("edges").EnumerateArray()
            .Single(e => e.GetProperty("node").GetProperty("id").GetString() == endpoint).GetProperty("node").GetProperty("enabled").GetBoolean();
    }

    private static async Task<List<string>> ReadAllAsync(NpgsqlCommand command)
    {
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }
}
