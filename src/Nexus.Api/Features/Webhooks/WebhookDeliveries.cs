using Marten;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Runtime.Handlers;

namespace Nexus.Api.Features.Webhooks;

/// <summary>Who sent a webhook: one per callback URL (<c>/webhooks/{source}</c>). Meta covers Facebook and Instagram.</summary>
public enum WebhookSource
{
    Meta,
    X,
    TikTok,
    LinkedIn,
    YouTube,
    Sandbox,
}

/// <summary>
/// One delivery a platform made and Nexus accepted (its signature held), stored raw as it arrived before anything acts
/// on it (id = <c>{source}:{delivery key}</c>, so a platform's retry of the same delivery is the same row). Kept after
/// processing: it is what processing can be replayed from. <see cref="Attempts"/> and <see cref="LastError"/> say how
/// processing went; <see cref="ProcessedAt"/> is set once its effects are committed.
/// </summary>
/// <remarks>
/// The key is the platform's own delivery id where it gives one (LinkedIn <c>notificationId</c>s, X event ids, the
/// sandbox's <c>Sandbox-Delivery</c>); Meta, TikTok and YouTube give none, so it is the SHA-256 of the body: a retry
/// resends the same bytes.
/// </remarks>
public sealed record PlatformWebhookDelivery(
    string Id, WebhookSource Source, string DeliveryKey, DateTimeOffset ReceivedAt, string Body, Guid? SubscriptionId,
    DateTimeOffset? ProcessedAt = null, int Attempts = 0, string? LastError = null)
{
    public static string IdOf(WebhookSource source, string key) => $"{source.ToString().ToLowerInvariant()}:{key}";
}

/// <summary>Stores a verified delivery and, in the same transaction (Wolverine's outbox), the message that processes it.</summary>
public sealed record AcceptWebhookDelivery(WebhookSource Source, string DeliveryKey, string Body, Guid? SubscriptionId = null);

/// <summary>Processes a stored delivery: its effects on posts, connections and interactions.</summary>
public sealed record ProcessWebhookDelivery(string DeliveryId);

public static class AcceptWebhookDeliveryHandler
{
    /// <summary>True when the delivery is new; false for a replay, which changes nothing and sends nothing.</summary>
    public static async Task<(bool, OutgoingMessages)> Handle(AcceptWebhookDelivery command, IDocumentSession session, DateTimeOffset now, CancellationToken ct)
    {
        var id = PlatformWebhookDelivery.IdOf(command.Source, command.DeliveryKey);
        if (await session.LoadAsync<PlatformWebhookDelivery>(id, ct) is not null)
        {
            return (false, []);
        }

        // Two copies racing: the loser's insert breaks the primary key, the conflict policy runs it again, and the
        // second run sees the winner's row above.
        session.Insert(new PlatformWebhookDelivery(id, command.Source, command.DeliveryKey, now, command.Body, command.SubscriptionId));
        return (true, [new ProcessWebhookDelivery(id)]);
    }
}

public static class ProcessWebhookDeliveryHandler
{
    /// <summary>
    /// A failure (the database away, a bug on one payload) is tried again in seconds, then over hours; the raw delivery
    /// stays in its table whatever happens, and the message ends in Wolverine's durable dead-letter queue at worst.
    /// </summary>
    public static void Configure(HandlerChain chain) =>
        chain.OnException(e => !Infrastructure.Persistence.IsUniqueViolation(e) && !Infrastructure.Persistence.IsConcurrencyConflict(e), "processing a webhook failed")
            .RetryWithCooldown(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5))
            .Then.ScheduleRetry(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(10), TimeSpan.FromHours(1), TimeSpan.FromHours(6));

    public static async Task<OutgoingMessages> Handle(ProcessWebhookDelivery command, IDocumentSession session, IDocumentStore store,
        ILogger<ProcessWebhookDelivery> logger, DateTimeOffset now, CancellationToken ct)
    {
        if (await session.LoadAsync<PlatformWebhookDelivery>(command.DeliveryId, ct) is not { ProcessedAt: null } delivery)
        {
            return [];
        }

        try
        {
            var effects = WebhookPayloads.Parse(delivery.Source, delivery.Body);
            var messages = await WebhookEffects.ApplyAsync(delivery, effects, session, now, ct);
            session.Store(delivery with { ProcessedAt = now, Attempts = delivery.Attempts + 1, LastError = null });
            return messages;
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !Infrastructure.Persistence.IsConcurrencyConflict(ex))
        {
            // The handler's transaction rolls back: the attempt and its error are recorded beside it, then the retry policy runs.
            logger.LogWarning("Processing webhook delivery {DeliveryId} failed ({Error}); it will be tried again", delivery.Id, ex.GetType().Name);
            await using var side = store.LightweightSession();
            side.Store(delivery with { Attempts = delivery.Attempts + 1, LastError = $"{ex.GetType().Name}: {ex.Message}" });
            await side.SaveChangesAsync(ct);
            throw;
        }
    }
}

public sealed class WebhooksMarten : IConfigureMarten
{
    public void Configure(IServiceProvider services, StoreOptions options)
    {
        options.Schema.For<PlatformWebhookDelivery>().DocumentAlias("platform_webhook_delivery").Index(d => d.ReceivedAt);
        options.Schema.For<PlatformInteraction>().DocumentAlias("platform_interaction").Index(i => i.TargetId!).Index(i => i.ConnectionId!);
        options.Schema.For<DataDeletionRequest>().DocumentAlias("meta_data_deletion");
        options.Schema.For<YouTubeSubscription>().DocumentAlias("youtube_websub_subscription").Index(s => s.ConnectionId).Index(s => s.RenewAt!);
    }
}
