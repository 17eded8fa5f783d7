using GraphQL.Types;
using Marten;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;

namespace Nexus.Api.Features.Accounts.GettingMe;

/// <summary><c>me</c>: the signed-in user, or null for anonymous callers.</summary>
[QueryType]
public sealed class MeQuery : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.Field<UserType, User>("me")
            .Description("The signed-in user; null when the caller is anonymous or a service client.")
            .Public()
            .ResolveAsync(async ctx => ctx.UserId() is { } id
                ? await ctx.RequestServices!.GetRequiredService<IQuerySession>().LoadAsync<User>(id, ctx.CancellationToken)
                : null);
}
