using GraphQL.DataLoader;
using GraphQL.Types;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Loading;

namespace Nexus.Api.Features.Accounts.GettingMe;

/// <summary><c>me</c>: the signed-in user, or null for anonymous callers.</summary>
[QueryType]
public sealed class MeQuery : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.Field<UserType, IDataLoaderResult<User?>>("me")
            .Description("The signed-in user; null when the caller is anonymous or a service client.")
            .Public()
            .AnyAppScope()
            .Resolve(ctx => ctx.UserId() is { } id ? ctx.Load(UserLoaders.ById, id) : ((User?)null).AsLoaded());
}
