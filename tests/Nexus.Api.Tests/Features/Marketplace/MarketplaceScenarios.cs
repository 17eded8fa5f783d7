using System.Text.Json;
using System.Text.Json.Nodes;
using Alba;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Billing.Subscribing;
using Nexus.Api.Features.Marketplace;
using Nexus.Api.Tests.Features.Billing;
using Nexus.Api.Tests.Features.Media;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Marketplace;

/// <summary>A brand (its owner and workspace) and a creator (their own workspace, a sandbox account, a profile).</summary>
public sealed record MarketplaceParties(Person Brand, string BrandWorkspace, Person Creator, string CreatorWorkspace, string Connection, string Profile);

public static class MarketplaceScenarios
{
    public const string ErrorsSelection = "errors { __typename ... on Error { code message path } }";

    public const string ApplicationFields =
        "id status offers { number by price { amount currency } } pendingOffer { number by } " +
        "contract { id status total { amount currency } platformFee { amount } creatorShare { amount } paidOut { amount } reviewEndsAt " +
        "deliverables { index platform format status externalUrl lastComment post { id status } } }";

    public const string ApplicationSelection = "application { " + ApplicationFields + " }";

    public static async Task<MarketplaceParties> PartiesAsync(this StripeFixture api, string? country = "FR")
    {
        var brand = await api.Host.PersonAsync("Brand Owner");
        var brandWorkspace = await api.Host.CreateWorkspaceAsync(brand, "Brand");
        var creator = await api.Host.PersonAsync("Creator");
        var creatorWorkspace = await api.Host.CreateWorkspaceAsync(creator, "Creator studio");
        var connection = await api.Host.ConnectSandboxAsync(creator, creatorWorkspace);
        await api.Host.MeasuredAudienceAsync(creatorWorkspace);
        var profile = await api.Host.MutateAsync(creator, "updateCreatorProfile", "UpdateCreatorProfileInput",
            new { workspaceId = creatorWorkspace, displayName = "Cleo Creates", bio = "Food and travel.", niches = new[] { "Food", "travel" }, country,
                rates = new[] { new { deliverable = "1 post", amount = 20_000L, currency = "EUR" } } },
            $"profile {{ id displayName niches audience {{ platform followers measuredAt }} }} {ErrorsSelection}");
        Assert.Equal(0, profile.GetProperty("errors").GetArrayLength());
        return new MarketplaceParties(brand, brandWorkspace, creator, creatorWorkspace, connection, profile.GetProperty("profile").GetProperty("id").GetString()!);
    }

    /// <summary>Waits until the creator's accounts have been read once (their audience rows are made asynchronously on connecting).</summary>
    public static async Task MeasuredAudienceAsync(this IAlbaHost host, string creatorWorkspace)
    {
        var audiences = host.Services.GetRequiredService<CreatorAudience>();
        await Eventually.TrueAsync(async () =>
        {
            await using var session = host.Services.GetRequiredService<IDocumentStore>().QuerySession();
            return (await audiences.RefreshAsync(session, Ids.Of(creatorWorkspace), CancellationToken.None)).Count > 0;
        }, "the creator's audience was never measured");
    }

    public static async Task<string> OpenCampaignAsync(this IAlbaHost host, MarketplaceParties parties, long minFollowers = 10, string paymentModel = "FIXED_PER_CREATOR",
        long budget = 100_000, int posts = 1, string visibility = "PUBLIC")
    {
        var created = await host.MutateAsync(parties.Brand, "createCampaign", "CreateCampaignInput", new
        {
            workspaceId = parties.BrandWorkspace,
            title = "Summer menu launch",
            brief = "Show our new summer menu to food lovers.",
            deliverables = new[] { new { platform = "SANDBOX", format = "post", count = posts } },
            budget,
            currency = "EUR",
            paymentModel,
            requirements = new { minFollowers = new[] { new { platform = "SANDBOX", followers = minFollowers } }, niches = new[] { "food" } },
            visibility,
        }, $"campaign {{ id status }} {ErrorsSelection}");
        Assert.Equal(0, created.GetProperty("errors").GetArrayLength());
        var id = created.GetProperty("campaign").GetProperty("id").GetString()!;
        var opened = await host.MutateAsync(parties.Brand, "openCampaign", "OpenCampaignInput", new { campaignId = id }, $"campaign {{ status }} {ErrorsSelection}");
        Assert.Equal("OPEN", opened.GetProperty("campaign").GetProperty("status").GetString());
        return id;
    }

