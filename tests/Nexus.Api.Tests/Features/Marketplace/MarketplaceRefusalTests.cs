using System.Text.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Marketplace;
using Nexus.Api.Tests.Features.Billing;
using Nexus.Api.Tests.Features.Media;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Marketplace;

/// <summary>What the marketplace refuses: unqualified creators, the wrong side, outsiders, a second acceptance, a spent budget.</summary>
[Collection(StripeCollection.Name)]
public sealed class MarketplaceRefusalTests(StripeFixture api)
{
    [Fact]
    public async Task A_creator_whose_measured_audience_is_below_the_minimum_cannot_apply_and_is_told_what_is_unmet()
    {
        var parties = await api.PartiesAsync();
        var campaign = await api.Host.OpenCampaignAsync(parties, minFollowers: 5_000_000_000);

        var qualification = (await api.Host.AsAsync(parties.Creator, "query ($id: ID!) { node(id: $id) { ... on Campaign { qualification { qualifies unmet } } } }", new { id = campaign }))
            .Data.GetProperty("node").GetProperty("qualification");
        Assert.False(qualification.GetProperty("qualifies").GetBoolean());
        var refused = await api.Host.ActAsync(parties.Creator, "applyToCampaign", new { campaignId = campaign, pitch = "Let me in.", price = 10_000L });
        Assert.Equal("REQUIREMENTS_NOT_MET", MarketplaceScenarios.ErrorCode(refused));
        Assert.Contains("5000000000 followers on Sandbox", refused.GetProperty("errors")[0].GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.Null, refused.GetProperty("application").ValueKind);
        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        Assert.False(await session.Query<CampaignApplication>().AnyAsync(a => a.CampaignId == Ids.Of(campaign)));
    }

    [Fact]
    public async Task Outsiders_neither_see_nor_act_on_an_application_and_each_side_acts_only_on_its_turn()
    {
        var parties = await api.PartiesAsync();
        var campaign = await api.Host.OpenCampaignAsync(parties);
        var application = await api.Host.OfferedAsync(parties, campaign);
        var outsider = await api.Host.PersonAsync("Nosy");
        await api.Host.CreateWorkspaceAsync(outsider, "Nosy Inc");

        // Reading: no node, no payload; acting: the same NOT_FOUND as an unknown id.
        var read = await api.Host.AsAsync(outsider, "query ($id: ID!) { node(id: $id) { ... on Application { id pitch } } contract: node(id: $id) { id } }", new { id = application });
        Assert.Equal(JsonValueKind.Null, read.Data.GetProperty("node").ValueKind);
        var contractId = Nexus.Api.GraphQL.Relay.GlobalId.Encode("Contract", Ids.Of(application));
        var readContract = await api.Host.AsAsync(outsider, "query ($id: ID!) { node(id: $id) { id } }", new { id = contractId });
        Assert.Equal(JsonValueKind.Null, readContract.Data.GetProperty("node").ValueKind);
        var acted = await api.Host.ActAsync(outsider, "acceptOffer", new { applicationId = application });
        Assert.Equal(("NOT_FOUND", JsonValueKind.Null), (MarketplaceScenarios.ErrorCode(acted), acted.GetProperty("application").ValueKind));
        Assert.Equal("NOT_FOUND", MarketplaceScenarios.ErrorCode(await api.Host.ActAsync(outsider, "makeOffer", new { applicationId = application, price = 1L })));

        // The brand cannot accept its own offer; the creator cannot shortlist.
        Assert.Equal("NOT_YOUR_TURN", MarketplaceScenarios.ErrorCode(await api.Host.ActAsync(parties.Brand, "acceptOffer", new { applicationId = application })));
        Assert.Equal("NOT_YOUR_TURN", MarketplaceScenarios.ErrorCode(await api.Host.ActAsync(parties.Creator, "shortlistApplication", new { applicationId = application })));

        // Accepted once; a second acceptance is refused and changes nothing.
        MarketplaceScenarios.Succeeded(await api.Host.ActAsync(parties.Creator, "acceptOffer", new { applicationId = application }));
        Assert.Equal("APPLICATION_STATE", MarketplaceScenarios.ErrorCode(await api.Host.ActAsync(parties.Creator, "acceptOffer", new { applicationId = application })));
        Assert.Single(await api.Host.EventTypesAsync(Ids.Of(application)), t => t == "OfferAccepted");

        // A party of the contract sees it; the outsider still does not.
        var seen = await api.Host.AsAsync(parties.Creator, "query ($id: ID!) { node(id: $id) { ... on Contract { status total { amount } } } }", new { id = contractId });
        Assert.Equal("AWAITING_FUNDING", seen.Data.GetProperty("node").GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, (await api.Host.AsAsync(outsider, "query ($id: ID!) { node(id: $id) { id } }", new { id = contractId })).Data.GetProperty("node").ValueKind);
    }

