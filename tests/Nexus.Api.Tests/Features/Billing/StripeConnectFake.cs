using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using WireMock;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Nexus.Api.Tests.Features.Billing;

/// <summary>
/// Stripe Connect, as the marketplace uses it: POST /v1/accounts (an Express account, payouts disabled until
/// onboarding), GET /v1/accounts/{id}, POST /v1/account_links (single-use onboarding page) and POST /v1/transfers (to a
/// connected account; refused as Stripe refuses a destination that cannot receive transfers yet). Idempotency keys
/// answer the first answer again, as for sessions and refunds.
/// </summary>
public sealed partial class StripeFake
{
    private readonly Dictionary<string, JsonObject> _accounts = [];
    private readonly List<JsonObject> _transfers = [];

    /// <summary>The transfers made so far (copies), oldest first.</summary>
    public IReadOnlyList<JsonObject> Transfers
    {
        get
        {
            lock (_gate)
            {
                return [.. _transfers.Select(Copy)];
            }
        }
    }

    /// <summary>The creator finished Stripe's onboarding: the account can receive payouts. Answers the account, for <c>account.updated</c>.</summary>
    public JsonObject CompleteOnboarding(string accountId)
    {
        lock (_gate)
        {
            var account = _accounts[accountId];
            account["details_submitted"] = true;
            account["payouts_enabled"] = true;
            account["charges_enabled"] = true;
            account["capabilities"] = new JsonObject { ["transfers"] = "active" };
            return Copy(account);
        }
    }

    private void MapConnect()
    {
        Server.Given(Request.Create().WithPath("/v1/accounts").UsingPost()).RespondWith(Response.Create().WithCallback(CreateAccount));
        Server.Given(Request.Create().WithPath(new RegexMatcher("^/v1/accounts/acct_[A-Za-z0-9_]+$")).UsingGet()).RespondWith(Response.Create().WithCallback(GetAccount));
        Server.Given(Request.Create().WithPath("/v1/account_links").UsingPost()).RespondWith(Response.Create().WithCallback(CreateAccountLink));
        Server.Given(Request.Create().WithPath("/v1/transfers").UsingPost()).RespondWith(Response.Create().WithCallback(CreateTransfer));
    }

    private ResponseMessage CreateAccount(IRequestMessage request)
    {
        var form = QueryHelpers.ParseQuery(request.Body ?? "");
        lock (_gate)
        {
            if (Replayed(request) is { } replay)
            {
                return Json(200, Copy(_accounts[replay]));
            }

            var id = $"acct_test{Interlocked.Increment(ref _sequence):D6}";
            var account = new JsonObject
            {
                ["id"] = id,
                ["object"] = "account",
                ["type"] = form["type"].ToString(),
                ["country"] = form.TryGetValue("country", out var country) ? country.ToString() : "US",
                ["email"] = form.TryGetValue("email", out var email) ? email.ToString() : null,
                ["details_submitted"] = false,
                ["payouts_enabled"] = false,
                ["charges_enabled"] = false,
                ["capabilities"] = new JsonObject { ["transfers"] = "inactive" },
                ["metadata"] = MetadataOf(form),
                ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            };
            _accounts[id] = account;
            Remember(request, id);
            return Json(200, Copy(account));
        }
    }

    private ResponseMessage GetAccount(IRequestMessage request)
    {
        lock (_gate)
        {
            return _accounts.TryGetValue(request.Path.Split('/')[^1], out var account) ? Json(200, Copy(account)) : Missing("account");
        }
    }

    private ResponseMessage CreateAccountLink(IRequestMessage request)
    {
        var form = QueryHelpers.ParseQuery(request.Body ?? "");
        lock (_gate)
        {
            var account = form["account"].ToString();
            if (!_accounts.ContainsKey(account))
            {
                return Error(400, "invalid_request_error", "resource_missing", $"No such account: '{account}'");
            }

            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            return Json(200, new JsonObject
            {
                ["object"] = "account_link",
                ["created"] = now,
                ["expires_at"] = now + 300,
                ["url"] = $"https://connect.stripe.com/setup/e/{account}/{Guid.NewGuid():N}",
            });
        }
    }

    private ResponseMessage CreateTransfer(IRequestMessage request)
    {
        var form = QueryHelpers.ParseQuery(request.Body ?? "");
        lock (_gate)
        {
            if (Replayed(request) is { } replay)
            {
                return Json(200, Copy(_transfers.Single(t => (string?)t["id"] == replay)));
            }

            var destination = form["destination"].ToString();
            if (!_accounts.TryGetValue(destination, out var account))
            {
                return Error(400, "invalid_request_error", "resource_missing", $"No such destination: '{destination}'");
            }

            if ((string?)account["capabilities"]?["transfers"] != "active")
            {
                return Error(400, "invalid_request_error", "insufficient_capabilities_for_transfer",
                    "Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments");
            }

            var transfer = new JsonObject
            {
                ["id"] = $"tr_test{Interlocked.Increment(ref _sequence):D6}",
                ["object"] = "transfer",
                ["amount"] = long.Parse(form["amount"]!, CultureInfo.InvariantCulture),
                ["currency"] = form["currency"].ToString(),
                ["destination"] = destination,
                ["transfer_group"] = form.TryGetValue("transfer_group", out var group) ? group.ToString() : null,
                ["metadata"] = MetadataOf(form),
                ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                ["reversed"] = false,
            };
            _transfers.Add(transfer);
            Remember(request, (string)transfer["id"]!);
            return Json(200, Copy(transfer));
        }
    }
}
