using FluentValidation;
using Nexus.Api.Features.Accounts;
using Nexus.Api.Features.Analytics;
using Nexus.Api.Features.Billing;
using Nexus.Api.Features.Connections;
using Nexus.Api.Features.EventStreams.Live;
using Nexus.Api.Features.Hooks;
using Nexus.Api.Features.Marketplace;
using Nexus.Api.Features.Media;
using Nexus.Api.Features.Posts;
using Nexus.Api.Features.Webhooks;

namespace Nexus.Api.Features;

public static class Features
{
    /// <summary>Services the areas need beyond Marten, Wolverine and GraphQL (which discover slices themselves).</summary>
    public static IServiceCollection AddNexusFeatures(this IServiceCollection services, IConfiguration configuration) =>
        services.AddAccounts().AddNexusConnections().AddNexusPosts(configuration).AddNexusWebhooks(configuration).AddNexusAnalytics(configuration)
            .AddNexusEventStreams()
            .AddNexusHooks(configuration)
            .AddNexusMedia(configuration)
            .AddNexusBilling(configuration)
            .AddNexusMarketplace(configuration);

    /// <summary>Registers every slice's nested <c>Validator</c> as <c>IValidator&lt;TCommand&gt;</c>.</summary>
    public static IServiceCollection AddNexusValidators(this IServiceCollection services)
    {
        foreach (var validator in typeof(Features).Assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false }))
        {
            var validated = validator.BaseType is { IsGenericType: true } baseType && baseType.GetGenericTypeDefinition() == typeof(AbstractValidator<>)
                ? baseType.GetGenericArguments()[0]
                : null;
            if (validated is not null)
            {
                services.AddSingleton(typeof(IValidator<>).MakeGenericType(validated), validator);
            }
        }

        return services;
    }
}