    public static async Task<JsonElement> ActAsync(this IAlbaHost host, Person person, string field, object input, string selection = ApplicationSelection)
    {
        var type = char.ToUpperInvariant(field[0]) + field[1..] + "Input";
        return await host.MutateAsync(person, field, type, input, $"{selection} {ErrorsSelection}");
    }

    public static void Succeeded(JsonElement payload) => Assert.True(payload.GetProperty("errors").GetArrayLength() == 0, payload.ToString());

    public static string ErrorCode(JsonElement payload) => Assert.Single(payload.GetProperty("errors").EnumerateArray()).GetProperty("code").GetString()!;

    /// <summary>Applies and has the brand offer <paramref name="price"/>; answers the application's id.</summary>
    public static async Task<string> OfferedAsync(this IAlbaHost host, MarketplaceParties parties, string campaign, long price = 50_000)
    {
        var applied = await host.ActAsync(parties.Creator, "applyToCampaign", new { campaignId = campaign, pitch = "I cook on camera every week.", price = 60_000L });
        Succeeded(applied);
        var application = applied.GetProperty("application").GetProperty("id").GetString()!;
        Succeeded(await host.ActAsync(parties.Brand, "makeOffer", new { applicationId = application, price, note = "Our budget is a little lower." }));
        return application;
    }

    /// <summary>The brand funds the contract on Checkout and Stripe's webhook confirms it.</summary>
    public static async Task FundedAsync(this StripeFixture api, MarketplaceParties parties, string application)
    {
        var funding = await api.Host.ActAsync(parties.Brand, "fundContract", new { applicationId = application }, "url");
        Succeeded(funding);
        var session = api.Stripe.PaymentSessions.Last(s => (string?)s["metadata"]?["applicationId"] == Ids.Of(application).ToString());
        Assert.Equal((string?)session["url"], funding.GetProperty("url").GetString());
        await api.DeliverAsync("checkout.session.completed", api.Stripe.Pay((string)session["id"]!, email: "brand@example.com", name: "Brand"));
    }

    public static async Task<JsonElement> ApplicationAsync(this IAlbaHost host, Person person, string application, string fields = ApplicationFields)
    {
        var response = await host.AsAsync(person, $"query ($id: ID!) {{ node(id: $id) {{ ... on Application {{ {fields} }} }} }}",
            new { id = application });
        Assert.True(response.Errors.Length == 0, response.Body.ToString());
        return response.Data.GetProperty("node");
    }

    public static async Task<IReadOnlyList<string>> EventTypesAsync(this IAlbaHost host, Guid applicationId)
    {
        await using var session = host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return [.. (await session.Events.FetchStreamAsync(applicationId)).Select(e => e.Data.GetType().Name)];
    }
}

public static class ContractScenarios
{
    /// <summary>A funded contract whose one deliverable was approved and published: IN_REVIEW. Answers the application's id.</summary>
    public static async Task<string> InReviewAsync(this StripeFixture api, MarketplaceParties parties)
    {
        var campaign = await api.Host.OpenCampaignAsync(parties);
        var application = await api.Host.OfferedAsync(parties, campaign, price: 20_000);
        MarketplaceScenarios.Succeeded(await api.Host.ActAsync(parties.Creator, "acceptOffer", new { applicationId = application }));
        await api.FundedAsync(parties, application);
        var post = await Posts.PostScenarios.DraftAsync(api.Host, parties.Creator, parties.CreatorWorkspace, $"Review me {Guid.NewGuid():N}", parties.Connection);
        MarketplaceScenarios.Succeeded(await api.Host.ActAsync(parties.Creator, "submitDeliverable", new { applicationId = application, index = 0, postId = post }));
        MarketplaceScenarios.Succeeded(await api.Host.ActAsync(parties.Brand, "approveDeliverable", new { applicationId = application, index = 0 }));
        await Eventually.TrueAsync(async () =>
            (await api.Host.ApplicationAsync(parties.Brand, application)).GetProperty("contract").GetProperty("status").GetString() == "IN_REVIEW",
            "the deliverable was never published", TimeSpan.FromSeconds(30));
        return application;
    }

    /// <summary>The creator's Connect account, onboarded: Stripe can pay them.</summary>
    public static async Task<string> PayableAsync(this StripeFixture api, MarketplaceParties parties)
    {
        MarketplaceScenarios.Succeeded(await api.Host.ActAsync(parties.Creator, "startCreatorPayouts", new { }, "url"));
        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var account = (await session.LoadAsync<CreatorProfile>(Ids.Of(parties.Profile)))!.StripeAccountId!;
        await api.DeliverAsync("account.updated", api.Stripe.CompleteOnboarding(account));
        return account;
    }
}
