using Wolverine;

namespace Nexus.Api.Features.Connections;

public static class Configuration
{
    public static IServiceCollection AddNexusConnections(this IServiceCollection services)
    {
        services.AddSingleton<ConnectionState>();
        services.AddHostedService<TokenCheck>();
        // Refreshes run one at a time: two concurrent refreshes of one grant would race its rotating refresh token.
        services.ConfigureWolverine(wolverine =>
        {
            wolverine.LocalQueueFor<RefreshConnectionTokens>().Sequential();
        });
        return services;
    }
}
