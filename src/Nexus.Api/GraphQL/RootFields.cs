using GraphQL.Types;

namespace Nexus.Api.GraphQL;

/// <summary>
/// Contributes fields to one of the root operation types. Slices implement it and mark the class with
/// <see cref="QueryTypeAttribute"/>, <see cref="MutationTypeAttribute"/> or <see cref="SubscriptionTypeAttribute"/>;
/// the schema discovers them, so adding a slice never edits a central schema file. A mutation is not written this way
/// any more: it is declared as a <see cref="Mutation{TInput, TCommand, TResult}"/>, which contributes its own field.
/// </summary>
public interface IRootFields
{
    /// <summary>Adds this slice's fields to <paramref name="root"/>.</summary>
    void AddTo(ObjectGraphType root);
}

/// <summary>Marks an <see cref="IRootFields"/> whose fields belong on <c>Query</c>.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class QueryTypeAttribute : Attribute;

/// <summary>Marks an <see cref="IRootFields"/> whose fields belong on <c>Mutation</c> (inherited: every <see cref="Mutation{TInput, TCommand, TResult}"/> carries it).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class MutationTypeAttribute : Attribute;

/// <summary>Marks an <see cref="IRootFields"/> whose fields belong on <c>Subscription</c>.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class SubscriptionTypeAttribute : Attribute;

/// <summary>The root <c>Query</c> type, made of every <see cref="QueryTypeAttribute"/> contribution.</summary>
public sealed class QueryType : ObjectGraphType
{
    public QueryType(RootFieldRegistry registry)
    {
        Name = "Query";
        registry.Contribute<QueryTypeAttribute>(this);
    }
}

/// <summary>The root <c>Mutation</c> type, made of every <see cref="MutationTypeAttribute"/> contribution.</summary>
public sealed class MutationType : ObjectGraphType
{
    public MutationType(RootFieldRegistry registry)
    {
        Name = "Mutation";
        registry.Contribute<MutationTypeAttribute>(this);
    }
}

/// <summary>
/// The root <c>Subscription</c> type, made of every <see cref="SubscriptionTypeAttribute"/> contribution. Its fields
/// are served over WebSocket (<c>graphql-transport-ws</c>, see <c>GraphQLWebSocketEndpoint</c>): a field
/// declares <c>ResolveStream</c>, and its resolver middleware (access checks) runs when subscribing and for every event.
/// </summary>
public sealed class SubscriptionType : ObjectGraphType
{
    public SubscriptionType(RootFieldRegistry registry)
    {
        Name = "Subscription";
        registry.Contribute<SubscriptionTypeAttribute>(this);
    }
}

/// <summary>Finds the slices' root-field contributions in an assembly, in a stable order.</summary>
public sealed class RootFieldRegistry(IEnumerable<Type> contributors)
{
    private readonly Type[] _contributors = [.. contributors.OrderBy(t => t.FullName, StringComparer.Ordinal)];

    public static RootFieldRegistry FromAssembly(System.Reflection.Assembly assembly) =>
        new(assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IRootFields).IsAssignableFrom(t)));

    public bool Any<TAttribute>() where TAttribute : Attribute =>
        _contributors.Any(t => t.IsDefined(typeof(TAttribute), inherit: true));

    internal void Contribute<TAttribute>(ObjectGraphType root) where TAttribute : Attribute
    {
        foreach (var type in _contributors.Where(t => t.IsDefined(typeof(TAttribute), inherit: true)))
        {
            ((IRootFields)Activator.CreateInstance(type)!).AddTo(root);
        }
    }
}
