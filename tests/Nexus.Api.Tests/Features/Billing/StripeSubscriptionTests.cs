using System.Text.Json.Nodes;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Billing;
using Nexus.Api.Features.Billing.Subscribing;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Infrastructure.Email;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Billing;

/// <summary>Checkout, the portal, and the subscription's states driven by signed Stripe webhooks against the Stripe fake.</summary>
[Collection(StripeCollection.Name)]
public sealed class StripeSubscriptionTests(StripeFixture api)
{
    private const string CheckoutSelection = "url";

    private sealed record Team(Person Owner, string GlobalId, Guid Id);

    private async Task<Team> TeamAsync()
    {
        var owner = await api.Host.PersonAsync("Owner");
        var ws = await api.Host.CreateWorkspaceAsync(owner);
        Assert.True(GlobalId.TryParse(ws, WorkspaceType.TypeName, out var id));
        return new Team(owner, ws, id);
    }

    private async Task<Workspace> WorkspaceAsync(Guid workspaceId)
    {
        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return (await session.LoadAsync<Workspace>(workspaceId))!;
    }

    private async Task<WorkspaceSubscription?> SubscriptionAsync(Guid workspaceId) => (await WorkspaceAsync(workspaceId)).Subscription;

    private async Task<int> ChangesAsync(Guid workspaceId)
    {
        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return (await session.Events.FetchStreamAsync(workspaceId)).Count(e => e.Data is WorkspaceSubscriptionChanged);
    }

    private async Task<StripeEventRecord?> RecordAsync(string eventId)
    {
        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return await session.LoadAsync<StripeEventRecord>(eventId);
    }

    /// <summary>Delivers a signed event and waits until its effects are committed.</summary>
    private async Task<string> DeliverAsync(string type, JsonObject dataObject, string? id = null)
    {
        var body = StripeFake.Event(type, dataObject, api.Clock.GetUtcNow(), id);
        Assert.Equal(200, await StripeFake.DeliverAsync(api.Host, body, StripeFake.Signature(body, api.Clock.GetUtcNow())));
        var eventId = StripeFake.IdOf(body);
        await Eventually.TrueAsync(async () => (await RecordAsync(eventId))?.ProcessedAt is not null, $"Stripe event {eventId} was not processed");
        return eventId;
    }

    private async Task<JsonObject> CheckoutAsync(Team team, string plan = "starter", string interval = "MONTH")
    {
        var payload = await api.Host.MutateAsync(team.Owner, "startCheckout", "StartCheckoutInput", new { workspaceId = team.GlobalId, plan, interval }, CheckoutSelection);
        return new JsonObject { ["url"] = payload.GetProperty("url").GetString(), ["errors"] = JsonNode.Parse(payload.GetProperty("errors").GetRawText()) };
    }

