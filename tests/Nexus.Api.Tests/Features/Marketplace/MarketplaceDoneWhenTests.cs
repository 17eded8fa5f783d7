using System.Text.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Marketplace;
using Nexus.Api.Features.Marketplace.Payouts;
using Nexus.Api.Tests.Features.Billing;
using Nexus.Api.Tests.Features.Media;
using Nexus.Api.Tests.Features.Posts;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;
using Wolverine;

namespace Nexus.Api.Tests.Features.Marketplace;

/// <summary>Issue 17's "done when": a brand and a creator complete a campaign on the sandbox and the creator is paid once.</summary>
[Collection(StripeCollection.Name)]
public sealed class MarketplaceDoneWhenTests(StripeFixture api)
{
    [Fact]
    public async Task A_brand_and_a_creator_complete_a_campaign_end_to_end_and_the_creator_is_paid_once()
    {
        var parties = await api.PartiesAsync();
        var campaign = await api.Host.OpenCampaignAsync(parties);

        // The creator finds the campaign, qualifies by their measured audience, and applies.
        var found = (await api.Host.AsAsync(parties.Creator,
                "query { campaigns(search: \"SUMMER menu\", platform: SANDBOX, first: 5) { edges { node { id title budget { amount currency } qualification { qualifies unmet } } } } }"))
            .Data.GetProperty("campaigns").GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("node")).Single(n => n.GetProperty("id").GetString() == campaign);
        Assert.True(found.GetProperty("qualification").GetProperty("qualifies").GetBoolean(), found.ToString());
        var applied = await api.Host.ActAsync(parties.Creator, "applyToCampaign", new { campaignId = campaign, pitch = "I cook on camera every week.", price = 60_000L });
        MarketplaceScenarios.Succeeded(applied);
        var application = applied.GetProperty("application").GetProperty("id").GetString()!;

        // The brand sees it, shortlists it and offers less; the creator counters; the brand accepts the counter.
        var received = (await api.Host.AsAsync(parties.Brand, "query ($id: ID!) { node(id: $id) { ... on Campaign { applications(first: 10) { edges { node { id pitch creator { displayName audience { followers } } } } } } } }",
            new { id = campaign })).Data.GetProperty("node").GetProperty("applications").GetProperty("edges");
        Assert.Equal(application, Assert.Single(received.EnumerateArray()).GetProperty("node").GetProperty("id").GetString());
        MarketplaceScenarios.Succeeded(await api.Host.ActAsync(parties.Brand, "shortlistApplication", new { applicationId = application }));
        MarketplaceScenarios.Succeeded(await api.Host.ActAsync(parties.Brand, "makeOffer", new { applicationId = application, price = 50_000L }));
        MarketplaceScenarios.Succeeded(await api.Host.ActAsync(parties.Creator, "makeOffer", new { applicationId = application, price = 55_000L, note = "Meet me halfway?" }));
        var accepted = await api.Host.ActAsync(parties.Brand, "acceptOffer", new { applicationId = application, offerNumber = 2 });
        MarketplaceScenarios.Succeeded(accepted);
        var contract = accepted.GetProperty("application").GetProperty("contract");
        Assert.Equal(("AWAITING_FUNDING", 55_000L, 5_500L, 49_500L), (contract.GetProperty("status").GetString(), contract.GetProperty("total").GetProperty("amount").GetInt64(),
            contract.GetProperty("platformFee").GetProperty("amount").GetInt64(), contract.GetProperty("creatorShare").GetProperty("amount").GetInt64()));

        // The brand pays on Stripe Checkout; Stripe's webhook makes the contract active.
        await api.FundedAsync(parties, application);
        Assert.Equal("ACTIVE", (await api.Host.ApplicationAsync(parties.Creator, application)).GetProperty("contract").GetProperty("status").GetString());

        // The creator drafts the post in their own workspace and submits it; the brand asks for a change, then approves.
        var post = await api.Host.DraftAsync(parties.Creator, parties.CreatorWorkspace, $"Our summer menu is here {Guid.NewGuid():N}", parties.Connection);
        MarketplaceScenarios.Succeeded(await api.Host.ActAsync(parties.Creator, "submitDeliverable", new { applicationId = application, index = 0, postId = post }));
        MarketplaceScenarios.Succeeded(await api.Host.ActAsync(parties.Brand, "requestDeliverableChanges", new { applicationId = application, index = 0, comment = "Tag the restaurant, please." }));
        MarketplaceScenarios.Succeeded(await api.Host.ActAsync(parties.Creator, "submitDeliverable", new { applicationId = application, index = 0, postId = post }));
        MarketplaceScenarios.Succeeded(await api.Host.ActAsync(parties.Brand, "approveDeliverable", new { applicationId = application, index = 0, comment = "Perfect." }));

