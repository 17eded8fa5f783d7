using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alba;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;
using Nexus.Api.Features.Billing.Subscribing;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Nexus.Api.Tests.Features.Billing;

/// <summary>
/// A WireMock stand-in for the parts of Stripe's API Nexus calls (POST /v1/checkout/sessions, POST
/// /v1/billing_portal/sessions, GET /v1/subscriptions/{id}), answering Stripe's documented JSON shapes, and a sender of
/// webhook deliveries signed as Stripe signs them (<c>Stripe-Signature: t=…,v1=…</c>).
/// </summary>
public sealed class StripeFake : IDisposable
{
    public const string SecretKey = "sk_test_fake_secret_key";
    public const string WebhookSecret = "whsec_test_fake_webhook_secret";
    public const string ApiVersion = "2025-10-29.clover";

    private readonly ConcurrentDictionary<string, Guid> _subscriptionMappings = new();

    public StripeFake()
    {
        Server = WireMockServer.Start();
        Server.Given(Request.Create().WithPath("/v1/checkout/sessions").UsingPost()).RespondWith(Response.Create().WithStatusCode(200)
            .WithHeader("Content-Type", "application/json").WithBody(new JsonObject
            {
                ["id"] = "cs_test_a1b2c3",
                ["object"] = "checkout.session",
                ["mode"] = "subscription",
                ["status"] = "open",
                ["url"] = CheckoutUrl,
            }.ToJsonString()));
        Server.Given(Request.Create().WithPath("/v1/billing_portal/sessions").UsingPost()).RespondWith(Response.Create().WithStatusCode(200)
            .WithHeader("Content-Type", "application/json").WithBody(new JsonObject
            {
                ["id"] = "bps_test_1",
                ["object"] = "billing_portal.session",
                ["url"] = PortalUrl,
            }.ToJsonString()));
    }

    public const string CheckoutUrl = "https://checkout.stripe.com/c/pay/cs_test_a1b2c3";
    public const string PortalUrl = "https://billing.stripe.com/p/session/test_YWNjdF8x";

    public WireMockServer Server { get; }

    public string Url => Server.Url!;

    /// <summary>The form fields and headers of the requests made to <paramref name="path"/>.</summary>
    public IReadOnlyList<(Dictionary<string, StringValues> Form, IDictionary<string, WireMock.Types.WireMockList<string>> Headers)> Requests(string path) =>
        [.. Server.LogEntries.Where(e => e.RequestMessage!.Path == path && e.RequestMessage.Method == "POST")
            .Select(e => (QueryHelpers.ParseQuery(e.RequestMessage!.Body ?? ""), e.RequestMessage.Headers!))];

    public int Fetches(string subscriptionId) => Server.LogEntries.Count(e => e.RequestMessage!.Path == $"/v1/subscriptions/{subscriptionId}");

