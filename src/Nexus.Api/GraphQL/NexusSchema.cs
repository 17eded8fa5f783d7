using GraphQL;
using GraphQL.Types;
using Nexus.Api.GraphQL.Scalars;

namespace Nexus.Api.GraphQL;

/// <summary>The Nexus schema: root types assembled from the slices plus the shared conventions.</summary>
public sealed class NexusSchema : Schema
{
    public NexusSchema(IServiceProvider services, QueryType query, MutationType mutation, SubscriptionType subscription, RootFieldRegistry registry)
        : base(services)
    {
        Query = query;
        if (registry.Any<MutationTypeAttribute>())
        {
            Mutation = mutation;
        }

        if (registry.Any<SubscriptionTypeAttribute>())
        {
            Subscription = subscription;
        }

        // The scalars are part of the contract even before a field uses them.
        RegisterType(typeof(DateTimeScalar));
        RegisterType(typeof(TimeZoneScalar));

        RegisterTypeMapping(typeof(DateTimeOffset), typeof(DateTimeScalar));
        // Introspection only reads the static schema, so its cost is bounded by the schema's size and MaxDepth;
        // its estimate, though, multiplies list fields ten levels deep (350,000+ for GraphiQL's query) and grows
        // with every type added. Leave it out of the cost limit rather than tune a factor that breaks as we grow.
        this.WithIntrospectionComplexityImpact(0);
        RegisterTypeMapping(typeof(TimeZoneInfo), typeof(TimeZoneScalar));
    }
}
