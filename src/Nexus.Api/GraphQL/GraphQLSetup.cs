using GraphQL;
using GraphQL.Execution;
using GraphQL.Validation;
using GraphQL.Validation.Rules.Custom;
using GraphQLParser.AST;
using Microsoft.Extensions.Options;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.GraphQL.Limits;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.GraphQL.Transport;

namespace Nexus.Api.GraphQL;

public static class GraphQLSetup
{
    /// <summary>Registers the schema, its conventions and the transport.</summary>
    public static IServiceCollection AddNexusGraphQL(this IServiceCollection services, IConfiguration configuration)
    {
        var assembly = typeof(GraphQLSetup).Assembly;
        services.AddOptions<GraphQLOptions>().Bind(configuration.GetSection(GraphQLOptions.Section));
        services.AddSingleton(RootFieldRegistry.FromAssembly(assembly));
        services.AddSingleton(TypeExtensionRegistry.FromAssembly(assembly));
        services.AddTransient(typeof(ErrorType<>));
        services.AddScoped<Loading.BatchLoaders>();
        foreach (var resolver in assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false } && typeof(INodeResolver).IsAssignableFrom(t)))
        {
            services.AddSingleton(typeof(INodeResolver), resolver);
        }

        services.AddGraphQL(graphql => graphql
            .AddSchema<NexusSchema>()
            .AddGraphTypes(assembly)
            // A record nested in a generated mutation input becomes an input type of its own (see Mutation<,,>).
            .AddAutoClrMappings(mapInputTypes: true, mapOutputTypes: false)
            .AddSystemTextJson()
            .AddErrorInfoProvider<NexusErrorInfoProvider>()
            // Resolvers share the request's Marten session, which is not thread-safe: run fields one at a time.
            .AddExecutionStrategy<SerialExecutionStrategy>(OperationType.Query)
            .AddExecutionStrategy<NexusSubscriptionExecutionStrategy>(OperationType.Subscription)
            .AddUnhandledExceptionHandler(context =>
            {
                var logger = context.Context?.RequestServices?.GetService<ILogger<NexusSchema>>();
                logger?.LogError(context.OriginalException, "GraphQL resolver failed at {Path}", context.FieldContext?.Path);
            })
            .ConfigureExecutionOptions(options =>
            {
                var settings = options.RequestServices!.GetRequiredService<IOptions<GraphQLOptions>>().Value;
                var rules = new List<IValidationRule>(DocumentValidator.CoreRules)
                {
                    AuthenticationRule.Instance,
                    ScopeRule.Instance,
                    new AliasLimitRule(settings.MaxAliases),
                    QueryLimitsRule.For(settings),
                };
                if (!settings.EnableIntrospection)
                {
                    rules.Add(NoIntrospectionValidationRule.Instance);
                }

                options.ValidationRules = rules;
            }));

        services.AddSingleton<GraphQLHttpEndpoint>();
        services.AddSingleton<GraphQLWebSocketEndpoint>();
        return services;
    }
}
