using System.Text;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Webhooks;
using Nexus.Api.Infrastructure;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Runtime.Handlers;

namespace Nexus.Api.Features.Billing.Subscribing;

/// <summary>
/// <c>POST /billing/stripe/webhook</c>: the <c>Stripe-Signature</c> header checked on the raw body (400 when it does not hold
/// or is older than the tolerance), the event stored under its id with the message that processes it in one
/// transaction (a replay finds the row and changes nothing), then 200: the effects happen after the answer, durably.
/// </summary>
public static partial class StripeWebhookEndpoint
{
    public const string Path = "/billing/stripe/webhook";

    public static IEndpointRouteBuilder MapStripeWebhooks(this IEndpointRouteBuilder app)
    {
        app.MapPost(Path, (Delegate)ReceiveAsync).DisableAntiforgery();
        return app;
    }

    private static async Task<IResult> ReceiveAsync(HttpContext http, StripeGateway stripe, IMessageBus bus, IOptions<WebhookOptions> webhooks,
        ILogger<StripeOptions> logger, TimeProvider clock)
    {
        if (await WebhookEndpoints.ReadCappedAsync(http, webhooks.Value.MaxBodyBytes) is not { } body)
        {
            return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
        }

        if (!WebhookSignatures.Stripe(http.Request.Headers["Stripe-Signature"], body, stripe.Options.WebhookSecret, clock.GetUtcNow(), stripe.Options.WebhookTolerance))
        {
            Refused(logger, "the signature is missing, wrong or stale");
            return Results.BadRequest(new { error = "invalid_signature" });
        }

        string id, type;
        try
        {
            using var json = JsonDocument.Parse(body);
            id = json.RootElement.GetProperty("id").GetString() ?? "";
            type = json.RootElement.GetProperty("type").GetString() ?? "";
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return Results.BadRequest(new { error = "invalid_event" });
        }

        if (id is not { Length: > 0 and <= 255 } || type.Length is 0 or > 255)
        {
            return Results.BadRequest(new { error = "invalid_event" });
        }

        try
        {
            await bus.InvokeAsync<bool>(new AcceptStripeEvent(id, type, Encoding.UTF8.GetString(body)), http.RequestAborted);
        }
        catch (Exception ex) when (ex is JasperFx.DocumentAlreadyExistsException || Persistence.IsUniqueViolation(ex))
        {
            // A copy of the same delivery committed first (Stripe retried while the first was in flight): it is stored
            // and will be processed once, which is what this answer promises.
        }

        return Results.Ok();
    }

    [LoggerMessage(EventId = 9301, Level = LogLevel.Warning, Message = "Refused a Stripe webhook: {Reason}")]
    private static partial void Refused(ILogger logger, string reason);
}

/// <summary>
/// An event Stripe delivered and Nexus accepted, raw, under Stripe's event id (<c>evt_…</c>): Stripe's retries of it are
/// the same row. <see cref="ProcessedAt"/> is set once its effects are committed.
/// </summary>
public sealed record StripeEventRecord(string Id, string Type, string Body, DateTimeOffset ReceivedAt, DateTimeOffset? ProcessedAt = null, int Attempts = 0, string? LastError = null);

public sealed record AcceptStripeEvent(string EventId, string Type, string Body);

public sealed record ProcessStripeEvent(string EventId);

public static class AcceptStripeEventHandler
{
    /// <summary>True when the event is new; false for a replay, which changes nothing and sends nothing.</summary>
    public static async Task<(bool, OutgoingMessages)> Handle(AcceptStripeEvent command, IDocumentSession session, DateTimeOffset now, CancellationToken ct)
    {
        if (await session.LoadAsync<StripeEventRecord>(command.EventId, ct) is not null)
        {
            return (false, []);
        }

        // Inserted, not stored: of two copies racing, the loser breaks the primary key, runs again and finds the row.
        session.Insert(new StripeEventRecord(command.EventId, command.Type, command.Body, now));
        return (true, [new ProcessStripeEvent(command.EventId)]);
    }
}

public static class ProcessStripeEventHandler
{
    public static void Configure(HandlerChain chain) =>
        chain.OnException(e => !Persistence.IsUniqueViolation(e) && !Persistence.IsConcurrencyConflict(e), "processing a Stripe event failed")
            .RetryWithCooldown(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5))
            .Then.ScheduleRetry(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(10), TimeSpan.FromHours(1), TimeSpan.FromHours(6));

    public static async Task<OutgoingMessages> Handle(ProcessStripeEvent command, IDocumentSession session, IDocumentStore store, StripeGateway stripe,
        IOptions<BillingOptions> billing, IOptions<NexusUrls> urls, Storefront.OrderLinks links, ILogger<ProcessStripeEvent> logger, DateTimeOffset now, CancellationToken ct)
    {
        if (await session.LoadAsync<StripeEventRecord>(command.EventId, ct) is not { ProcessedAt: null } record)
        {
            return [];
        }

        try
        {
            var messages = await Marketplace.Funding.ContractStripeEvents.TryApplyAsync(record, session, stripe, logger, now, ct)
                ?? await Storefront.CheckingOut.OrderStripeEvents.TryApplyAsync(record, session, stripe, links, urls.Value, logger, now, ct)
                ?? await StripeEffects.ApplyAsync(record, session, stripe, billing.Value, urls.Value, logger, now, ct);
            session.Store(record with { ProcessedAt = now, Attempts = record.Attempts + 1, LastError = null });
            return messages;
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !Persistence.IsConcurrencyConflict(ex) && !Persistence.IsUniqueViolation(ex))
        {
            logger.LogWarning("Processing Stripe event {EventId} failed ({Error}); it will be tried again", record.Id, ex.GetType().Name);
            await using var side = store.LightweightSession();
            side.Store(record with { Attempts = record.Attempts + 1, LastError = ex.GetType().Name });
            await side.SaveChangesAsync(ct);
            throw;
        }
    }
}

public sealed class StripeMarten : IConfigureMarten
{
    public void Configure(IServiceProvider services, StoreOptions options)
    {
        options.Schema.For<StripeEventRecord>().DocumentAlias("stripe_event").Index(e => e.ReceivedAt);
        options.Schema.For<BillingInvoice>().DocumentAlias("billing_invoice").Duplicate(i => i.WorkspaceId).Duplicate(i => i.SortKey);
    }
}
