using System.Text;
using Marten;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Accounts;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.Infrastructure;
using Nexus.Api.Infrastructure.Email;
using Nexus.Api.Infrastructure.Outbound;
using Nexus.Api.Infrastructure.TokenVault;
using Npgsql;
using StandardWebhooks;
using Wolverine;

namespace Nexus.Api.Features.Hooks.Delivering;

/// <summary>A delivery claimed for an attempt.</summary>
public sealed record ClaimedDelivery(Guid Id, Guid EndpointId, string WebhookId, string EventType, string Body, int RetryStep);

/// <summary>What one sweep did: the deliveries it claimed and the ones that were accepted.</summary>
public sealed record HookSweep(int Claimed, int Delivered);

/// <summary>
/// Sends due deliveries. Every node sweeps; a sweep claims rows with <c>for update skip locked</c> and pushes them a
/// lease ahead in the same statement, so no two nodes send one row, and a node that dies mid-attempt only delays its
/// rows by the lease. Each attempt is signed (Standard Webhooks: <c>webhook-id</c>, <c>webhook-timestamp</c>,
/// <c>webhook-signature</c>) and sent through <see cref="OutboundHttp"/> (the address policy, no redirects for a POST,
/// a bounded read); 2xx is delivered, 410 Gone disables the endpoint, anything else retries on
/// <see cref="HooksOptions.Schedule"/> and then fails. Every "now" is the app's <see cref="TimeProvider"/>.
/// </summary>
public sealed class HookSender(NpgsqlDataSource db, OutboundHttp http, TokenVault vault, IDocumentStore store, IServiceScopeFactory scopes, TimeProvider clock,
    IOptions<HooksOptions> options, ILogger<HookSender> logger)
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Failed = "failed";
    private const string Columns = "d.id, d.endpoint_id, d.webhook_id, d.event_type, d.body, d.retry_step";

    private HooksOptions Options => options.Value;

    public async Task<HookSweep> SweepOnceAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var due = new List<ClaimedDelivery>();
        await using (var command = db.CreateCommand(
            $"with due as (select id from {HookTables.Deliveries} where next_attempt_at <= $1 and state = '{Pending}' order by next_attempt_at limit $2 for update skip locked) " +
            $"update {HookTables.Deliveries} d set next_attempt_at = $3 from due where d.id = due.id returning {Columns}"))
        {
            Add(command.Parameters, now, Options.SweepBatch, now + Options.ClaimLease);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                due.Add(Read(reader));
            }
        }

        var delivered = 0;
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Options.Parallelism), CancellationToken = ct }, async (delivery, token) =>
        {
            try
            {
                if (await AttemptAsync(delivery, retry: true, token))
                {
                    Interlocked.Increment(ref delivered);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
            {
                // One row's trouble (a database blip while recording) must not stop the others; it comes due again after the lease.
                logger.LogError(ex, "Webhook delivery {DeliveryId} failed to run", delivery.Id);
            }
        });

        return new(due.Count, delivered);
    }

    /// <summary>
    /// Sends one delivery now, whatever its state (<c>redeliverWebhook</c>; a ping, which is never retried): it is
    /// claimed like a sweep claims it, its retry schedule starts again, and its result is recorded before this returns.
    /// </summary>
    public async Task DeliverNowAsync(Guid deliveryId, bool retry, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var command = db.CreateCommand(
            $"update {HookTables.Deliveries} d set state = '{Pending}', retry_step = 0, next_attempt_at = $2 where d.id = $1 returning {Columns}");
        Add(command.Parameters, deliveryId, now + Options.ClaimLease);
        ClaimedDelivery? delivery = null;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
            {
                delivery = Read(reader);
            }
        }

        if (delivery is not null)
        {
            await AttemptAsync(delivery, retry, ct);
        }
    }

    private sealed record Endpoint(Guid Id, Guid WorkspaceId, string Url, bool Enabled, SealedSecret Secret);

    private async Task<bool> AttemptAsync(ClaimedDelivery delivery, bool retry, CancellationToken ct)
    {
        var endpoint = await EndpointAsync(delivery.EndpointId, ct);
        var now = clock.GetUtcNow();
        if (endpoint is not { Enabled: true })
        {
            await RecordAsync(delivery, now, Failed, null, null, null, null, "The endpoint is disabled; nothing was sent.", ct);
            return false;
        }

        var started = clock.GetTimestamp();
        int? status = null;
        string? body = null;
        string? error = null;
        try
        {
            var secret = vault.Open<string>(endpoint.Id, endpoint.Secret);
            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url)
            {
                Content = new StringContent(delivery.Body, Encoding.UTF8, "application/json"),
            };
            request.Headers.TryAddWithoutValidation("webhook-id", delivery.WebhookId);
            request.Headers.TryAddWithoutValidation("webhook-timestamp", now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
            request.Headers.TryAddWithoutValidation("webhook-signature", new StandardWebhook(secret).Sign(delivery.WebhookId, now, delivery.Body));
            request.Headers.TryAddWithoutValidation("User-Agent", "Nexus-Webhooks/1.0");
            // OutboundHttp follows no redirect for a POST: a 3xx is the endpoint's answer, and not a success.
            using var response = await http.SendAsync(request, new OutboundLimits(Timeout: Options.Timeout), ct);
            status = (int)response.StatusCode;
            body = await ReadPrefixAsync(response.Content, Options.MaxLoggedResponseBytes, ct);
        }
        catch (OutboundException ex)
        {
            error = ex.Message;
        }
        catch (HttpRequestException ex)
        {
            // The kind of failure only: a transport error's text can name resolved addresses.
            error = $"The request failed ({ex.HttpRequestError}).";
        }

        var duration = (int)Math.Min(int.MaxValue, clock.GetElapsedTime(started).TotalMilliseconds);
        if (status is >= 200 and < 300)
        {
            await RecordAsync(delivery, now, Delivered, null, status, body, duration, null, ct, endpointOk: true);
            return true;
        }

        error ??= status == 410 ? "The endpoint answered 410 Gone: it was disabled." : $"The endpoint answered {status}.";
        if (status == 410)
        {
            await RecordAsync(delivery, now, Failed, null, status, body, duration, error, ct);
            await DisableAsync(endpoint, now, "The endpoint answered 410 Gone.", notify: false, ct);
            return false;
        }

        var step = delivery.RetryStep;
        var next = retry && step < Options.Schedule.Count ? now + Options.Schedule[step] : (DateTimeOffset?)null;
        await RecordAsync(delivery, now, next is null ? Failed : Pending, next, status, body, duration, error, ct, endpointOk: retry ? false : null);
        if (retry)
        {
            await DisableIfFailingAsync(endpoint, now, ct);
        }

        return false;
    }

    private async Task<Endpoint?> EndpointAsync(Guid id, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"select id, workspace_id, url, enabled, secret_key_id, secret from {HookTables.Endpoints} where id = $1");
        Add(command.Parameters, id);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new Endpoint(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetBoolean(3), new SealedSecret(reader.GetString(4), reader.GetString(5)))
            : null;
    }

    /// <summary>
    /// Records an attempt. <paramref name="endpointOk"/>: true clears the endpoint's failing streak, false starts it
    /// (when not started), null leaves it (a ping says nothing about the endpoint's real traffic).
    /// </summary>
    private async Task RecordAsync(ClaimedDelivery delivery, DateTimeOffset now, string state, DateTimeOffset? next, int? status, string? body, int? duration, string? error,
        CancellationToken ct, bool? endpointOk = null)
    {
        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(Command(
            $"update {HookTables.Deliveries} set state = $2, next_attempt_at = $3, attempts = attempts + $4, retry_step = retry_step + $5, last_attempt_at = $6, " +
            "response_status = $7, response_body = $8, duration_ms = $9, error = $10 where id = $1",
            delivery.Id, state, next, duration is null ? 0 : 1, state == Pending ? 1 : 0, now, status, body, duration, error));
        if (endpointOk is { } ok)
        {
            batch.BatchCommands.Add(ok
                ? Command($"update {HookTables.Endpoints} set failing_since = null where id = $1 and failing_since is not null", delivery.EndpointId)
                : Command($"update {HookTables.Endpoints} set failing_since = $2 where id = $1 and failing_since is null", delivery.EndpointId, now));
        }

        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>An endpoint that has accepted nothing for <see cref="HooksOptions.DisableAfter"/> is disabled and its admins told.</summary>
    private async Task DisableIfFailingAsync(Endpoint endpoint, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"select failing_since from {HookTables.Endpoints} where id = $1 and enabled");
        Add(command.Parameters, endpoint.Id);
        if (await command.ExecuteScalarAsync(ct) is DateTime since && new DateTimeOffset(DateTime.SpecifyKind(since, DateTimeKind.Utc)) <= now - Options.DisableAfter)
        {
            await DisableAsync(endpoint, now, $"Every delivery failed for {Options.DisableAfter.TotalDays:0.#} days.", notify: true, ct);
        }
    }

    private async Task DisableAsync(Endpoint endpoint, DateTimeOffset now, string reason, bool notify, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            $"update {HookTables.Endpoints} set enabled = false, disabled_reason = $2 where id = $1 and enabled returning id");
        Add(command.Parameters, endpoint.Id, reason);
        // Only the sweep that disabled it (of several that may fail at once) tells the admins.
        if (await command.ExecuteScalarAsync(ct) is null)
        {
            return;
        }

        logger.LogWarning("Webhook endpoint {EndpointId} of workspace {WorkspaceId} was disabled: {Reason}", endpoint.Id, endpoint.WorkspaceId, reason);
        if (notify)
        {
            await NotifyAdminsAsync(endpoint, reason, now, ct);
        }
    }

    private async Task NotifyAdminsAsync(Endpoint endpoint, string reason, DateTimeOffset now, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        if (await session.LoadAsync<Workspace>(endpoint.WorkspaceId, ct) is not { } workspace)
        {
            return;
        }

        var admins = workspace.Members.Where(m => m.Value >= Role.Admin).Select(m => m.Key).ToArray();
        var users = await session.LoadManyAsync<User>(ct, admins);
        var host = Uri.TryCreate(endpoint.Url, UriKind.Absolute, out var uri) ? uri.Host : "the endpoint";
        await using var scope = scopes.CreateAsyncScope();
        var bus = scope.ServiceProvider.GetRequiredService<IMessageBus>();
        foreach (var user in users)
        {
            await bus.PublishAsync(new SendEmail(new EmailMessage("webhook-disabled", user.Email, $"Webhook endpoint disabled in {workspace.Name}",
                $"Hello {user.DisplayName},\n\nNexus stopped sending webhooks to an endpoint of the workspace \"{workspace.Name}\" ({host}) on {now:u}.\n" +
                $"{reason}\n\nFix the receiver, then enable the endpoint again (updateWebhookEndpoint with enabled: true); " +
                "the delivery log (workspace.webhookEndpoints.deliveries) shows what it answered.\n")));
        }
    }

    /// <summary>The first <paramref name="max"/> bytes of the body, as text; the rest is never read.</summary>
    private static async Task<string?> ReadPrefixAsync(HttpContent content, int max, CancellationToken ct)
    {
        await using var stream = await content.ReadAsStreamAsync(ct);
        var buffer = new byte[max];
        var read = 0;
        try
        {
            while (read < max && await stream.ReadAsync(buffer.AsMemory(read, max - read), ct) is var n and > 0)
            {
                read += n;
            }
        }
        catch (OutboundException) when (read > 0)
        {
            // Cut short by the deadline: what arrived is what the log shows.
        }

        if (read == 0)
        {
            return null;
        }

        var text = Encoding.UTF8.GetString(buffer, 0, read);
        // A character cut in half at the limit decodes as a replacement character: drop it.
        return read == max && text.EndsWith('\uFFFD') ? text[..^1] : text;
    }

    private static ClaimedDelivery Read(NpgsqlDataReader reader) =>
        new(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetInt32(5));

    internal static NpgsqlBatchCommand Command(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        Add(command.Parameters, values);
        return command;
    }

    internal static void Add(NpgsqlParameterCollection parameters, params object?[] values)
    {
        foreach (var value in values)
        {
            parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }
    }
}

/// <summary>Runs <see cref="HookSender.SweepOnceAsync"/> every <see cref="HooksOptions.SweepInterval"/> on every node.</summary>
public sealed class HookSweeper(HookSender sender, IOptions<HooksOptions> options, TimeProvider clock, ILogger<HookSweeper> logger)
    : PeriodicSweep(clock, logger)
{
    protected override TimeSpan Interval => options.Value.SweepInterval;

    protected override string What => "webhook";

    protected override async Task<bool> SweepOnceAsync(CancellationToken ct) => (await sender.SweepOnceAsync(ct)).Claimed >= options.Value.SweepBatch;
}
