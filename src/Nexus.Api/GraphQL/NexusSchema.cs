using GraphQL;
using GraphQL.Types;
using Nexus.Api.GraphQL.Scalars;

namespace Nexus.Api.GraphQL;

/// <summary>The Nexus schema: root types assembled from the slices plus the shared conventions.</summary>
public sealed class NexusSchema : Schema
{
    public NexusSchema(IServiceProvider services, QueryType query, MutationType mutation, RootFieldRegistry registry)
        : base(services)
    {
        Query = query;
        if (registry.Any<MutationTypeAttribute>())
        {
            Mutation = mutation;
        }

        // The scalars are part of the contract even before a field uses them.
        RegisterType(typeof(DateTimeScalar));
        RegisterType(typeof(TimeZoneScalar));

        RegisterTypeMapping(typeof(DateTimeOffset), typeof(DateTimeScalar));
        // The introspection query tools send on load nests lists ten deep; at full weight its estimate (~350,000)
        // would exceed any sensible MaxComplexity, at 1% it fits while depth still bounds it.
        this.WithIntrospectionComplexityImpact(0.01);
        RegisterTypeMapping(typeof(TimeZoneInfo), typeof(TimeZoneScalar));
    }
}