    [Fact]
    public async Task Checkout_answers_the_session_url_and_sends_the_plan_price_the_workspace_and_the_trial_with_an_idempotency_key()
    {
        var team = await TeamAsync();
        var before = api.Stripe.Requests("/v1/checkout/sessions").Count;

        var payload = await CheckoutAsync(team);

        Assert.Equal(StripeFake.CheckoutUrl, payload["url"]!.GetValue<string>());
        var (form, headers) = api.Stripe.Requests("/v1/checkout/sessions")[before];
        Assert.Equal("subscription", form["mode"]);
        Assert.Equal(StripeFixture.StarterMonth, form["line_items[0][price]"]);
        Assert.Equal("1", form["line_items[0][quantity]"]);
        Assert.Equal(team.Id.ToString(), form["client_reference_id"]);
        Assert.Equal(team.Id.ToString(), form["metadata[workspaceId]"]);
        Assert.Equal("starter", form["metadata[plan]"]);
        Assert.Equal(team.Id.ToString(), form["subscription_data[metadata][workspaceId]"]);
        Assert.Equal("14", form["subscription_data[trial_period_days]"]);
        Assert.False(form.ContainsKey("customer"));
        Assert.StartsWith("http", form["success_url"].ToString());
        Assert.False(string.IsNullOrEmpty(headers.First(h => h.Key.Equals("Idempotency-Key", StringComparison.OrdinalIgnoreCase)).Value.ToString()));
        Assert.Contains(headers, h => h.Key.Equals("Authorization", StringComparison.OrdinalIgnoreCase) && h.Value.ToString()!.Contains(StripeFake.SecretKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Checkout_refuses_an_unknown_plan_and_a_plan_without_a_price_with_typed_errors()
    {
        var team = await TeamAsync();

        var unknown = await api.Host.MutateAsync(team.Owner, "startCheckout", "StartCheckoutInput", new { workspaceId = team.GlobalId, plan = "platinum", interval = "MONTH" }, CheckoutSelection);
        var free = await api.Host.MutateAsync(team.Owner, "startCheckout", "StartCheckoutInput", new { workspaceId = team.GlobalId, plan = "free", interval = "MONTH" }, CheckoutSelection);
        var noYear = await api.Host.MutateAsync(team.Owner, "startCheckout", "StartCheckoutInput", new { workspaceId = team.GlobalId, plan = "starter", interval = "YEAR" }, CheckoutSelection);
        var portal = await api.Host.MutateAsync(team.Owner, "openBillingPortal", "OpenBillingPortalInput", new { workspaceId = team.GlobalId }, "url");

        Assert.Equal(["UNKNOWN_PLAN"], WorkspaceScenarios.ErrorCodesOf(unknown));
        Assert.Equal(["PLAN_NOT_PURCHASABLE"], WorkspaceScenarios.ErrorCodesOf(free));
        Assert.Equal(["PLAN_NOT_PURCHASABLE"], WorkspaceScenarios.ErrorCodesOf(noYear));
        Assert.Equal(["NO_BILLING_CUSTOMER"], WorkspaceScenarios.ErrorCodesOf(portal));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, unknown.GetProperty("url").ValueKind);
    }

    [Fact]
    public async Task Signed_webhooks_take_the_subscription_from_trialing_to_active_to_past_due_with_emails_then_canceled()
    {
        var team = await TeamAsync();
        var (sub, cus) = ("sub_" + team.Id.ToString("N")[..12], "cus_" + team.Id.ToString("N")[..12]);
        var trialEnd = api.Clock.GetUtcNow().AddDays(14);
        api.Stripe.SetSubscription(sub, cus, "trialing", StripeFixture.StarterMonth, team.Id, trialEnd: trialEnd);

        await DeliverAsync("checkout.session.completed", StripeFake.CheckoutSessionCompleted(team.Id, cus, sub));
        var trialing = await SubscriptionAsync(team.Id);
        Assert.Equal((SubscriptionStatus.Trialing, "starter", BillingInterval.Month, cus, sub), (trialing!.Status, trialing.Plan, trialing.Interval, trialing.StripeCustomerId, trialing.StripeSubscriptionId));
        Assert.Equal(trialEnd.ToUnixTimeSeconds(), trialing.TrialEnd!.Value.ToUnixTimeSeconds());

        // A second checkout reuses the customer and gets no trial.
        await CheckoutAsync(team);
        var (again, _) = api.Stripe.Requests("/v1/checkout/sessions")[^1];
        Assert.Equal(cus, again["customer"]);
        Assert.False(again.ContainsKey("subscription_data[trial_period_days]"));

        var active = api.Stripe.SetSubscription(sub, cus, "active", StripeFixture.StarterMonth, team.Id);
        await DeliverAsync("customer.subscription.updated", active);
        Assert.Equal(SubscriptionStatus.Active, (await SubscriptionAsync(team.Id))!.Status);

        api.Stripe.SetSubscription(sub, cus, "past_due", StripeFixture.StarterMonth, team.Id);
        await DeliverAsync("invoice.payment_failed", StripeFake.Invoice("in_fail_" + sub, sub, team.Id, cus, "open", 1900, api.Clock.GetUtcNow()));
        var pastDue = (await SubscriptionAsync(team.Id))!;
        Assert.Equal(SubscriptionStatus.PastDue, pastDue.Status);
        var billing = api.Host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<BillingOptions>>().Value;
        var workspace = await WorkspaceAsync(team.Id);
        Assert.Equal("starter", billing.EffectivePlan(workspace, pastDue.StatusSince.AddDays(6)));
        Assert.Equal("free", billing.EffectivePlan(workspace, pastDue.StatusSince.AddDays(8)));
        var mail = api.Host.Services.GetRequiredService<MailDrop>();
        await Eventually.TrueAsync(() => mail.For(team.Owner.Email).Any(m => m.Kind == "subscription-past-due"), "the owner was not told of the failed payment");

        // Stripe's retry of the failure tells no one again.
        await DeliverAsync("customer.subscription.updated", api.Stripe.SetSubscription(sub, cus, "past_due", StripeFixture.StarterMonth, team.Id));
        await Task.Delay(300);
        Assert.Single(mail.For(team.Owner.Email), m => m.Kind == "subscription-past-due");

        var canceled = api.Stripe.SetSubscription(sub, cus, "canceled", StripeFixture.StarterMonth, team.Id);
        await DeliverAsync("customer.subscription.deleted", canceled);
        Assert.Equal(SubscriptionStatus.Canceled, (await SubscriptionAsync(team.Id))!.Status);
        Assert.Equal(4, await ChangesAsync(team.Id));
    }

    [Fact]
    public async Task A_subscription_that_stays_unpaid_is_recorded_unpaid_and_the_portal_opens_for_its_customer()
    {
        var team = await TeamAsync();
        var (sub, cus) = ("sub_u" + team.Id.ToString("N")[..12], "cus_u" + team.Id.ToString("N")[..12]);
        await DeliverAsync("customer.subscription.created", api.Stripe.SetSubscription(sub, cus, "active", StripeFixture.ProfessionalYear, team.Id, plan: "professional", interval: "year"));
        var active = (await SubscriptionAsync(team.Id))!;
        Assert.Equal(("professional", BillingInterval.Year), (active.Plan, active.Interval));

        await DeliverAsync("customer.subscription.updated", api.Stripe.SetSubscription(sub, cus, "unpaid", StripeFixture.ProfessionalYear, team.Id, plan: "professional", interval: "year"));
        Assert.Equal(SubscriptionStatus.Unpaid, (await SubscriptionAsync(team.Id))!.Status);

        var portal = await api.Host.MutateAsync(team.Owner, "openBillingPortal", "OpenBillingPortalInput", new { workspaceId = team.GlobalId }, "url");
        Assert.Equal(StripeFake.PortalUrl, portal.GetProperty("url").GetString());
        var (form, headers) = api.Stripe.Requests("/v1/billing_portal/sessions")[^1];
        Assert.Equal(cus, form["customer"]);
        Assert.Contains(headers, h => h.Key.Equals("Idempotency-Key", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task A_bad_signature_a_wrong_secret_and_a_stale_timestamp_are_refused_400_and_nothing_is_stored()
    {
        var team = await TeamAsync();
        var now = api.Clock.GetUtcNow();
        var body = StripeFake.Event("customer.subscription.updated", api.Stripe.SetSubscription("sub_bad", "cus_bad", "active", StripeFixture.StarterMonth, team.Id), now);

        Assert.Equal(400, await StripeFake.DeliverAsync(api.Host, body, null));
        Assert.Equal(400, await StripeFake.DeliverAsync(api.Host, body, StripeFake.Signature(body, now, "whsec_someone_else")));
        Assert.Equal(400, await StripeFake.DeliverAsync(api.Host, body + " ", StripeFake.Signature(body, now)));
        Assert.Equal(400, await StripeFake.DeliverAsync(api.Host, body, StripeFake.Signature(body, now.AddMinutes(-6))));
        Assert.Equal(400, await StripeFake.DeliverAsync(api.Host, body, "t=abc,v1=zz"));
        Assert.Null(await RecordAsync(StripeFake.IdOf(body)));

        // Within the tolerance, and with a second (rolled) v1 beside a wrong one, it is accepted.
        var signed = StripeFake.Signature(body, now.AddMinutes(-4));
        Assert.Equal(200, await StripeFake.DeliverAsync(api.Host, body, signed.Replace(",v1=", ",v1=" + new string('0', 64) + ",v1=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_replayed_event_is_processed_once()
    {
        var team = await TeamAsync();
        var (sub, cus) = ("sub_r" + team.Id.ToString("N")[..12], "cus_r" + team.Id.ToString("N")[..12]);
        var body = StripeFake.Event("customer.subscription.created", api.Stripe.SetSubscription(sub, cus, "active", StripeFixture.StarterMonth, team.Id), api.Clock.GetUtcNow());
        var signature = StripeFake.Signature(body, api.Clock.GetUtcNow());

        var answers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => StripeFake.DeliverAsync(api.Host, body, signature)));
        Assert.All(answers, a => Assert.Equal(200, a));
        await Eventually.TrueAsync(async () => (await RecordAsync(StripeFake.IdOf(body)))?.ProcessedAt is not null, "not processed");
        Assert.Equal(200, await StripeFake.DeliverAsync(api.Host, body, signature));
        await Task.Delay(500);

        Assert.Equal(1, api.Stripe.Fetches(sub));
        Assert.Equal(1, await ChangesAsync(team.Id));
    }

    [Fact]
    public async Task Events_out_of_order_leave_the_state_Stripe_has_now()
    {
        var team = await TeamAsync();
        var (sub, cus) = ("sub_o" + team.Id.ToString("N")[..12], "cus_o" + team.Id.ToString("N")[..12]);
        var created = api.Stripe.SetSubscription(sub, cus, "incomplete", StripeFixture.StarterMonth, team.Id);
        var createdPayload = (JsonObject)created.DeepClone();
        var active = api.Stripe.SetSubscription(sub, cus, "active", StripeFixture.StarterMonth, team.Id);

        // The update (active) arrives first, then the older creation (incomplete), then a paid invoice.
        await DeliverAsync("customer.subscription.updated", active);
        await DeliverAsync("customer.subscription.created", createdPayload);
        await DeliverAsync("invoice.paid", StripeFake.Invoice("in_o" + sub, sub, team.Id, cus, "paid", 1900, api.Clock.GetUtcNow()));

        Assert.Equal(SubscriptionStatus.Active, (await SubscriptionAsync(team.Id))!.Status);
        Assert.Equal(1, await ChangesAsync(team.Id));

        // A former subscription's late cancellation does not end the current one.
        api.Stripe.SetSubscription("sub_old" + sub, cus, "canceled", StripeFixture.StarterMonth, team.Id);
        await DeliverAsync("customer.subscription.deleted", api.Stripe.SetSubscription("sub_old" + sub, cus, "canceled", StripeFixture.StarterMonth, team.Id));
        Assert.Equal((SubscriptionStatus.Active, sub), ((await SubscriptionAsync(team.Id))!.Status, (await SubscriptionAsync(team.Id))!.StripeSubscriptionId));
    }

    [Fact]
    public async Task A_past_due_subscription_recovers_to_active_when_paid_and_one_left_unpaid_then_canceled_puts_the_workspace_on_the_free_plan()
    {
        var team = await TeamAsync();
        var (sub, cus) = ("sub_p" + team.Id.ToString("N")[..12], "cus_p" + team.Id.ToString("N")[..12]);
        var mail = api.Host.Services.GetRequiredService<MailDrop>();
        await DeliverAsync("customer.subscription.created", api.Stripe.SetSubscription(sub, cus, "active", StripeFixture.StarterMonth, team.Id));
        Assert.Equal(("starter", "ACTIVE"), await PlanAsync(team));

        api.Stripe.SetSubscription(sub, cus, "past_due", StripeFixture.StarterMonth, team.Id);
        await DeliverAsync("invoice.payment_failed", StripeFake.Invoice("in_p1" + sub, sub, team.Id, cus, "open", 1900, api.Clock.GetUtcNow()));
        Assert.Equal(("starter", "PAST_DUE"), await PlanAsync(team));
        await Eventually.TrueAsync(() => mail.For(team.Owner.Email).Count(m => m.Kind == "subscription-past-due") == 1, "the owner was not told of the failed payment");

        // past_due → active: Stripe's retry of the charge succeeded.
        api.Stripe.SetSubscription(sub, cus, "active", StripeFixture.StarterMonth, team.Id);
        await DeliverAsync("invoice.paid", StripeFake.Invoice("in_p1" + sub, sub, team.Id, cus, "paid", 1900, api.Clock.GetUtcNow()));
        Assert.Equal(("starter", "ACTIVE"), await PlanAsync(team));

        // A second failure is a new past-due period: one more email, and past_due → unpaid when Stripe gives up.
        api.Stripe.SetSubscription(sub, cus, "past_due", StripeFixture.StarterMonth, team.Id);
        await DeliverAsync("invoice.payment_failed", StripeFake.Invoice("in_p2" + sub, sub, team.Id, cus, "open", 1900, api.Clock.GetUtcNow()));
        await Eventually.TrueAsync(() => mail.For(team.Owner.Email).Count(m => m.Kind == "subscription-past-due") == 2, "the second failure told no one");
        await DeliverAsync("customer.subscription.updated", api.Stripe.SetSubscription(sub, cus, "unpaid", StripeFixture.StarterMonth, team.Id));
        Assert.Equal(("free", "UNPAID"), await PlanAsync(team));

        // → canceled: the subscription is gone and the workspace is on the free plan, its limits with it.
        await DeliverAsync("customer.subscription.deleted", api.Stripe.SetSubscription(sub, cus, "canceled", StripeFixture.StarterMonth, team.Id));
        Assert.Equal(("free", "CANCELED"), await PlanAsync(team));
        Assert.Equal(
            [SubscriptionStatus.Active, SubscriptionStatus.PastDue, SubscriptionStatus.Active, SubscriptionStatus.PastDue, SubscriptionStatus.Unpaid, SubscriptionStatus.Canceled],
            (await ChangeListAsync(team.Id)).Select(c => c.Status));
        await Task.Delay(300);
        Assert.Equal(2, mail.For(team.Owner.Email).Count(m => m.Kind == "subscription-past-due"));
    }

    [Fact]
    public async Task A_signature_timed_beyond_the_tolerance_in_the_future_or_past_is_refused_and_a_fresh_replay_changes_nothing()
    {
        var team = await TeamAsync();
        var now = api.Clock.GetUtcNow();
        var (sub, cus) = ("sub_f" + team.Id.ToString("N")[..12], "cus_f" + team.Id.ToString("N")[..12]);
        var body = StripeFake.Event("customer.subscription.created", api.Stripe.SetSubscription(sub, cus, "active", StripeFixture.StarterMonth, team.Id), now);

        Assert.Equal(400, await StripeFake.DeliverAsync(api.Host, body, StripeFake.Signature(body, now.AddMinutes(6))));
        Assert.Null(await RecordAsync(StripeFake.IdOf(body)));

        // Accepted once; the same delivery captured and resent later, its signature now older than the tolerance, is
        // refused; resent freshly signed (as Stripe retries) it is a replay: 200 and no second effect.
        Assert.Equal(200, await StripeFake.DeliverAsync(api.Host, body, StripeFake.Signature(body, now)));
        await Eventually.TrueAsync(async () => (await RecordAsync(StripeFake.IdOf(body)))?.ProcessedAt is not null, "not processed");
        Assert.Equal(400, await StripeFake.DeliverAsync(api.Host, body, StripeFake.Signature(body, now.AddMinutes(-5).AddSeconds(-1))));
        Assert.Equal(200, await StripeFake.DeliverAsync(api.Host, body, StripeFake.Signature(body, api.Clock.GetUtcNow())));
        await Task.Delay(300);
        Assert.Equal(1, await ChangesAsync(team.Id));
        Assert.Equal(1, api.Stripe.Fetches(sub));
    }

    /// <summary>
    /// Two different events about one subscription (its update and its invoice's payment), each also retried by Stripe,
    /// delivered at once, round after round while Stripe's state moves: every round ends in Stripe's state with exactly
    /// one change recorded for it, past_due's email sent once per past-due period, and every event processed.
    /// </summary>
    [Fact]
    public async Task Different_events_about_one_subscription_delivered_at_once_end_in_Stripes_state_recorded_once()
    {
        var team = await TeamAsync();
        var (sub, cus) = ("sub_c" + team.Id.ToString("N")[..12], "cus_c" + team.Id.ToString("N")[..12]);
        var mail = api.Host.Services.GetRequiredService<MailDrop>();
        string[] states = ["trialing", "active", "past_due", "active", "past_due", "unpaid", "active", "canceled"];
        var events = new List<string>();

        for (var round = 0; round < states.Length; round++)
        {
            var subscription = api.Stripe.SetSubscription(sub, cus, states[round], StripeFixture.StarterMonth, team.Id);
            var now = api.Clock.GetUtcNow();
            var updated = StripeFake.Event(states[round] == "canceled" ? "customer.subscription.deleted" : "customer.subscription.updated", subscription, now);
            var invoice = StripeFake.Event(states[round] is "past_due" or "unpaid" ? "invoice.payment_failed" : "invoice.paid",
                StripeFake.Invoice($"in_c{round}{sub}", sub, team.Id, cus, states[round] is "past_due" or "unpaid" ? "open" : "paid", 1900, now), now);
            string[] deliveries = [updated, invoice, updated, invoice];

            var answers = await Task.WhenAll(deliveries.Select(body => StripeFake.DeliverAsync(api.Host, body, StripeFake.Signature(body, now))));

            Assert.All(answers, a => Assert.Equal(200, a));
            events.AddRange([StripeFake.IdOf(updated), StripeFake.IdOf(invoice)]);
            await Eventually.TrueAsync(async () => (await Task.WhenAll(events.Select(RecordAsync))).All(r => r?.ProcessedAt is not null), $"round {round} was not processed");
            var changes = await ChangeListAsync(team.Id);
            Assert.Equal(StripeEffects.StatusOf(states[round]), (await SubscriptionAsync(team.Id))!.Status);
            Assert.Equal(states[..(round + 1)].Select(StripeEffects.StatusOf), changes.Select(c => c.Status));
        }

        var records = await Task.WhenAll(events.Select(RecordAsync));
        Assert.All(records, r => Assert.True(r is { ProcessedAt: not null, LastError: null }, $"{r?.Id}: {r?.LastError}"));
        await Task.Delay(300);
        Assert.Equal(2, mail.For(team.Owner.Email).Count(m => m.Kind == "subscription-past-due"));
    }

    private async Task<(string Plan, string Status)> PlanAsync(Team team)
    {
        var plan = (await api.Host.AsAsync(team.Owner, "query ($id: ID!) { workspace(id: $id) { plan { id status } } }", new { id = team.GlobalId }))
            .Data.GetProperty("workspace").GetProperty("plan");
        return (plan.GetProperty("id").GetString()!, plan.GetProperty("status").GetString()!);
    }

    private async Task<List<WorkspaceSubscriptionChanged>> ChangeListAsync(Guid workspaceId)
    {
        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return [.. (await session.Events.FetchStreamAsync(workspaceId)).Select(e => e.Data).OfType<WorkspaceSubscriptionChanged>()];
    }

    [Fact]
    public async Task Billing_history_lists_the_invoices_newest_first_in_keyset_pages_and_a_late_failure_does_not_undo_a_payment()
    {
        var team = await TeamAsync();
        var (sub, cus) = ("sub_h" + team.Id.ToString("N")[..12], "cus_h" + team.Id.ToString("N")[..12]);
        api.Stripe.SetSubscription(sub, cus, "active", StripeFixture.StarterMonth, team.Id);
        var t0 = new DateTimeOffset(2026, 9, 1, 0, 0, 0, TimeSpan.Zero);
        await DeliverAsync("invoice.paid", StripeFake.Invoice("in_h1" + sub, sub, team.Id, cus, "paid", 1900, t0));
        await DeliverAsync("invoice.paid", StripeFake.Invoice("in_h2" + sub, sub, team.Id, cus, "paid", 1900, t0.AddMonths(1)));
        await DeliverAsync("invoice.paid", StripeFake.Invoice("in_h3" + sub, sub, team.Id, cus, "paid", 2900, t0.AddMonths(2)));
        await DeliverAsync("invoice.payment_failed", StripeFake.Invoice("in_h3" + sub, sub, team.Id, cus, "open", 2900, t0.AddMonths(2)));

        const string Query = "query ($id: ID!, $after: String) { workspace(id: $id) { billingHistory(first: 2, after: $after) { edges { cursor node { id status currency total amountPaid hostedInvoiceUrl createdAt } } pageInfo { hasNextPage endCursor } } } }";
        var first = (await api.Host.AsAsync(team.Owner, Query, new { id = team.GlobalId })).Data.GetProperty("workspace").GetProperty("billingHistory");
        var nodes = first.GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("node")).ToList();
        Assert.Equal(["in_h3" + sub, "in_h2" + sub], nodes.Select(n => n.GetProperty("id").GetString()));
        Assert.Equal(("paid", "EUR", 2900L, 2900L), (nodes[0].GetProperty("status").GetString(), nodes[0].GetProperty("currency").GetString(), nodes[0].GetProperty("total").GetInt64(), nodes[0].GetProperty("amountPaid").GetInt64()));
        Assert.True(first.GetProperty("pageInfo").GetProperty("hasNextPage").GetBoolean());

        var second = (await api.Host.AsAsync(team.Owner, Query, new { id = team.GlobalId, after = first.GetProperty("pageInfo").GetProperty("endCursor").GetString() }))
            .Data.GetProperty("workspace").GetProperty("billingHistory");
        Assert.Equal(["in_h1" + sub], second.GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("node").GetProperty("id").GetString()));
        Assert.False(second.GetProperty("pageInfo").GetProperty("hasNextPage").GetBoolean());
    }
}
