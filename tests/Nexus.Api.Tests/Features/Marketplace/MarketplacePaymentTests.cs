using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Marketplace.Payouts;
using Nexus.Api.Tests.Features.Billing;
using Nexus.Api.Tests.Features.Media;
using Nexus.Api.Tests.Infrastructure;
using Wolverine;

namespace Nexus.Api.Tests.Features.Marketplace;

/// <summary>When the creator's share is released: the review window, disputes, and payouts Stripe cannot make yet.</summary>
[Collection(StripeCollection.Name)]
public sealed class MarketplacePaymentTests(StripeFixture api)
{
    private async Task<string> StatusAsync(MarketplaceParties parties, string application) =>
        (await api.Host.ApplicationAsync(parties.Creator, application)).GetProperty("contract").GetProperty("status").GetString()!;

    private int TransfersOf(string application) => api.Stripe.Transfers.Count(t => (string?)t["metadata"]?["applicationId"] == Ids.Of(application).ToString());

    [Fact]
    public async Task Without_a_word_from_the_brand_the_creator_is_paid_once_the_review_window_has_passed_and_not_before()
    {
        var parties = await api.PartiesAsync();
        var application = await api.InReviewAsync(parties);
        await api.PayableAsync(parties);
        var bus = api.Host.Services.GetRequiredService<IMessageBus>();

        // The timer firing early (a redelivery) pays nothing.
        await bus.InvokeAsync(new ReleaseContractPayment(Ids.Of(application)));
        Assert.Equal(("IN_REVIEW", 0), (await StatusAsync(parties, application), TransfersOf(application)));

        // Eight days later the window (7 days) has passed: the timer pays, once, however often it fires.
        api.Clock.SetTo(DateTimeOffset.UtcNow.AddDays(8));
        try
        {
            await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => bus.InvokeAsync(new ReleaseContractPayment(Ids.Of(application)))));
        }
        finally
        {
            api.Clock.Reset();
        }

        Assert.Equal(("PAID", 1), (await StatusAsync(parties, application), TransfersOf(application)));
        Assert.Single(await api.Host.EventTypesAsync(Ids.Of(application)), t => t == "ContractPaidOut");
    }

    [Fact]
    public async Task A_disputed_contract_holds_the_money_until_the_brand_approves_and_a_creator_without_payouts_is_paid_once_stripe_enables_them()
    {
        var parties = await api.PartiesAsync();
        var application = await api.InReviewAsync(parties);

        MarketplaceScenarios.Succeeded(await api.Host.ActAsync(parties.Brand, "disputeContract", new { applicationId = application, reason = "The tag is missing." }));
        Assert.Equal("NOT_YOUR_TURN", MarketplaceScenarios.ErrorCode(await api.Host.ActAsync(parties.Creator, "approveContract", new { applicationId = application })));
        Assert.Equal("APPLICATION_STATE", MarketplaceScenarios.ErrorCode(await api.Host.ActAsync(parties.Brand, "cancelContract", new { applicationId = application })));
        api.Clock.SetTo(DateTimeOffset.UtcNow.AddDays(8));
        try
        {
            await api.Host.Services.GetRequiredService<IMessageBus>().InvokeAsync(new ReleaseContractPayment(Ids.Of(application)));
        }
        finally
        {
            api.Clock.Reset();
        }

        Assert.Equal(("DISPUTED", 0), (await StatusAsync(parties, application), TransfersOf(application)));

        // The brand approves; the creator has not set up payouts yet, so nothing moves until Stripe enables them.
        MarketplaceScenarios.Succeeded(await api.Host.ActAsync(parties.Brand, "approveContract", new { applicationId = application }));
        await Task.Delay(1000);
        Assert.Equal(("IN_REVIEW", 0), (await StatusAsync(parties, application), TransfersOf(application)));
        await api.PayableAsync(parties);
        await Eventually.TrueAsync(async () => await StatusAsync(parties, application) == "PAID", "the creator was not paid once their payouts were enabled");
        Assert.Equal(1, TransfersOf(application));
    }
}
