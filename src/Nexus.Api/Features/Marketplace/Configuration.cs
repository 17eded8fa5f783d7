namespace Nexus.Api.Features.Marketplace;

/// <summary>
/// <c>Nexus:Marketplace</c>: the platform's fee on contracts, how long a brand reviews finished work before the payment
/// is released on its own, and where Stripe sends people back.
/// </summary>
public sealed class MarketplaceOptions
{
    public const string Section = "Nexus:Marketplace";

    /// <summary>The platform's fee, in basis points of a contract's total (1000 = 10 %), kept when the creator is paid.</summary>
    public int PlatformFeeBasisPoints { get; set; } = 1000;

    /// <summary>How long the brand may approve or dispute once every deliverable is published; then the payment is released.</summary>
    public TimeSpan ReviewWindow { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often an approved deliverable's post is looked at until it is published (or failed).</summary>
    public TimeSpan PublicationCheckInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long after its time an approved deliverable is waited for before the creator is asked to submit it again.</summary>
    public TimeSpan PublicationWait { get; set; } = TimeSpan.FromDays(3);

    /// <summary>Where Checkout sends a brand after paying a contract; default <c>{FrontendUrl}/marketplace/contracts/{applicationId}?funding=success</c>.</summary>
    public string? FundingReturnUrl { get; set; }

    /// <summary>Where Stripe's onboarding sends a creator back; default <c>{FrontendUrl}/marketplace/payouts</c>.</summary>
    public string? PayoutsReturnUrl { get; set; }

    public long FeeOf(long total) => total * PlatformFeeBasisPoints / 10_000;
}

public static class MarketplaceConfiguration
{
    public static IServiceCollection AddNexusMarketplace(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MarketplaceOptions>().Bind(configuration.GetSection(MarketplaceOptions.Section));
        services.AddSingleton<CreatorAudience>();
        return services;
    }
}
