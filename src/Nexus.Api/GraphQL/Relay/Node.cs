using GraphQL;
using GraphQL.Builders;
using GraphQL.DataLoader;
using GraphQL.Types;
using Nexus.Api.Features.Apps;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;

namespace Nexus.Api.GraphQL.Relay;

/// <summary>The Relay <c>Node</c> interface.</summary>
public sealed class NodeInterface : InterfaceGraphType
{
    public NodeInterface()
    {
        Name = "Node";
        Description = "An object with a globally unique, opaque identifier, refetchable through `node(id)`.";
        Field<NonNullGraphType<IdGraphType>>("id").Description("The opaque global identifier.");
    }
}

/// <summary>
/// Loads one node type for <c>node(id)</c>. Implementations apply the same visibility rules as the
/// fields that expose the type: returning null hides the node without revealing that it exists.
/// </summary>
public interface INodeResolver
{
    /// <summary>The GraphQL type name that global ids of this node carry.</summary>
    string TypeName { get; }

    /// <summary>
    /// The app scope a token needs to load this type through <c>node(id)</c>, as the fields that expose it declare
    /// (<see cref="FieldScopes.AnyApp"/> for any app); null, the default, when it is never open to an app.
    /// </summary>
    string? Scope => null;

    /// <summary>
    /// Loads the node, or null when it does not exist or the caller may not see it: through the request's batch
    /// loaders (<see cref="Loading.BatchLoadingExtensions.Load{TKey,TValue}"/>), so the <c>node</c> fields of one
    /// document share their queries.
    /// </summary>
    IDataLoaderResult Resolve(Guid id, IResolveFieldContext context);
}

public static class NodeGraphTypeExtensions
{
    /// <summary>
    /// Makes the type a Relay node: adds <c>id: ID!</c> as the global id built from <paramref name="localId"/>
    /// and implements <c>Node</c>.
    /// </summary>
    public static FieldBuilder<TSource, string> NodeId<TSource>(this ObjectGraphType<TSource> type, Func<TSource, Guid> localId)
    {
        type.Interface<NodeInterface>();
        return type.Field<NonNullGraphType<IdGraphType>, string>("id")
            .Description("The opaque global identifier.")
            .Resolve(ctx => GlobalId.Encode(type.Name, localId(ctx.Source)));
    }
}

/// <summary><c>node(id)</c>: routes a global id to the <see cref="INodeResolver"/> of its type.</summary>
[QueryType]
public sealed class NodeQuery : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.Field<NodeInterface>("node")
            .Description("Fetches any object by its global id; null when it does not exist or is not visible to the caller.")
            .Public()
            .AnyAppScope()
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .Resolve(ctx =>
            {
                var raw = ctx.GetArgument<string>("id");
                if (!GlobalId.TryParse(raw, out var id))
                {
                    throw new BadRequestError("The id is not a valid Nexus id.");
                }

                var resolver = ctx.RequestServices!.GetServices<INodeResolver>().FirstOrDefault(r => r.TypeName == id.TypeName);
                if (resolver is not null && ctx.User.IsApp())
                {
                    // The type is in the id the caller holds, so refusing by type tells nothing about the object.
                    if (resolver.Scope is not { } scope)
                    {
                        throw new ForbiddenError($"`{id.TypeName}` objects are not open to apps: only Nexus's own clients may load them.");
                    }

                    if (scope != FieldScopes.AnyApp && ctx.User.LacksScope(scope))
                    {
                        throw new ForbiddenError(ScopeRule.Refusal(scope, $"a `{id.TypeName}` through `node`"));
                    }
                }

                return resolver?.Resolve(id.Id, ctx);
            });
}
