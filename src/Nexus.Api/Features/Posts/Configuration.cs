using Nexus.Api.Features.Posts.Publishing;
using Wolverine;

namespace Nexus.Api.Features.Posts;

public static class Configuration
{
    public const string PublishingQueue = "publishing";

    public static IServiceCollection AddNexusPosts(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PublishingOptions>().Bind(configuration.GetSection(PublishingOptions.Section));
        services.AddSingleton<Preflight>();
        services.AddSingleton<GraphQL.Errors.IMutationConflictAnswer, PostConflicts>();
        services.AddSingleton<AttemptLeases>();
        // Scoped as the platform clients it calls through are (typed HttpClients made per use).
        services.AddScoped<PlatformCalls>();
        services.AddSingleton<PublishMedia>();
        services.AddSingleton<StalledPublicationCheck>();
        services.AddHostedService(sp => sp.GetRequiredService<StalledPublicationCheck>());
        var parallelism = configuration.GetSection(PublishingOptions.Section).GetValue<int?>(nameof(PublishingOptions.Parallelism)) ?? new PublishingOptions().Parallelism;
        services.ConfigureWolverine(wolverine =>
        {
            wolverine.CodeGeneration.AlwaysUseServiceLocationFor<PlatformCalls>();
            // Publishing waits on platforms, not on the CPU: many targets at once, each in its own durable message.
            wolverine.LocalQueue(PublishingQueue).MaximumParallelMessages(parallelism);
            wolverine.PublishMessage<PublishDuePost>().ToLocalQueue(PublishingQueue);
            wolverine.PublishMessage<PublishTarget>().ToLocalQueue(PublishingQueue);
        });
        return services;
    }
}
