using System.Globalization;
using System.Security.Cryptography;
using Marten;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Connections;
using Nexus.Api.Infrastructure;
using Nexus.Api.Infrastructure.TokenVault;
using Nexus.Api.Platforms;
using Nexus.Api.Platforms.YouTube;
using Wolverine;

namespace Nexus.Api.Features.Webhooks;

public enum YouTubeSubscriptionState
{
    Subscribing,
    Active,
    Unsubscribing,
    Unsubscribed,
}

/// <summary>
/// A YouTube connection's WebSub subscription to its channel's upload feed (id = the connection's id). The hub signs
/// each notification with <see cref="Secret"/> (sealed by the token vault, never shown); the callback carries the
/// subscription's id so the right secret is found before the body is read. <see cref="RenewAt"/> comes well before
/// the lease the hub granted ends.
/// </summary>
public sealed record YouTubeSubscription(
    Guid Id, Guid ConnectionId, string ChannelId, string Topic, SealedSecret Secret, YouTubeSubscriptionState State,
    DateTimeOffset RequestedAt, DateTimeOffset? LeaseExpiresAt, DateTimeOffset? RenewAt)
{
    public static string TopicOf(string channelId) => "https://www.youtube.com/xml/feeds/videos.xml?channel_id=" + Uri.EscapeDataString(channelId);
}

/// <summary>Brings a YouTube connection's subscription where it should be: subscribed (and renewed) while connected, unsubscribed after.</summary>
public sealed record SyncYouTubeSubscription(Guid ConnectionId);

/// <summary>
/// WebSub for YouTube: the hub's verification of intent (GET: echo <c>hub.challenge</c> only for a topic Nexus asked
/// for, recording the lease), the signature of notifications (<c>X-Hub-Signature</c> under the subscription's secret),
/// and the subscribe / renew / unsubscribe requests.
/// </summary>
public static class YouTubeWebSub
{
    /// <summary>A request is not sent again for this long while the hub has not verified the last one (nodes sweeping together, a slow hub).</summary>
    public static readonly TimeSpan Pending = TimeSpan.FromMinutes(2);

    public static string CallbackOf(NexusUrls urls, Guid subscriptionId) => $"{urls.PublicUrl.TrimEnd('/')}/webhooks/youtube?subscription={subscriptionId:N}";