    /// <summary>What <c>GET /v1/subscriptions/{id}</c> answers from now on: Stripe's subscription object.</summary>
    public JsonObject SetSubscription(string id, string customer, string status, string price, Guid workspaceId, string plan = "starter",
        DateTimeOffset? periodEnd = null, DateTimeOffset? trialEnd = null, bool cancelAtPeriodEnd = false, string interval = "month")
    {
        var subscription = new JsonObject
        {
            ["id"] = id,
            ["object"] = "subscription",
            ["customer"] = customer,
            ["status"] = status,
            ["cancel_at_period_end"] = cancelAtPeriodEnd,
            ["trial_end"] = trialEnd?.ToUnixTimeSeconds(),
            ["created"] = 1_764_000_000,
            ["livemode"] = false,
            ["metadata"] = new JsonObject { ["workspaceId"] = workspaceId.ToString(), ["plan"] = plan },
            ["items"] = new JsonObject
            {
                ["object"] = "list",
                ["has_more"] = false,
                ["url"] = $"/v1/subscription_items?subscription={id}",
                ["data"] = new JsonArray(new JsonObject
                {
                    ["id"] = "si_" + id,
                    ["object"] = "subscription_item",
                    ["quantity"] = 1,
                    ["current_period_start"] = 1_764_000_000,
                    ["current_period_end"] = (periodEnd ?? new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero)).ToUnixTimeSeconds(),
                    ["price"] = new JsonObject
                    {
                        ["id"] = price,
                        ["object"] = "price",
                        ["currency"] = "eur",
                        ["unit_amount"] = 1900,
                        ["recurring"] = new JsonObject { ["interval"] = interval, ["interval_count"] = 1 },
                    },
                }),
            },
        };
        var mapping = _subscriptionMappings.GetOrAdd(id, _ => Guid.NewGuid());
        Server.Given(Request.Create().WithPath($"/v1/subscriptions/{id}").UsingGet()).WithGuid(mapping)
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(subscription.ToJsonString()));
        return subscription;
    }

    public static JsonObject CheckoutSessionCompleted(Guid workspaceId, string customer, string subscription) => new()
    {
        ["id"] = "cs_test_done_" + subscription,
        ["object"] = "checkout.session",
        ["mode"] = "subscription",
        ["status"] = "complete",
        ["payment_status"] = "paid",
        ["client_reference_id"] = workspaceId.ToString(),
        ["customer"] = customer,
        ["subscription"] = subscription,
        ["metadata"] = new JsonObject { ["workspaceId"] = workspaceId.ToString(), ["plan"] = "starter" },
    };

    public static JsonObject Invoice(string id, string subscription, Guid workspaceId, string customer, string status, long amount, DateTimeOffset created) => new()
    {
        ["id"] = id,
        ["object"] = "invoice",
        ["customer"] = customer,
        ["number"] = "NX-" + id,
        ["status"] = status,
        ["currency"] = "eur",
        ["total"] = amount,
        ["amount_due"] = amount,
        ["amount_paid"] = status == "paid" ? amount : 0,
        ["created"] = created.ToUnixTimeSeconds(),
        ["period_start"] = created.ToUnixTimeSeconds(),
        ["period_end"] = created.AddMonths(1).ToUnixTimeSeconds(),
        ["hosted_invoice_url"] = $"https://invoice.stripe.com/i/acct_1/{id}",
        ["parent"] = new JsonObject
        {
            ["type"] = "subscription_details",
            ["subscription_details"] = new JsonObject
            {
                ["subscription"] = subscription,
                ["metadata"] = new JsonObject { ["workspaceId"] = workspaceId.ToString() },
            },
        },
    };

    /// <summary>An event as Stripe sends it, with a new id unless <paramref name="id"/> is given.</summary>
    public static string Event(string type, JsonObject dataObject, DateTimeOffset created, string? id = null) => new JsonObject
    {
        ["id"] = id ?? "evt_" + Guid.NewGuid().ToString("N")[..24],
        ["object"] = "event",
        ["api_version"] = ApiVersion,
        ["created"] = created.ToUnixTimeSeconds(),
        ["livemode"] = false,
        ["pending_webhooks"] = 1,
        ["request"] = new JsonObject { ["id"] = null, ["idempotency_key"] = null },
        ["type"] = type,
        ["data"] = new JsonObject { ["object"] = JsonNode.Parse(dataObject.ToJsonString()) },
    }.ToJsonString();

    /// <summary>The header Stripe sends: <c>t=</c> the signing time, <c>v1=</c> the HMAC-SHA256 of <c>"{t}.{body}"</c>.</summary>
    public static string Signature(string body, DateTimeOffset at, string secret = WebhookSecret) =>
        Nexus.Api.Features.Webhooks.WebhookSignatures.SandboxHeader(Encoding.UTF8.GetBytes(body), secret, at);

    /// <summary>Delivers <paramref name="body"/> to <c>/webhooks/stripe</c> as Stripe would; answers the status code.</summary>
    public static async Task<int> DeliverAsync(IAlbaHost host, string body, string? signature)
    {
        using var client = host.Server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/stripe") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (signature is not null)
        {
            request.Headers.TryAddWithoutValidation("Stripe-Signature", signature);
        }

        using var response = await client.SendAsync(request);
        return (int)response.StatusCode;
    }

    public static string IdOf(string eventBody) => JsonDocument.Parse(eventBody).RootElement.GetProperty("id").GetString()!;

    public void Dispose() => Server.Stop();
}