    [Fact]
    public async Task Concurrent_acceptances_of_one_offer_make_one_contract_and_take_the_budget_once()
    {
        var parties = await api.PartiesAsync();
        var campaign = await api.Host.OpenCampaignAsync(parties);
        var application = await api.Host.OfferedAsync(parties, campaign, price: 40_000);

        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => api.Host.ActAsync(parties.Creator, "acceptOffer", new { applicationId = application })));

        Assert.Single(answers, a => a.GetProperty("errors").GetArrayLength() == 0);
        Assert.All(answers.Where(a => a.GetProperty("errors").GetArrayLength() > 0), a => Assert.Equal("APPLICATION_STATE", MarketplaceScenarios.ErrorCode(a)));
        Assert.Single(await api.Host.EventTypesAsync(Ids.Of(application)), t => t == "OfferAccepted");
        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var events = await session.Events.FetchStreamAsync(Ids.Of(campaign));
        Assert.Single(events, e => e.Data is CampaignBudgetCommitted);
        Assert.Equal(60_000, (await session.LoadAsync<Campaign>(Ids.Of(campaign)))!.BudgetLeft);
    }

    [Fact]
    public async Task Two_creators_accepting_at_once_cannot_spend_more_than_the_budget()
    {
        var parties = await api.PartiesAsync();
        var campaign = await api.Host.OpenCampaignAsync(parties, budget: 70_000);
        var first = await api.Host.OfferedAsync(parties, campaign, price: 40_000);
        var other = await api.PartiesAsync();
        var second = await api.Host.OfferedAsync(parties with { Creator = other.Creator, CreatorWorkspace = other.CreatorWorkspace }, campaign, price: 40_000);

        var answers = await Task.WhenAll(
            api.Host.ActAsync(parties.Creator, "acceptOffer", new { applicationId = first }),
            api.Host.ActAsync(other.Creator, "acceptOffer", new { applicationId = second }));

        Assert.Single(answers, a => a.GetProperty("errors").GetArrayLength() == 0);
        Assert.Equal("BUDGET_EXCEEDED", MarketplaceScenarios.ErrorCode(Assert.Single(answers, a => a.GetProperty("errors").GetArrayLength() > 0)));
        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        Assert.Equal(30_000, (await session.LoadAsync<Campaign>(Ids.Of(campaign)))!.BudgetLeft);
    }

    [Fact]
    public async Task A_funded_contract_cancelled_before_anything_is_published_refunds_the_brand_once_and_frees_the_budget()
    {
        var parties = await api.PartiesAsync();
        var campaign = await api.Host.OpenCampaignAsync(parties);
        var application = await api.Host.OfferedAsync(parties, campaign, price: 30_000);
        MarketplaceScenarios.Succeeded(await api.Host.ActAsync(parties.Creator, "acceptOffer", new { applicationId = application }));
        await api.FundedAsync(parties, application);

        var answers = await Task.WhenAll(
            api.Host.ActAsync(parties.Creator, "cancelContract", new { applicationId = application, reason = "I fell ill." }),
            api.Host.ActAsync(parties.Brand, "cancelContract", new { applicationId = application, reason = "Plans changed." }));

        Assert.Single(answers, a => a.GetProperty("errors").GetArrayLength() == 0);
        var contract = (await api.Host.ApplicationAsync(parties.Brand, application)).GetProperty("contract");
        Assert.Equal("CANCELLED", contract.GetProperty("status").GetString());
        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var cancelled = (await session.Events.FetchStreamAsync(Ids.Of(application))).Select(e => e.Data).OfType<ContractCancelled>().Single();
        Assert.StartsWith("re_", cancelled.RefundId);
        Assert.Equal(100_000, (await session.LoadAsync<Campaign>(Ids.Of(campaign)))!.BudgetLeft);
    }
}
