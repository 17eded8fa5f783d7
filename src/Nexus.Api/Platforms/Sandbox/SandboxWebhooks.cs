using System.Text;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Webhooks;
using Nexus.Api.Infrastructure;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Runtime.Handlers;

namespace Nexus.Api.Platforms.Sandbox;

/// <summary>The sandbox's webhooks, bound from <c>Nexus:Platforms:Sandbox:Webhooks</c>.</summary>
public sealed class SandboxWebhookOptions
{
    public const string Section = SandboxOptions.Section + ":Webhooks";

    /// <summary>Whether the sandbox sends webhooks at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Where they go; <c>{Nexus:PublicUrl}/webhooks/sandbox</c> when unset.</summary>
    public Uri? Url { get; set; }

    /// <summary>How long after a publish its "post published" event is sent (a real platform's confirmation comes later too).</summary>
    public TimeSpan PublishedDelay { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// The sandbox's signed webhooks, so confirmations, comments and revocations reach Nexus offline like a real platform's.
/// Each event is a JSON body <c>{ id, type, created_at, data }</c> POSTed to <c>/webhooks/sandbox</c> with
/// <list type="bullet">
/// <item><c>Sandbox-Delivery: &lt;event id&gt;</c>, the same on every retry of one event (the receiver de-duplicates on it);</item>
/// <item><c>Sandbox-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256("{t}." + body, sandbox client secret)&gt;</c>,
/// rejected by the receiver when <c>t</c> is more than 5 minutes off.</item>
/// </list>
/// Types: <c>post.published</c> (<c>post_id, account_id, idempotency_key, url</c>), <c>comment.created</c>
/// (<c>comment_id, post_id, account_id, kind: comment|mention</c>), <c>authorization.removed</c> (<c>account_ids</c>).
/// Sending is a durable message retried with backoff (at least once, like a real platform), after the sandbox's own change.
/// </summary>
public static class SandboxWebhooks
{
    public const string SignatureHeader = "Sandbox-Signature";
    public const string DeliveryHeader = "Sandbox-Delivery";

    /// <summary>The sandbox's secret when none is configured: the sandbox is a development platform, off in Production.</summary>
    public const string DefaultSecret = "nexus-sandbox-client-secret";

    public static string SecretOf(SandboxOptions options) => options.ClientSecret is { Length: > 0 } secret ? secret : DefaultSecret;

    public static IEndpointRouteBuilder MapSandboxWebhooks(this RouteGroupBuilder sandbox)
    {
        sandbox.MapPost("/api/posts/{id}/comments", (Delegate)SimulateCommentAsync);
        return sandbox;
    }

    public static SendSandboxWebhook Event(string type, object data, DateTimeOffset now)
    {
        var id = "sbx-evt-" + Guid.CreateVersion7().ToString("N");
        return new SendSandboxWebhook(id, JsonSerializer.Serialize(new { id, type, created_at = now, data }));
    }

    /// <summary>Sends <paramref name="message"/> unless webhooks are off, after <paramref name="delay"/>.</summary>
    public static async Task SendAsync(IServiceProvider services, SendSandboxWebhook message, TimeSpan delay = default)
    {
        if (!services.GetRequiredService<IOptions<SandboxWebhookOptions>>().Value.Enabled)
        {
            return;
        }

        var bus = services.GetRequiredService<IMessageBus>();
        if (delay > TimeSpan.Zero)
        {
            await bus.PublishAsync(message, new DeliveryOptions { ScheduleDelay = delay });
        }
        else
        {
            await bus.PublishAsync(message);
        }
    }

    public static Task PublishedAsync(IServiceProvider services, SandboxPost post, string url, DateTimeOffset now) =>
        SendAsync(services, Event("post.published", new { post_id = post.Id, account_id = post.AccountId, idempotency_key = post.IdempotencyKey, url }, now),
            services.GetRequiredService<IOptions<SandboxWebhookOptions>>().Value.PublishedDelay);

    public static Task RevokedAsync(IServiceProvider services, SandboxGrant grant, DateTimeOffset now) =>
        SendAsync(services, Event("authorization.removed", new { account_ids = SandboxServer.AccountIdsOf(grant) }, now));

    /// <summary>A comment (or, with <c>{"kind":"mention"}</c>, a mention) on a sandbox post, as if someone made it.</summary>
    private static async Task<IResult> SimulateCommentAsync(HttpContext http, string id, IQuerySession session, TimeProvider clock)
    {
        if (await session.LoadAsync<SandboxPost>(id, http.RequestAborted) is not { } post)
        {
            return Results.NotFound();
        }

        var kind = http.Request.Query["kind"] == "mention" ? "mention" : "comment";
        var comment = "sbx-comment-" + Guid.CreateVersion7().ToString("N");
        await SendAsync(http.RequestServices, Event("comment.created", new { comment_id = comment, post_id = post.Id, account_id = post.AccountId, kind }, clock.GetUtcNow()));
        return Results.Json(new { id = comment, post_id = post.Id, kind }, statusCode: StatusCodes.Status201Created);
    }
}

/// <summary>One sandbox webhook event to deliver (its id is the delivery id).</summary>
public sealed record SendSandboxWebhook(string Id, string Body);

public static class SendSandboxWebhookHandler
{
    public static void Configure(HandlerChain chain) =>
        chain.OnException<Exception>()
            .RetryWithCooldown(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5))
            .Then.ScheduleRetry(TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10), TimeSpan.FromHours(1));

    public static async Task Handle(SendSandboxWebhook message, IHttpClientFactory clients, IOptions<SandboxOptions> sandbox, IOptions<SandboxWebhookOptions> options,
        IOptions<NexusUrls> urls, TimeProvider clock, CancellationToken ct)
    {
        var url = options.Value.Url ?? new Uri(urls.Value.PublicUrl.TrimEnd('/') + "/webhooks/sandbox");
        var body = Encoding.UTF8.GetBytes(message.Body);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add(SandboxWebhooks.DeliveryHeader, message.Id);
        request.Headers.Add(SandboxWebhooks.SignatureHeader, WebhookSignatures.SandboxHeader(body, SandboxWebhooks.SecretOf(sandbox.Value), clock.GetUtcNow()));
        using var response = await clients.CreateClient(nameof(SandboxWebhooks)).SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
    }
}
