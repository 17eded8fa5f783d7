using GraphQL;
using GraphQL.Builders;
using GraphQL.DataLoader;
using GraphQL.Types;
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
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .Resolve(ctx =>
            {
                var raw = ctx.GetArgument<string>("id");
                if (!GlobalId.TryParse(raw, out var id))
                {
                    throw new BadRequestError("The id is not a valid Nexus id.");
                }

                var resolver = ctx.RequestServices!.GetServices<INodeResolver>().FirstOrDefault(r => r.TypeName == id.TypeName);
                return resolver?.Resolve(id.Id, ctx);
            });
}
