namespace Nexus.Api.Features.Billing;

public static class BillingConfiguration
{
    /// <summary>Plans, subscriptions and the storefront. Each part adds its own registrations here (a line or two each).</summary>
    public static IServiceCollection AddNexusBilling(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<BillingOptions>().Bind(configuration.GetSection(BillingOptions.Section));
        services.AddOptions<StripeOptions>().Bind(configuration.GetSection(StripeOptions.Section));
        services.AddSingleton<StripeGateway>();
        services.AddOptions<Storefront.StorefrontOptions>().Bind(configuration.GetSection(Storefront.StorefrontOptions.Section));
        services.AddSingleton<Storefront.OrderLinks>();
        return services;
    }
}