        // Nexus publishes it through its own pipeline; the contract links the published target and goes to review.
        JsonElement view = default;
        await Eventually.TrueAsync(async () =>
        {
            view = await api.Host.ApplicationAsync(parties.Brand, application);
            return view.GetProperty("contract").GetProperty("status").GetString() == "IN_REVIEW";
        }, "the deliverable was never published", TimeSpan.FromSeconds(30));
        var deliverable = view.GetProperty("contract").GetProperty("deliverables")[0];
        Assert.Equal(("PUBLISHED", "PUBLISHED"), (deliverable.GetProperty("status").GetString(), deliverable.GetProperty("post").GetProperty("status").GetString()));
        Assert.StartsWith("http", deliverable.GetProperty("externalUrl").GetString());

        // The brand sees the post's metrics from Nexus's analytics, read when the creator refreshes them.
        var scheduled = await api.Host.ApplicationAsync(parties.Brand, application, "contract { deliverables { metrics { nextSyncAt } } }");
        Assert.NotEqual(JsonValueKind.Null, scheduled.GetProperty("contract").GetProperty("deliverables")[0].GetProperty("metrics").GetProperty("nextSyncAt").ValueKind);
        await Eventually.TrueAsync(async () =>
        {
            await api.Host.AsAsync(parties.Creator, "mutation ($input: RefreshMetricsInput!) { refreshMetrics(input: $input) { errors { __typename } } }", new { input = new { postId = post } });
            var read = await api.Host.ApplicationAsync(parties.Brand, application, "contract { deliverables { metrics { latest { impressions } } } }");
            return read.GetProperty("contract").GetProperty("deliverables")[0].GetProperty("metrics").GetProperty("latest").ValueKind != JsonValueKind.Null;
        }, "the brand never saw the deliverable's metrics");

        // The creator sets up payouts on Stripe Connect; Stripe says payouts are enabled.
        var onboarding = await api.Host.ActAsync(parties.Creator, "startCreatorPayouts", new { }, "url");
        MarketplaceScenarios.Succeeded(onboarding);
        Assert.StartsWith("https://connect.stripe.com/setup/", onboarding.GetProperty("url").GetString());
        string account;
        await using (var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession())
        {
            account = (await session.LoadAsync<CreatorProfile>(Ids.Of(parties.Profile)))!.StripeAccountId!;
        }

        await api.DeliverAsync("account.updated", api.Stripe.CompleteOnboarding(account));

        // The brand approves the work: the creator's share is transferred, once, even when the release is sent again.
        MarketplaceScenarios.Succeeded(await api.Host.ActAsync(parties.Brand, "approveContract", new { applicationId = application }));
        await Eventually.TrueAsync(async () =>
            (await api.Host.ApplicationAsync(parties.Creator, application)).GetProperty("contract").GetProperty("status").GetString() == "PAID", "the creator was never paid");
        await api.Host.Services.GetRequiredService<IMessageBus>().InvokeAsync(new ReleaseContractPayment(Ids.Of(application)));
        Assert.Equal("APPLICATION_STATE", MarketplaceScenarios.ErrorCode(await api.Host.ActAsync(parties.Brand, "approveContract", new { applicationId = application })));
        await Task.Delay(500);

        var transfer = Assert.Single(api.Stripe.Transfers, t => (string?)t["metadata"]?["applicationId"] == Ids.Of(application).ToString());
        Assert.Equal((49_500L, "eur", account), ((long)transfer["amount"]!, (string?)transfer["currency"], (string?)transfer["destination"]));
        foreach (var party in new[] { parties.Brand, parties.Creator })
        {
            var paid = (await api.Host.ApplicationAsync(party, application)).GetProperty("contract");
            Assert.Equal(("PAID", 49_500L), (paid.GetProperty("status").GetString(), paid.GetProperty("paidOut").GetProperty("amount").GetInt64()));
        }

        // Every step is an event of the application's stream, and both workspaces' event streams list them.
        var types = await api.Host.EventTypesAsync(Ids.Of(application));
        Assert.Equal(["ApplicationSubmitted", "ApplicationShortlisted", "OfferMade", "OfferMade", "OfferAccepted", "ContractFundingOpened", "ContractFunded", "DeliverableSubmitted",
            "DeliverableChangesRequested", "DeliverableSubmitted", "DeliverableApproved", "DeliverablePublished", "ContractInReview", "ContractApproved", "ContractPaidOut"], types);
        foreach (var (party, workspace) in new[] { (parties.Brand, parties.BrandWorkspace), (parties.Creator, parties.CreatorWorkspace) })
        {
            await Eventually.TrueAsync(async () =>
            {
                var events = (await api.Host.AsAsync(party, "query ($id: ID!) { workspace(id: $id) { events(first: 100, types: [\"contract_paid_out\", \"offer_accepted\"]) { edges { node { type } } } } }",
                    new { id = workspace })).Data.GetProperty("workspace").GetProperty("events").GetProperty("edges");
                return events.GetArrayLength() == 2;
            }, $"the event stream of {workspace} does not show the contract");
        }
    }
}
