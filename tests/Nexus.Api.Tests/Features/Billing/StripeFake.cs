using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alba;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;
using Nexus.Api.Features.Billing.Subscribing;
using WireMock;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Nexus.Api.Tests.Features.Billing;

/// <summary>
/// A WireMock stand-in for the parts of Stripe's API Nexus calls (POST /v1/checkout/sessions, GET and POST …/expire of
/// a session, POST /v1/billing_portal/sessions, GET /v1/subscriptions/{id}, POST and GET /v1/refunds), answering Stripe's
/// documented JSON shapes and errors, and a sender of webhook deliveries signed as Stripe signs them
/// (<c>Stripe-Signature: t=…,v1=…</c>). Payment-mode sessions and refunds are kept as Stripe keeps them: a POST with an
/// <c>Idempotency-Key</c> already seen answers the first answer again and creates nothing.
/// </summary>
public sealed partial class StripeFake : IDisposable
{
    public const string SecretKey = "sk_test_fake_secret_key";
    public const string WebhookSecret = "whsec_test_fake_webhook_secret";
    public const string ApiVersion = "2025-10-29.clover";

    private readonly ConcurrentDictionary<string, Guid> _subscriptionMappings = new();

    public StripeFake()
    {
        Server = WireMockServer.Start();
        Server.Given(Request.Create().WithPath("/v1/checkout/sessions").UsingPost()).RespondWith(Response.Create().WithCallback(CreateSession));
        Server.Given(Request.Create().WithPath(new RegexMatcher("^/v1/checkout/sessions/cs_[A-Za-z0-9_]+$")).UsingGet()).RespondWith(Response.Create().WithCallback(GetSession));
        Server.Given(Request.Create().WithPath(new RegexMatcher("^/v1/checkout/sessions/cs_[A-Za-z0-9_]+/expire$")).UsingPost()).RespondWith(Response.Create().WithCallback(ExpireSession));
        Server.Given(Request.Create().WithPath("/v1/refunds").UsingPost()).RespondWith(Response.Create().WithCallback(CreateRefund));
        Server.Given(Request.Create().WithPath("/v1/refunds").UsingGet()).RespondWith(Response.Create().WithCallback(ListRefunds));
        Server.Given(Request.Create().WithPath("/v1/billing_portal/sessions").UsingPost()).RespondWith(Response.Create().WithStatusCode(200)
            .WithHeader("Content-Type", "application/json").WithBody(new JsonObject
            {
                ["id"] = "bps_test_1",
                ["object"] = "billing_portal.session",
                ["url"] = PortalUrl,
            }.ToJsonString()));
        MapConnect();
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

    /// <summary>Delivers <paramref name="body"/> to <c>/billing/stripe/webhook</c> as Stripe would; answers the status code.</summary>
    public static async Task<int> DeliverAsync(IAlbaHost host, string body, string? signature)
    {
        using var client = host.Server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/billing/stripe/webhook") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (signature is not null)
        {
            request.Headers.TryAddWithoutValidation("Stripe-Signature", signature);
        }

        using var response = await client.SendAsync(request);
        return (int)response.StatusCode;
    }

    public static string IdOf(string eventBody) => JsonDocument.Parse(eventBody).RootElement.GetProperty("id").GetString()!;

    private readonly object _gate = new();
    private readonly Dictionary<string, JsonObject> _sessions = [];
    private readonly List<JsonObject> _refunds = [];
    private readonly Dictionary<string, string> _idempotent = [];
    private int _sequence;

    /// <summary>While true, Stripe refuses to create payment-mode sessions (as it does a currency the account cannot charge in).</summary>
    public bool FailCheckouts { get; set; }

    /// <summary>The payment-mode sessions created so far (copies), oldest first.</summary>
    public IReadOnlyList<JsonObject> PaymentSessions
    {
        get
        {
            lock (_gate)
            {
                return [.. _sessions.Values.Select(Copy).OrderBy(o => (long)o["created"]!).ThenBy(o => (string)o["id"]!, StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>The session as Stripe has it now (a copy).</summary>
    public JsonObject Session(string id)
    {
        lock (_gate)
        {
            return Copy(_sessions[id]);
        }
    }

    /// <summary>The buyer paid on Checkout's page: the session completes and its PaymentIntent succeeds. Answers the session, for the event.</summary>
    public JsonObject Pay(string sessionId, string email = "buyer@example.com", string name = "Bea Buyer", bool processing = false)
    {
        lock (_gate)
        {
            var session = _sessions[sessionId];
            session["status"] = "complete";
            session["payment_status"] = processing ? "unpaid" : "paid";
            session["payment_intent"] = "pi_" + sessionId[3..];
            session["customer_details"] = new JsonObject { ["email"] = email, ["name"] = name };
            return Copy(session);
        }
    }

    /// <summary>The session reached its <c>expires_at</c> on Stripe's side. Answers the session, for the event.</summary>
    public JsonObject ExpireNow(string sessionId)
    {
        lock (_gate)
        {
            var session = _sessions[sessionId];
            session["status"] = "expired";
            return Copy(session);
        }
    }

    /// <summary>A refund made on Stripe's dashboard (not through Nexus). Answers the charge, as in <c>charge.refunded</c>.</summary>
    public JsonObject RefundOnDashboard(string paymentIntent, long amount)
    {
        lock (_gate)
        {
            _refunds.Add(Refund(paymentIntent, amount, currency: "eur"));
            return new JsonObject
            {
                ["id"] = "ch_" + paymentIntent[3..],
                ["object"] = "charge",
                ["payment_intent"] = paymentIntent,
                ["amount_refunded"] = _refunds.Where(r => (string?)r["payment_intent"] == paymentIntent).Sum(r => (long)r["amount"]!),
                ["refunded"] = true,
            };
        }
    }

    private ResponseMessage CreateSession(IRequestMessage request)
    {
        var form = QueryHelpers.ParseQuery(request.Body ?? "");
        if (form["mode"] != "payment")
        {
            return Json(200, new JsonObject
            {
                ["id"] = "cs_test_a1b2c3",
                ["object"] = "checkout.session",
                ["mode"] = "subscription",
                ["status"] = "open",
                ["url"] = CheckoutUrl,
            });
        }

        if (FailCheckouts)
        {
            return Error(400, "invalid_request_error", "currency_not_supported", "The currency provided is not supported by this account.");
        }

        lock (_gate)
        {
            if (Replayed(request) is { } replay)
            {
                return Json(200, Copy(_sessions[replay]));
            }

            var id = $"cs_test_{Interlocked.Increment(ref _sequence):D6}{Guid.NewGuid():N}"[..40];
            // As Stripe does: the session's amount is every line item's quantity × unit amount, added up.
            long amount = 0;
            var lineItems = new JsonArray();
            for (var i = 0; form.ContainsKey($"line_items[{i}][quantity]"); i++)
            {
                var quantity = long.Parse(form[$"line_items[{i}][quantity]"]!, CultureInfo.InvariantCulture);
                var unit = long.Parse(form[$"line_items[{i}][price_data][unit_amount]"]!, CultureInfo.InvariantCulture);
                amount += quantity * unit;
                lineItems.Add(new JsonObject { ["quantity"] = quantity, ["unit_amount"] = unit, ["name"] = form[$"line_items[{i}][price_data][product_data][name]"].ToString() });
            }

            var session = new JsonObject
            {
                ["id"] = id,
                ["object"] = "checkout.session",
                ["mode"] = "payment",
                ["status"] = "open",
                ["payment_status"] = "unpaid",
                ["amount_subtotal"] = amount,
                ["amount_total"] = amount,
                // Not in Stripe's session object (it is a separate list there): kept here so tests can see what was sent.
                ["nexus_line_items"] = lineItems,
                ["currency"] = form["line_items[0][price_data][currency]"].ToString(),
                ["client_reference_id"] = form["client_reference_id"].ToString(),
                ["customer_email"] = form.TryGetValue("customer_email", out var email) ? email.ToString() : null,
                ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                ["expires_at"] = long.Parse(form["expires_at"]!, CultureInfo.InvariantCulture),
                ["livemode"] = false,
                ["metadata"] = MetadataOf(form),
                ["payment_intent"] = null,
                ["success_url"] = form["success_url"].ToString(),
                ["cancel_url"] = form["cancel_url"].ToString(),
                ["url"] = $"https://checkout.stripe.com/c/pay/{id}",
            };
            _sessions[id] = session;
            Remember(request, id);
            return Json(200, Copy(session));
        }
    }

    private ResponseMessage GetSession(IRequestMessage request)
    {
        lock (_gate)
        {
            return _sessions.TryGetValue(request.Path.Split('/')[^1], out var session) ? Json(200, Copy(session)) : Missing("checkout.session");
        }
    }

    private ResponseMessage ExpireSession(IRequestMessage request)
    {
        lock (_gate)
        {
            if (!_sessions.TryGetValue(request.Path.Split('/')[^2], out var session))
            {
                return Missing("checkout.session");
            }

            if ((string?)session["status"] != "open")
            {
                return Error(400, "invalid_request_error", null, "Only Checkout Sessions with a status in [\"open\"] can be expired.");
            }

            session["status"] = "expired";
            return Json(200, Copy(session));
        }
    }

    private ResponseMessage CreateRefund(IRequestMessage request)
    {
        var form = QueryHelpers.ParseQuery(request.Body ?? "");
        lock (_gate)
        {
            if (Replayed(request) is { } replay)
            {
                return Json(200, Copy(_refunds.Single(r => (string?)r["id"] == replay)));
            }

            var paymentIntent = form["payment_intent"].ToString();
            var paid = _sessions.Values.FirstOrDefault(s => (string?)s["payment_intent"] == paymentIntent && (string?)s["payment_status"] == "paid");
            if (paid is null)
            {
                return Error(404, "invalid_request_error", "resource_missing", $"No such payment_intent: '{paymentIntent}'");
            }

            var left = (long)paid["amount_total"]! - _refunds.Where(r => (string?)r["payment_intent"] == paymentIntent).Sum(r => (long)r["amount"]!);
            var amount = form.TryGetValue("amount", out var asked) ? long.Parse(asked!, CultureInfo.InvariantCulture) : left;
            if (left <= 0)
            {
                return Error(400, "invalid_request_error", "charge_already_refunded", "Charge has already been refunded.");
            }

            if (amount > left)
            {
                return Error(400, "invalid_request_error", "amount_too_large", $"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})");
            }

            var refund = Refund(paymentIntent, amount, (string)paid["currency"]!);
            _refunds.Add(refund);
            Remember(request, (string)refund["id"]!);
            return Json(200, Copy(refund));
        }
    }

    private ResponseMessage ListRefunds(IRequestMessage request)
    {
        var paymentIntent = request.Query?.TryGetValue("payment_intent", out var values) == true ? values.FirstOrDefault() : null;
        lock (_gate)
        {
            return Json(200, new JsonObject
            {
                ["object"] = "list",
                ["url"] = "/v1/refunds",
                ["has_more"] = false,
                ["data"] = new JsonArray([.. _refunds.Where(r => paymentIntent is null || (string?)r["payment_intent"] == paymentIntent).OrderByDescending(r => (long)r["created"]!).Select(Copy)]),
            });
        }
    }

    private JsonObject Refund(string paymentIntent, long amount, string currency) => new()
    {
        ["id"] = $"re_test_{Interlocked.Increment(ref _sequence):D6}",
        ["object"] = "refund",
        ["amount"] = amount,
        ["currency"] = currency,
        ["payment_intent"] = paymentIntent,
        ["status"] = "succeeded",
        ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + _sequence,
        ["metadata"] = new JsonObject(),
    };

    private string? Replayed(IRequestMessage request) =>
        request.Headers?.TryGetValue("Idempotency-Key", out var key) == true && _idempotent.TryGetValue(key.ToString(), out var id) ? id : null;

    private void Remember(IRequestMessage request, string id)
    {
        if (request.Headers?.TryGetValue("Idempotency-Key", out var key) == true)
        {
            _idempotent[key.ToString()] = id;
        }
    }

    /// <summary>The <c>metadata[key]=value</c> fields of a form-encoded Stripe request, as Stripe stores them.</summary>
    private static JsonObject MetadataOf(Dictionary<string, StringValues> form)
    {
        var metadata = new JsonObject();
        foreach (var (key, value) in form.Where(f => f.Key.StartsWith("metadata[", StringComparison.Ordinal)))
        {
            metadata[key["metadata[".Length..^1]] = value.ToString();
        }

        return metadata;
    }

    private static JsonObject Copy(JsonObject value) => (JsonObject)JsonNode.Parse(value.ToJsonString())!;

    private static ResponseMessage Missing(string what) => Error(404, "invalid_request_error", "resource_missing", $"No such {what}");

    private static ResponseMessage Error(int status, string type, string? code, string message) =>
        Json(status, new JsonObject { ["error"] = new JsonObject { ["type"] = type, ["code"] = code, ["message"] = message } });

    private static ResponseMessage Json(int status, JsonObject body) => new()
    {
        StatusCode = status,
        Headers = new Dictionary<string, WireMock.Types.WireMockList<string>> { ["Content-Type"] = new("application/json") },
        BodyData = new WireMock.Util.BodyData { BodyAsString = body.ToJsonString(), DetectedBodyType = WireMock.Types.BodyType.String },
    };

    public void Dispose() => Server.Stop();
}
