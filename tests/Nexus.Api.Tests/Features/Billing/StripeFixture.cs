using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Tests.Features.Analytics.Sync;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Billing;

/// <summary>The API with Stripe's keys, its API base on <see cref="StripeFake"/>, test prices on the plans, and a controlled clock.</summary>
public sealed class StripeFixture : ApiFixture, IAsyncLifetime
{
    public const string StarterMonth = "price_starter_month";
    public const string ProfessionalYear = "price_professional_year";

    public ControlledClock Clock { get; } = new();

    public StripeFake Stripe { get; } = new();

    protected override string Purpose => "stripe";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        // A workspace whose subscription ends is back on the real free plan here (ApiFixture makes it unlimited).
        ["Nexus:Billing:FreePlan"] = "free",
        ["Nexus:Stripe:SecretKey"] = StripeFake.SecretKey,
        ["Nexus:Stripe:WebhookSecret"] = StripeFake.WebhookSecret,
        ["Nexus:Stripe:ApiBase"] = Stripe.Url,
        ["Nexus:Billing:Plans:starter:StripePrices:Month"] = StarterMonth,
        ["Nexus:Billing:Plans:professional:StripePrices:Year"] = ProfessionalYear,
        // The marketplace looks at an approved deliverable's post twice a second here, not every 30 s.
        ["Nexus:Marketplace:PublicationCheckInterval"] = "00:00:00.500",
    };

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);

    /// <summary>Delivers a signed Stripe event twice (as Stripe retries) and waits until Nexus processed it: stored once, processed once.</summary>
    public async Task DeliverAsync(string type, System.Text.Json.Nodes.JsonObject dataObject)
    {
        var body = StripeFake.Event(type, dataObject, Clock.GetUtcNow());
        Assert.Equal(200, await StripeFake.DeliverAsync(Host, body, StripeFake.Signature(body, Clock.GetUtcNow())));
        Assert.Equal(200, await StripeFake.DeliverAsync(Host, body, StripeFake.Signature(body, Clock.GetUtcNow())));
        var id = StripeFake.IdOf(body);
        await Eventually.TrueAsync(async () =>
        {
            await using var session = Host.Services.GetRequiredService<Marten.IDocumentStore>().QuerySession();
            return (await session.LoadAsync<Nexus.Api.Features.Billing.Subscribing.StripeEventRecord>(id))?.ProcessedAt is not null;
        }, $"Stripe event {id} was not processed");
    }

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Stripe.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class StripeCollection : ICollectionFixture<StripeFixture>
{
    public const string Name = "stripe";
}
