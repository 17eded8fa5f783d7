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

        // Every String and ID input, wherever it appears, goes through these: see TextInput.
        RegisterType(new SafeStringGraphType());
        RegisterType(new SafeIdGraphType());

        RegisterTypeMapping(typeof(DateTimeOffset), typeof(DateTimeScalar));
        RegisterTypeMapping(typeof(TimeZoneInfo), typeof(TimeZoneScalar));

        // An enum in a generated input type is the enumeration graph type declared for it (RoleType for Role...).
        foreach (var type in typeof(NexusSchema).Assembly.GetTypes().Where(t => t is { IsAbstract: false, BaseType.IsGenericType: true } &&
                     t.BaseType.GetGenericTypeDefinition() == typeof(EnumerationGraphType<>)))
        {
            RegisterTypeMapping(type.BaseType!.GetGenericArguments()[0], type);
        }
    }
}