    internal static async Task<IResult> VerifyIntentAsync(HttpContext http, IDocumentSession session, TimeProvider clock, ILogger logger)
    {
        var query = http.Request.Query;
        var now = clock.GetUtcNow();
        if (!Guid.TryParse(query["subscription"], out var id) || await session.LoadAsync<YouTubeSubscription>(id, http.RequestAborted) is not { } subscription ||
            subscription.Topic != query["hub.topic"])
        {
            logger.Refused("youtube", "the hub asked to verify a topic Nexus did not ask for");
            return Results.NotFound();
        }

        switch (query["hub.mode"].ToString())
        {
            case "subscribe" when subscription.State is YouTubeSubscriptionState.Subscribing or YouTubeSubscriptionState.Active:
                var lease = int.TryParse(query["hub.lease_seconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
                    ? TimeSpan.FromSeconds(seconds) : TimeSpan.FromDays(5);
                session.Store(subscription with { State = YouTubeSubscriptionState.Active, LeaseExpiresAt = now + lease, RenewAt = now + (lease * 0.8) });
                break;
            case "unsubscribe" when subscription.State == YouTubeSubscriptionState.Unsubscribing:
                session.Store(subscription with { State = YouTubeSubscriptionState.Unsubscribed, LeaseExpiresAt = null, RenewAt = null });
                break;
            case "denied":
                logger.Refused("youtube", $"the hub denied the subscription ({query["hub.reason"]})");
                session.Store(subscription with { State = YouTubeSubscriptionState.Unsubscribed, RenewAt = now + TimeSpan.FromHours(1) });
                await session.SaveChangesAsync(http.RequestAborted);
                return Results.Ok();
            default:
                return Results.NotFound();
        }

        await session.SaveChangesAsync(http.RequestAborted);
        return Results.Text(query["hub.challenge"].ToString(), "text/plain");
    }

    /// <summary>The subscription a notification is for, when its signature holds under that subscription's secret; else null.</summary>
    internal static async Task<Guid?> VerifyAsync(HttpContext http, byte[] body, IDocumentSession session, IServiceProvider services)
    {
        if (!Guid.TryParse(http.Request.Query["subscription"], out var id) ||
            await session.LoadAsync<YouTubeSubscription>(id, http.RequestAborted) is not { State: not YouTubeSubscriptionState.Unsubscribed } subscription)
        {
            return null;
        }

        var secret = services.GetRequiredService<TokenVault>().Open<string>(subscription.Id, subscription.Secret);
        return WebhookSignatures.WebSub(http.Request.Headers["X-Hub-Signature"], body, secret) ? subscription.Id : null;
    }
}

// It waits on the hub, which calls Nexus back before it answers: nothing may be held open across that call.
[OutsideTheTransaction]
public static class SyncYouTubeSubscriptionHandler
{
    public static async Task Handle(SyncYouTubeSubscription command, IDocumentStore store, TokenVault vault, IHttpClientFactory clients,
        IOptions<YouTubeOptions> options, IOptions<NexusUrls> urls, ILogger<SyncYouTubeSubscription> logger, DateTimeOffset now, CancellationToken ct)
    {
        YouTubeSubscription? subscription;
        string mode;
        await using (var session = store.LightweightSession())
        {
            var connection = await session.LoadAsync<Connection>(command.ConnectionId, ct);
            subscription = await session.LoadAsync<YouTubeSubscription>(command.ConnectionId, ct);
            var wanted = connection is { Platform: PlatformId.YouTube, Status: not ConnectionStatus.Disconnected };
            var pending = subscription is { State: YouTubeSubscriptionState.Subscribing or YouTubeSubscriptionState.Unsubscribing } && subscription.RequestedAt > now - YouTubeWebSub.Pending;
            if (pending)
            {
                return;
            }

            if (wanted && (subscription is null or { State: not YouTubeSubscriptionState.Active } || subscription.RenewAt <= now))
            {
                // A fresh secret for each new subscription; a renewal keeps the one the hub has.
                var fresh = subscription is null or { State: YouTubeSubscriptionState.Unsubscribed };
                var secret = fresh ? vault.Seal(command.ConnectionId, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32))) : subscription!.Secret;
                subscription = new YouTubeSubscription(command.ConnectionId, command.ConnectionId, connection!.ExternalId, YouTubeSubscription.TopicOf(connection.ExternalId), secret,
                    subscription is { State: YouTubeSubscriptionState.Active } ? YouTubeSubscriptionState.Active : YouTubeSubscriptionState.Subscribing,
                    now, subscription?.LeaseExpiresAt, subscription?.RenewAt);
                mode = "subscribe";
            }
            else if (!wanted && subscription is { State: YouTubeSubscriptionState.Active or YouTubeSubscriptionState.Subscribing })
            {
                subscription = subscription with { State = YouTubeSubscriptionState.Unsubscribing, RequestedAt = now };
                mode = "unsubscribe";
            }
            else
            {
                return;
            }

            // Committed before the hub is asked: it verifies the intent by calling back, possibly before it answers.
            session.Store(subscription);
            await session.SaveChangesAsync(ct);
        }

        var form = new Dictionary<string, string>
        {
            ["hub.mode"] = mode,
            ["hub.callback"] = YouTubeWebSub.CallbackOf(urls.Value, subscription.Id),
            ["hub.topic"] = subscription.Topic,
            ["hub.verify"] = "async",
        };
        if (mode == "subscribe")
        {
            form["hub.secret"] = vault.Open<string>(subscription.Id, subscription.Secret);
            form["hub.lease_seconds"] = ((int)options.Value.WebSubLease.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        }

        using var response = await clients.CreateClient(nameof(YouTubeWebSub)).PostAsync(options.Value.WebSubHubUrl, new FormUrlEncodedContent(form), ct);
        if (!response.IsSuccessStatusCode)
        {
            // The next sweep asks again once the request is no longer pending.
            logger.LogWarning("The WebSub hub answered {Status} to {Mode} for connection {ConnectionId}", (int)response.StatusCode, mode, command.ConnectionId);
        }
    }
}

/// <summary>
/// Every <c>Nexus:Webhooks:YouTubeSweepInterval</c> (5 minutes by default), asks for the subscriptions that should
/// change: YouTube connections without one, leases due for renewal, disconnected channels still subscribed. Every node
/// sweeps; the messages go to the durable local queue, and a request already pending is not sent twice.
/// </summary>
public sealed class YouTubeSubscriptionSweep(IServiceProvider services, IConfiguration configuration, TimeProvider clock, ILogger<YouTubeSubscriptionSweep> logger)
    : PeriodicSweep(clock, logger)
{
    protected override TimeSpan Interval => configuration.GetValue<TimeSpan?>("Nexus:Webhooks:YouTubeSweepInterval") ?? TimeSpan.FromMinutes(5);

    protected override string What => "YouTube WebSub";

    protected override async Task<bool> SweepOnceAsync(CancellationToken ct)
    {
        await SweepAsync(ct);
        return false;
    }

    public async Task SweepAsync(CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var session = scope.ServiceProvider.GetRequiredService<IQuerySession>();
        var now = Clock.GetUtcNow();
        var connections = await session.Query<Connection>().Where(c => c.Platform == PlatformId.YouTube).Select(c => c.Id).ToListAsync(ct);
        var subscriptions = (await session.Query<YouTubeSubscription>().ToListAsync(ct)).ToDictionary(s => s.ConnectionId);
        var disconnected = (await session.Query<Connection>().Where(c => c.Platform == PlatformId.YouTube && c.Status == ConnectionStatus.Disconnected).Select(c => c.Id).ToListAsync(ct)).ToHashSet();
        var bus = scope.ServiceProvider.GetRequiredService<IMessageBus>();
        foreach (var id in connections)
        {
            var subscription = subscriptions.GetValueOrDefault(id);
            var due = disconnected.Contains(id)
                ? subscription is { State: YouTubeSubscriptionState.Active or YouTubeSubscriptionState.Subscribing }
                : subscription is null or { State: not YouTubeSubscriptionState.Active } || subscription.RenewAt <= now;
            if (due)
            {
                await bus.SendAsync(new SyncYouTubeSubscription(id));
            }
        }
    }
}
